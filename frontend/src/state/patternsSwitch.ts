// "Patterns off" is a teaching switch: it disables patterns 1, 2 and 4 so
// learners can see the stale, contradictory UI they prevent. It lives in
// localStorage so it holds across pages and tabs of the same browser.

export const PATTERNS_OFF_KEY = "orders.patternsOff";

type StorageLike = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export function loadPatternsOn(storage: StorageLike | null): boolean {
  try {
    return storage?.getItem(PATTERNS_OFF_KEY) !== "1";
  } catch {
    return true; // storage blocked (privacy mode): patterns stay on
  }
}

export function savePatternsOn(storage: StorageLike | null, patternsOn: boolean): void {
  try {
    if (patternsOn) storage?.removeItem(PATTERNS_OFF_KEY);
    else storage?.setItem(PATTERNS_OFF_KEY, "1");
  } catch {
    // Not persisted; the switch still works for this page.
  }
}

/** Parses a `storage` event from another tab; null when it is about something else. */
export function patternsOnFromStorageEvent(key: string | null, newValue: string | null): boolean | null {
  if (key !== PATTERNS_OFF_KEY) return null;
  return newValue !== "1";
}
