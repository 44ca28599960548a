// Pattern 3, polling with a data-as-of indicator. `metadata.dataAsOf` is the
// instant up to which the read model reflects every committed event; the
// indicator says how old that is NOW, so it keeps ticking between polls and
// a stalled pipeline shows up as a growing number, not a frozen one.

/** Whole seconds from `dataAsOf` to `nowMs`; never negative (client clock behind the server's). */
export function ageInSeconds(dataAsOf: string, nowMs: number): number | null {
  const asOf = Date.parse(dataAsOf);
  if (Number.isNaN(asOf)) return null;
  return Math.max(0, Math.floor((nowMs - asOf) / 1000));
}

/** "Updated 7 s ago", "Updated 2 min 5 s ago", "Updated 1 h 3 min ago". */
export function formatUpdatedAgo(dataAsOf: string | null | undefined, nowMs: number): string {
  if (!dataAsOf) return "Not loaded yet";
  const seconds = ageInSeconds(dataAsOf, nowMs);
  if (seconds === null) return "Update time unknown";
  return `Updated ${formatDuration(seconds)} ago`;
}

/** 0 → "0 s", 125 → "2 min 5 s", 3780 → "1 h 3 min". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = seconds % 60;
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  return restMinutes ? `${hours} h ${restMinutes} min` : `${hours} h`;
}

/** Lag as people read it: "0 ms", "850 ms", "4.2 s", "2 min 5 s". */
export function formatLag(lagMs: number): string {
  if (lagMs < 1000) return `${Math.max(0, Math.round(lagMs))} ms`;
  if (lagMs < 10_000) return `${(lagMs / 1000).toFixed(1)} s`;
  return formatDuration(lagMs / 1000);
}

/**
 * Why a read is marked stale, in words. The verdict is the server's
 * (`metadata.stale`): it knows the pending work, the browser only sees ages.
 */
export function staleExplanation(metadata: {
  readModel: string;
  lagMs: number;
  maxLagSeconds: number;
}): string {
  return (
    `${metadata.readModel} is ${formatLag(metadata.lagMs)} behind, ` +
    `over its ${formatDuration(metadata.maxLagSeconds)} threshold: recent changes may be missing.`
  );
}
