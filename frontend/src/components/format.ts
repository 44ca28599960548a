// Small display helpers shared by the pages.

/** The first block of a UUID: enough to tell orders apart on screen. */
export function shortId(orderId: string): string {
  return orderId.slice(0, 8);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : timeFormat.format(time);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
