// The order detail page's state as a pure reducer. It holds the best copy of
// the order the tab knows (`base`) and, while a command is in flight, the
// command itself. What the page shows is derived (displayedOrder):
//
//   pattern 1, optimistic update: while the command is in flight the page
//     shows the status the command leads to; if it fails, dropping the
//     in-flight command IS the rollback, because `base` was never touched.
//   pattern 2, command response: on success the response's OrderView becomes
//     `base` at once, without waiting for the order_details read model; and
//     no later read with a lower seq may replace it (seq guard).
//   after a 409 the server has told us the order moved on (its seq or its
//     status): until a read shows that state, the page offers no action, so
//     it does not invite the same refusal again (`awaitingCurrent`).
//
// With "Patterns off" the same reducer does the naive thing: nothing
// optimistic, the response ignored, every read shown as it comes.

import { ApiError } from "../api/errors";
import type {
  Behind,
  CommandResponse,
  Metadata,
  OrderStatus,
  OrderView,
  ProjectedOrderView,
  Provisional,
} from "../api/types";
import { describeCommandFailure, type CommandFailure } from "./commandFailure";
import { targetStatus, type OrderCommand } from "./orderCommands";
import { isOlder, newerOf } from "./seqGuard";

/** One try of a command; kept after a failure whose outcome is unknown so a retry reuses its key. */
export interface CommandAttempt {
  command: OrderCommand;
  idempotencyKey: string;
  expectedVersion: number;
  /** ISO time the user clicked: the optimistic timeline entry's time. */
  startedAt: string;
}

export interface OrderDetailState {
  /** Best copy known: the highest seq seen in reads and command responses. */
  base: OrderView | null;
  /** Freshness of the last successful read (order_details). */
  metadata: Metadata | null;
  /** Where order_details stood for this order at the last read (per-order freshness). */
  behind: Behind | null;
  /** Set when the last read was the order folded from its events, and why. */
  provisional: Provisional | null;
  inFlight: (CommandAttempt & { optimistic: boolean }) | null;
  failure: (CommandFailure & { attempt: CommandAttempt }) | null;
  /** Nothing to show: the first read failed. */
  loadError: string | null;
  /** Something to show, but the latest read failed (kept quiet: the next poll may succeed). */
  refreshError: string | null;
  /** The order exists (a command said so) but order_details has not projected it yet. */
  notYetProjected: boolean;
  /** The last read the seq guard refused, shown so learners can see the guard work. */
  ignoredRead: { seq: number; heldSeq: number } | null;
  /** A 409 said the order is now at this seq or in this status; no read has shown it yet. */
  awaitingCurrent: AwaitedState | null;
}

export interface AwaitedState {
  seq?: number;
  status?: OrderStatus;
}

export type OrderDetailAction =
  | { type: "seeded"; view: OrderView }
  | { type: "readSucceeded"; view: ProjectedOrderView; metadata: Metadata; patternsOn: boolean }
  | { type: "readFailed"; error: unknown; patternsOn: boolean }
  | { type: "commandStarted"; attempt: CommandAttempt; patternsOn: boolean }
  | { type: "commandSucceeded"; response: CommandResponse; patternsOn: boolean }
  | { type: "commandFailed"; error: unknown }
  | { type: "failureDismissed" };

export const initialOrderDetailState: OrderDetailState = {
  base: null,
  metadata: null,
  behind: null,
  provisional: null,
  inFlight: null,
  failure: null,
  loadError: null,
  refreshError: null,
  notYetProjected: false,
  ignoredRead: null,
  awaitingCurrent: null,
};

export function orderDetailReducer(
  state: OrderDetailState,
  action: OrderDetailAction,
): OrderDetailState {
  switch (action.type) {
    case "seeded": {
      const base = newerOf(state.base, action.view);
      return { ...state, base, loadError: null, awaitingCurrent: stillAwaited(state.awaitingCurrent, base) };
    }

    case "readSucceeded": {
      const common = {
        metadata: action.metadata,
        behind: action.view.behind ?? null,
        provisional: action.view.provisional ?? null,
        loadError: null,
        refreshError: null,
        notYetProjected: false,
      };
      if (action.patternsOn && isOlder(state.base, action.view)) {
        const heldSeq = state.base?.seq ?? 0;
        return { ...state, ...common, ignoredRead: { seq: action.view.seq, heldSeq } };
      }
      const awaitingCurrent = stillAwaited(state.awaitingCurrent, action.view);
      return { ...state, ...common, base: action.view, ignoredRead: null, awaitingCurrent };
    }

    case "readFailed": {
      const notFound = action.error instanceof ApiError && action.error.status === 404;
      if (state.base && notFound && action.patternsOn) {
        // We hold the command's answer: the order exists, the read model is just behind.
        return { ...state, notYetProjected: true, refreshError: null };
      }
      const message = notFound
        ? "No such order (or the order_details read model has not caught up with it yet)."
        : `Could not load the order: ${errorText(action.error)}`;
      if (!state.base || notFound) return { ...state, base: null, loadError: message };
      return { ...state, refreshError: `Could not refresh: ${errorText(action.error)}` };
    }

    case "commandStarted":
      return {
        ...state,
        inFlight: { ...action.attempt, optimistic: action.patternsOn },
        failure: null,
      };

    case "commandSucceeded":
      return {
        ...state,
        inFlight: null,
        failure: null,
        // Patterns off: ignore the answer and wait for a re-fetch, like a naive client.
        base: action.patternsOn ? newerOf(state.base, action.response.order) : state.base,
        awaitingCurrent: null,
      };

    case "commandFailed": {
      if (!state.inFlight) return state;
      const { optimistic: _optimistic, ...attempt } = state.inFlight;
      const failure = describeCommandFailure(attempt.command.action, action.error);
      // Rollback: drop the in-flight command; `base` still holds the view from before the click.
      const moved = failure.currentSeq !== undefined || failure.currentStatus !== undefined;
      const awaited: AwaitedState = { seq: failure.currentSeq, status: failure.currentStatus };
      return {
        ...state,
        inFlight: null,
        failure: { ...failure, attempt },
        awaitingCurrent: moved ? stillAwaited(awaited, state.base) : state.awaitingCurrent,
      };
    }

    case "failureDismissed":
      return { ...state, failure: null };
  }
}

/** The order as the page shows it: `base`, with the in-flight command's effect if optimistic. */
export function displayedOrder(state: OrderDetailState): OrderView | null {
  if (!state.base) return null;
  if (!state.inFlight?.optimistic) return state.base;
  return applyOptimistically(state.base, state.inFlight);
}

/** What the order will look like if the command succeeds. `seq` stays: it is not known yet. */
export function applyOptimistically(view: OrderView, attempt: CommandAttempt): OrderView {
  const { command } = attempt;
  const status = targetStatus(command.action);
  return {
    ...view,
    status,
    trackingNumber: command.action === "ship" ? command.trackingNumber : view.trackingNumber,
    cancelReason: command.action === "cancel" ? command.reason : view.cancelReason,
    timeline: [...view.timeline, { status, at: attempt.startedAt }],
  };
}

/** Whether the page may offer commands: not while one is in flight, nor while the page
 * still shows a state a 409 has said is out of date. */
export function offersActions(state: OrderDetailState): boolean {
  return state.inFlight === null && state.awaitingCurrent === null;
}

/** The awaited state, or null once `view` shows it (its seq, or its status, reached). */
function stillAwaited(awaited: AwaitedState | null, view: OrderView | null): AwaitedState | null {
  if (!awaited || !view) return awaited;
  if (awaited.seq !== undefined && view.seq >= awaited.seq) return null;
  if (awaited.seq === undefined && awaited.status !== undefined && view.status === awaited.status) {
    return null;
  }
  return awaited;
}

/** True while the shown status is a guess that the server has not confirmed yet. */
export function isShowingOptimisticStatus(state: OrderDetailState): boolean {
  return !!state.base && !!state.inFlight?.optimistic;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
