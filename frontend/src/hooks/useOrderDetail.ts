import { useEffect, useReducer } from "react";
import { api } from "../api/client";
import { newIdempotencyKey } from "../api/idempotencyKey";
import type { OrderDetailResponse } from "../api/types";
import { afterCommandSucceeded } from "../app/commandEffects";
import { announce, connectionStatus, knownViews, patternsOn, projectionTracker } from "../app/stores";
import { errorMessage } from "../components/format";
import { runOrderCommand, type CommandFlowDeps, type CommandOutcome } from "../state/commandFlow";
import { ACTION_DONE, ACTION_LABELS, targetStatus, type OrderCommand } from "../state/orderCommands";
import {
  initialOrderDetailState,
  orderDetailReducer,
  type CommandAttempt,
  type OrderDetailState,
} from "../state/orderDetailState";
import { observeRow } from "../state/projectionTracker";
import { READ_MODEL_THRESHOLDS } from "../state/readModels";
import { readCannotHelpYet } from "../state/readSkipping";
import type { RefreshReason } from "../state/refreshBus";
import { usePolledResource } from "./usePolledResource";
import { useStore } from "./useStore";

const POLL_MS = 5000;

export interface OrderDetail {
  state: OrderDetailState;
  dismissFailure: () => void;
  /** Send a command (or repeat an attempt whose outcome is unknown). */
  send: (command: OrderCommand, retryOf?: CommandAttempt) => Promise<CommandOutcome>;
}

/**
 * The order page's data: the best copy of the order (reads of order_details,
 * command answers, views other pages of this tab got), and its commands.
 *
 * It re-reads order_details whenever a push says something happened to this
 * order in any read model (pending, projected, failed), so the freshness line
 * and the "Updating…" badge tell the same story; and after a refused command,
 * to learn the order's current state before offering any action.
 * `onCommandStart` runs as the user's command starts (status announcements mute themselves).
 */
export function useOrderDetail(orderId: string, onCommandStart: () => void): OrderDetail {
  const [state, dispatch] = useReducer(orderDetailReducer, initialOrderDetailState);
  const on = useStore(patternsOn);

  // Pattern 2: a command elsewhere in this tab (e.g. "Place order") already
  // gave us this order's view; show it without waiting for order_details.
  const known = useStore(knownViews)[orderId];
  useEffect(() => {
    if (known && on) dispatch({ type: "seeded", view: known });
  }, [known, on]);

  const read = usePolledResource<OrderDetailResponse>(`order:${orderId}`, (signal) => api.order(orderId, signal), {
    intervalMs: POLL_MS,
    refreshOn: (reason: RefreshReason) =>
      reason.kind === "connected" || ("orderId" in reason && reason.orderId === orderId),
    skipPoll: () => orderDetailsSurelyBehind(orderId),
    onData: ({ order, metadata }) => {
      dispatch({ type: "readSucceeded", view: order, metadata, patternsOn: patternsOn.get() });
      projectionTracker.set((tracker) =>
        observeRow(tracker, metadata?.readModel ?? "order_details", order, Date.now()),
      );
    },
    onError: (error) => dispatch({ type: "readFailed", error, patternsOn: patternsOn.get() }),
  });

  const flow: CommandFlowDeps = {
    send: api.command,
    dispatch,
    patternsOn: () => patternsOn.get(),
    newIdempotencyKey,
    now: () => new Date(),
    onSucceeded: (response, command) => {
      afterCommandSucceeded(response);
      announce(
        patternsOn.get()
          ? `Order ${ACTION_DONE[command.action]}. The read models are updating.`
          : `${ACTION_LABELS[command.action]} succeeded. Re-fetching the order.`,
      );
    },
    onFailed: (command, error) => {
      const rolledBack = patternsOn.get() ? ` Rolled back to ${state.base?.status ?? "the previous status"}.` : "";
      announce(`${ACTION_LABELS[command.action]} failed: ${errorMessage(error)}${rolledBack}`);
      read.refresh(); // learn the order's real state
    },
  };

  function send(command: OrderCommand, retryOf?: CommandAttempt): Promise<CommandOutcome> {
    if (!state.base) return Promise.resolve<CommandOutcome>("failed");
    onCommandStart();
    if (patternsOn.get()) announce(`Order shown as ${targetStatus(command.action)} while the command is sent.`);
    return runOrderCommand(flow, state.base, command, retryOf);
  }

  return {
    state,
    dismissFailure: () => dispatch({ type: "failureDismissed" }),
    send,
  };
}

/** See state/readSkipping.ts: no point polling order_details before its push says it has caught up. */
function orderDetailsSurelyBehind(orderId: string): boolean {
  return readCannotHelpYet({
    patternsOn: patternsOn.get(),
    pushOpen: connectionStatus.get().state === "open",
    known: knownViews.get()[orderId],
    wait: projectionTracker.get().waiting[orderId]?.order_details,
    nowMs: Date.now(),
    maxWaitMs: READ_MODEL_THRESHOLDS.order_details * 1000,
  });
}
