// Right after our own command, order_details provably lacks the change: the
// push told us it is behind, and we already hold the command's answer (at
// that seq or newer). Reading it then can only return an older copy (which
// the seq guard would discard) or, for a just-placed order, a 404. So while
// the push channel is open, wait for its `order.projected` instead, for at
// most the read model's threshold; after that, or without pushes, poll as usual.

import type { OrderView } from "../api/types";
import type { Wait } from "./projectionTracker";

export interface ReadSkipInput {
  patternsOn: boolean;
  pushOpen: boolean;
  /** The view our own command returned, if any. */
  known: OrderView | undefined;
  /** What the badge waits for in the read model we would query. */
  wait: Wait | undefined;
  nowMs: number;
  /** The read model's threshold: never wait on a push longer than that. */
  maxWaitMs: number;
}

export function readCannotHelpYet(input: ReadSkipInput): boolean {
  const { patternsOn, pushOpen, known, wait, nowMs, maxWaitMs } = input;
  if (!patternsOn || !pushOpen || !known || !wait) return false;
  return wait.seq <= known.seq && nowMs - wait.since < maxWaitMs;
}
