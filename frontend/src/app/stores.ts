// The tab-wide state shared by every page. Each is a plain store from
// state/store.ts; React reads them with useStore (hooks/useStore.ts).

import { loadPatternsOn, patternsOnFromStorageEvent, savePatternsOn } from "../state/patternsSwitch";
import { emptyTracker, forgetOlderThan, type ProjectionTracker } from "../state/projectionTracker";
import type { KnownViews } from "../state/knownViews";
import type { ConnectionStatus } from "../state/pushClient";
import { createRefreshBus } from "../state/refreshBus";
import { BADGE_GIVE_UP_MS } from "../state/readModels";
import { createStore } from "../state/store";
import type { Me } from "../api/types";

/** Who is logged in (GET /api/me); null until known. */
export const currentUser = createStore<Me | null>(null);

/** Patterns 1, 2 and 4 on (true) or off for teaching (false). */
export const patternsOn = createStore<boolean>(loadPatternsOn(browserStorage()));

/** Pattern 4: which read models are still behind, per order. */
export const projectionTracker = createStore<ProjectionTracker>(emptyTracker);

/** Pattern 2: the newest OrderView this tab got from a command response, per order. */
export const knownViews = createStore<KnownViews>({});

/** State of the push WebSocket, shown in the header. */
export const connectionStatus = createStore<ConnectionStatus>({ state: "stopped" });

/** Reasons to re-fetch besides polling: (re)connects, own commands, projections. */
export const refreshBus = createRefreshBus();

/** Text for the aria-live region; `id` changes so that a repeated message is read again. */
export const announcement = createStore<{ text: string; id: number }>({ text: "", id: 0 });

export function announce(text: string): void {
  announcement.set((current) => ({ text, id: current.id + 1 }));
}

/** Persists the switch and keeps other tabs of this browser in step with it. */
export function startPatternsSync(): () => void {
  const unsubscribe = patternsOn.subscribe(() => savePatternsOn(browserStorage(), patternsOn.get()));
  const onStorage = (event: StorageEvent) => {
    const value = patternsOnFromStorageEvent(event.key, event.newValue);
    if (value !== null) patternsOn.set(value);
  };
  window.addEventListener("storage", onStorage);
  return () => {
    unsubscribe();
    window.removeEventListener("storage", onStorage);
  };
}

/** Drops badge waits whose `order.projected` was evidently lost (see projectionTracker.ts). */
export function startBadgeSweeper(): () => void {
  const timer = window.setInterval(() => {
    projectionTracker.set((tracker) => forgetOlderThan(tracker, Date.now(), BADGE_GIVE_UP_MS));
  }, 15_000);
  return () => window.clearInterval(timer);
}

function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
