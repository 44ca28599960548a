// Pattern 4, "Updating…" badges. After a command commits, the server pushes
// `order.pending` naming the read models that are now behind for that order;
// each projector pushes `order.projected` once it has applied the event. An
// order shows "Updating…" until every read model named has reported that seq
// or a later one.
//
// Pushes are delivered at most once and in no guaranteed order, so the
// tracker is built to tolerate that:
//   - `projected` may arrive before `pending`: remember the highest seq each
//     read model has applied, and drop those names when `pending` arrives;
//   - old messages are harmless: a read model is cleared only by a seq at
//     least as high as the one we wait for;
//   - a lost `projected` does not hang the badge forever: a read that shows
//     the order at that seq is the same evidence (`observeRead`), and entries
//     older than the slowest threshold are forgotten (`forgetOlderThan`).
//
// When a read model gives up on an event (`order.failed`, or a row read with
// `behind.reason === "dead_lettered"`), its wait becomes a failure: the page
// shows a plain message instead of a spinner that would never stop. Failures
// are not forgotten with age: only an `order.projected` (or a read) at that
// seq or later, which a replay brings, clears them.
//
// Everything here is immutable data in, new data out.

import type { Behind, OrderPendingMessage, OrderProjectedMessage } from "../api/types";

export interface Wait {
  /** Seq this read model must reach for the badge to clear. */
  seq: number;
  /** When we started waiting (ms since epoch), for forgetting lost messages. */
  since: number;
  /**
   * Set by our own command's response, which does not say which read models
   * are affected: we assume all, until the server's `order.pending` says exactly.
   */
  assumed: boolean;
}

export interface Applied {
  seq: number;
  at: number;
}

export interface ProjectionTracker {
  /** orderId → readModel → what we wait for. */
  waiting: Record<string, Record<string, Wait>>;
  /** orderId → readModel → the highest seq known to be applied. */
  applied: Record<string, Record<string, Applied>>;
  /** orderId → the highest seq the server has announced with `order.pending`. */
  announced: Record<string, Applied>;
  /** orderId → readModel → the event it dead-lettered (until a replay applies it). */
  failed: Record<string, Record<string, Applied>>;
}

export const emptyTracker: ProjectionTracker = { waiting: {}, applied: {}, announced: {}, failed: {} };

/** The server says: these read models are behind for `orderId` at `seq`. */
export function onPending(
  tracker: ProjectionTracker,
  message: Pick<OrderPendingMessage, "orderId" | "seq" | "behind">,
  nowMs: number,
): ProjectionTracker {
  const { orderId, seq } = message;
  const announced = tracker.announced[orderId];
  const withAnnounced: ProjectionTracker =
    announced && announced.seq >= seq
      ? tracker
      : { ...tracker, announced: { ...tracker.announced, [orderId]: { seq, at: nowMs } } };
  return addWaits(withAnnounced, orderId, seq, message.behind, nowMs, false);
}

/**
 * Our own command succeeded at `seq`. Badge the order at once (the push may
 * come later, or not at all), assuming every read model is behind.
 */
export function onOwnCommand(
  tracker: ProjectionTracker,
  orderId: string,
  seq: number,
  readModels: readonly string[],
  nowMs: number,
): ProjectionTracker {
  // The server's own list for this seq (or a later one) already arrived: it is exact, keep it.
  if ((tracker.announced[orderId]?.seq ?? 0) >= seq) return tracker;
  return addWaits(tracker, orderId, seq, readModels, nowMs, true);
}

/** A projector applied the order's events up to `seq`. */
export function onProjected(
  tracker: ProjectionTracker,
  message: Pick<OrderProjectedMessage, "orderId" | "seq" | "readModel">,
  nowMs: number,
): ProjectionTracker {
  const { orderId, seq, readModel } = message;
  const applied = tracker.applied[orderId]?.[readModel];
  if (applied && applied.seq >= seq) return tracker; // old news
  const failure = tracker.failed[orderId]?.[readModel];
  const withApplied: ProjectionTracker = {
    ...tracker,
    applied: {
      ...tracker.applied,
      [orderId]: { ...tracker.applied[orderId], [readModel]: { seq, at: nowMs } },
    },
    // A replay applied what had failed: the message goes.
    failed: failure && failure.seq <= seq ? withoutEntry(tracker.failed, orderId, readModel) : tracker.failed,
  };
  const wait = tracker.waiting[orderId]?.[readModel];
  if (!wait || wait.seq > seq) return withApplied;
  return { ...withApplied, waiting: withoutEntry(tracker.waiting, orderId, readModel) };
}

/**
 * `readModel` dead-lettered the order's event `seq`: stop waiting (no spinner
 * for something that will not come) and remember the failure to show it.
 */
export function onFailed(
  tracker: ProjectionTracker,
  message: { orderId: string; seq: number; readModel: string },
  nowMs: number,
): ProjectionTracker {
  const { orderId, seq, readModel } = message;
  if ((tracker.applied[orderId]?.[readModel]?.seq ?? 0) >= seq) return tracker; // replayed since
  if (tracker.failed[orderId]?.[readModel]?.seq === seq) return tracker;
  return {
    ...tracker,
    waiting: withoutEntry(tracker.waiting, orderId, readModel),
    failed: { ...tracker.failed, [orderId]: { ...tracker.failed[orderId], [readModel]: { seq, at: nowMs } } },
  };
}

/**
 * A row read from `readModel`: its seq is evidence of progress (observeRead),
 * and its `behind` says when the read model gave up on a later event. A
 * provisional row (folded from the events, docs/screen-consistency.md) is no
 * evidence of its own seq: only of `readModelSeq`, where the read model is.
 */
export function observeRow(
  tracker: ProjectionTracker,
  readModel: string,
  row: { orderId: string; seq: number; behind?: Behind; provisional?: { readModelSeq: number } },
  nowMs: number,
): ProjectionTracker {
  const applied = row.provisional ? row.provisional.readModelSeq : row.seq;
  const seen = applied > 0 ? observeRead(tracker, readModel, row.orderId, applied, nowMs) : tracker;
  if (row.behind?.reason !== "dead_lettered") return seen;
  return onFailed(seen, { orderId: row.orderId, seq: row.behind.seq, readModel }, nowMs);
}

/** Read models that gave up on one of this order's events, sorted; empty when none. */
export function failedFor(tracker: ProjectionTracker, orderId: string): string[] {
  return Object.keys(tracker.failed[orderId] ?? {}).sort();
}

/**
 * A query answered by `readModel` showed the order at `seq`: the same
 * evidence as an `order.projected` push, and it survives lost messages.
 */
export function observeRead(
  tracker: ProjectionTracker,
  readModel: string,
  orderId: string,
  seq: number,
  nowMs: number,
): ProjectionTracker {
  return onProjected(tracker, { orderId, seq, readModel }, nowMs);
}

/** Read models still behind for this order, sorted; empty when up to date. */
export function behindFor(tracker: ProjectionTracker, orderId: string): string[] {
  return Object.keys(tracker.waiting[orderId] ?? {}).sort();
}

/** The seq the badge waits for (the highest), or null when none. */
export function awaitedSeq(tracker: ProjectionTracker, orderId: string): number | null {
  const waits = Object.values(tracker.waiting[orderId] ?? {});
  return waits.length ? Math.max(...waits.map((wait) => wait.seq)) : null;
}

/**
 * Forget waits and applied marks older than `maxAgeMs`. Used with the slowest
 * read model's threshold: past it, the pipeline is officially late, and the
 * stale flag in the query metadata (not a badge that never ends) says so.
 */
export function forgetOlderThan(
  tracker: ProjectionTracker,
  nowMs: number,
  maxAgeMs: number,
): ProjectionTracker {
  const cutoff = nowMs - maxAgeMs;
  const waiting = filterNested(tracker.waiting, (wait) => wait.since >= cutoff);
  const applied = filterNested(tracker.applied, (mark) => mark.at >= cutoff);
  const announcedEntries = Object.entries(tracker.announced);
  const keptAnnounced = announcedEntries.filter(([, mark]) => mark.at >= cutoff);
  const announced =
    keptAnnounced.length === announcedEntries.length
      ? tracker.announced
      : Object.fromEntries(keptAnnounced);
  if (waiting === tracker.waiting && applied === tracker.applied && announced === tracker.announced) {
    return tracker;
  }
  return { ...tracker, waiting, applied, announced };
}

function addWaits(
  tracker: ProjectionTracker,
  orderId: string,
  seq: number,
  readModels: readonly string[],
  nowMs: number,
  assumed: boolean,
): ProjectionTracker {
  const current = tracker.waiting[orderId] ?? {};
  const next: Record<string, Wait> = {};

  for (const [readModel, wait] of Object.entries(current)) {
    // The server's list for this very seq replaces our guess for it.
    const guessRefuted = !assumed && wait.assumed && wait.seq === seq && !readModels.includes(readModel);
    if (!guessRefuted) next[readModel] = wait;
  }

  for (const readModel of readModels) {
    const applied = tracker.applied[orderId]?.[readModel];
    if (applied && applied.seq >= seq) continue; // projected before pending: already there
    // Held behind a dead letter: later events wait for the replay, and the message says so.
    if (tracker.failed[orderId]?.[readModel]) continue;
    const existing = next[readModel];
    if (existing && existing.seq > seq) continue; // already waiting for something newer
    next[readModel] = {
      seq,
      since: existing && existing.seq === seq ? existing.since : nowMs,
      assumed: assumed && (existing?.assumed ?? true),
    };
  }

  const waiting = { ...tracker.waiting };
  if (Object.keys(next).length) waiting[orderId] = next;
  else delete waiting[orderId];
  return { ...tracker, waiting };
}

function withoutEntry<T>(
  nested: Record<string, Record<string, T>>,
  orderId: string,
  readModel: string,
): Record<string, Record<string, T>> {
  if (!nested[orderId]?.[readModel]) return nested;
  const { [readModel]: _removed, ...rest } = nested[orderId] ?? {};
  const next = { ...nested };
  if (Object.keys(rest).length) next[orderId] = rest;
  else delete next[orderId];
  return next;
}

function filterNested<T>(
  nested: Record<string, Record<string, T>>,
  keep: (value: T) => boolean,
): Record<string, Record<string, T>> {
  let changed = false;
  const result: Record<string, Record<string, T>> = {};
  for (const [outer, inner] of Object.entries(nested)) {
    const kept = Object.fromEntries(Object.entries(inner).filter(([, value]) => keep(value)));
    if (Object.keys(kept).length !== Object.keys(inner).length) changed = true;
    if (Object.keys(kept).length) result[outer] = kept;
  }
  return changed ? result : nested;
}
