// Every order view carries `seq`, the number of the last event it reflects.
// Reads arrive from lagging read models and can overtake each other, so the
// only safe rule for "which copy is right" is: the higher seq wins. Without
// it, a poll answered by a read model that has not caught up yet would wind
// the screen back to a status the user has already changed.

export interface Versioned {
  seq: number;
}

/** The newer of two versions of the same thing; on a tie the incoming copy (fresher fields). */
export function newerOf<T extends Versioned>(current: T | null | undefined, incoming: T): T {
  if (current && current.seq > incoming.seq) return current;
  return incoming;
}

/** True when `incoming` would move the view backwards. */
export function isOlder(current: Versioned | null | undefined, incoming: Versioned): boolean {
  return !!current && incoming.seq < current.seq;
}
