import { useEffect, useReducer, useRef, useState } from "react";
import { api } from "../api/client";
import { newIdempotencyKey } from "../api/idempotencyKey";
import type { OrderDetailResponse, OrderStatus } from "../api/types";
import { afterCommandSucceeded } from "../app/commandEffects";
import { announce, connectionStatus, knownViews, patternsOn, projectionTracker } from "../app/stores";
import { FreshnessIndicator } from "../components/FreshnessIndicator";
import { Link } from "../components/Link";
import { StatusBadge } from "../components/StatusBadge";
import { UpdatingBadge } from "../components/UpdatingBadge";
import { errorMessage, formatTime, shortId } from "../components/format";
import { OrderActions } from "../components/order/OrderActions";
import { OrderItems } from "../components/order/OrderItems";
import { OrderTimeline } from "../components/order/OrderTimeline";
import { usePolledResource } from "../hooks/usePolledResource";
import { useStore } from "../hooks/useStore";
import { runOrderCommand, type CommandFlowDeps, type CommandOutcome } from "../state/commandFlow";
import { ACTION_DONE, ACTION_LABELS, targetStatus, type OrderCommand } from "../state/orderCommands";
import {
  displayedOrder,
  initialOrderDetailState,
  isShowingOptimisticStatus,
  orderDetailReducer,
  type CommandAttempt,
} from "../state/orderDetailState";
import { behindFor, observeRead } from "../state/projectionTracker";
import { READ_MODEL_THRESHOLDS } from "../state/readModels";
import { readCannotHelpYet } from "../state/readSkipping";

const POLL_MS = 5000;

export function OrderDetailPage({ orderId, isStaff }: { orderId: string; isStaff: boolean }) {
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
    refreshOn: (reason) =>
      reason.kind === "connected" ||
      (reason.kind === "command" && reason.orderId === orderId && !orderDetailsSurelyBehind(orderId)) ||
      (reason.kind === "projected" && reason.orderId === orderId && reason.readModel === "order_details"),
    skipPoll: () => orderDetailsSurelyBehind(orderId),
    onData: ({ order, metadata }) => {
      dispatch({ type: "readSucceeded", view: order, metadata, patternsOn: patternsOn.get() });
      projectionTracker.set((tracker) =>
        observeRead(tracker, metadata?.readModel ?? "order_details", orderId, order.seq, Date.now()),
      );
    },
    onError: (error) => dispatch({ type: "readFailed", error, patternsOn: patternsOn.get() }),
  });

  const order = displayedOrder(state);
  const optimistic = isShowingOptimisticStatus(state);
  const commandCycle = useStatusAnnouncements(order?.status, state.inFlight !== null, orderId);
  const statusSection = useKeepFocusInside<HTMLElement>();
  useCaughtUpAnnouncement(orderId);

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

  function send(command: OrderCommand, retryOf?: CommandAttempt) {
    if (!state.base) return Promise.resolve<CommandOutcome>("failed");
    commandCycle.current = true;
    if (patternsOn.get()) announce(`Order shown as ${targetStatus(command.action)} while the command is sent.`);
    return runOrderCommand(flow, state.base, command, retryOf);
  }

  if (!order) {
    // Same breadcrumb + h1 structure as below, so the heading that got focus on navigation survives loading.
    return (
      <>
        <p className="breadcrumb">
          <Link to="/">Orders</Link> / #{shortId(orderId)}
        </p>
        <h1 tabIndex={-1}>Order #{shortId(orderId)}</h1>
        {state.loadError ? <p role="alert">{state.loadError}</p> : <p>Loading the order…</p>}
      </>
    );
  }

  const failure = state.failure;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/">Orders</Link> / #{shortId(order.orderId)}
      </p>
      <h1 tabIndex={-1}>Order #{shortId(order.orderId)}</h1>

      <section className="order-status" aria-labelledby="status-heading" ref={statusSection} tabIndex={-1}>
        <h2 id="status-heading" className="visually-hidden">
          Status
        </h2>
        <div className="status-line">
          <StatusBadge status={order.status} note={optimistic ? "sending…" : undefined} />
          <UpdatingBadge orderId={order.orderId} />
          {state.inFlight && !optimistic && <span className="status-note">Sending…</span>}
        </div>

        {failure && (
          <div className="command-failure" role="alert">
            <p>{failure.message}</p>
            {otherFieldErrors(failure.fields).map((line) => (
              <p key={line} className="field-error">
                {line}
              </p>
            ))}
            {on && <p>The page shows the order as it was before you clicked.</p>}
            <div className="actions">
              {failure.outcomeUnknown && (
                <button type="button" onClick={() => void send(failure.attempt.command, failure.attempt)}>
                  Try again (same request, applied at most once)
                </button>
              )}
              <button type="button" className="button-secondary" onClick={() => dispatch({ type: "failureDismissed" })}>
                Dismiss
              </button>
            </div>
          </div>
        )}

        <OrderActions
          status={order.status}
          isStaff={isStaff}
          busy={state.inFlight !== null}
          fieldErrors={failure?.fields}
          onCommand={(command) => send(command)}
        />
      </section>

      <FreshnessIndicator
        metadata={state.metadata}
        refreshProblem={state.refreshError}
      />
      {state.notYetProjected && (
        <p className="source-note">
          <code>order_details</code> has not projected this order yet: you are seeing the answer to
          your command.
        </p>
      )}
      {state.ignoredRead && (
        <p className="source-note">
          Ignored a read from <code>order_details</code> at version {state.ignoredRead.seq}: this
          page already has version {state.ignoredRead.heldSeq}.
        </p>
      )}

      <dl className="order-facts">
        <div>
          <dt>Customer</dt>
          <dd>{order.customer}</dd>
        </div>
        <div>
          <dt>Placed</dt>
          <dd>{formatTime(order.createdAt)}</dd>
        </div>
        <div>
          <dt>Tracking number</dt>
          <dd>{order.trackingNumber ?? "—"}</dd>
        </div>
        {order.cancelReason && (
          <div>
            <dt>Cancel reason</dt>
            <dd>{order.cancelReason}</dd>
          </div>
        )}
        <div>
          <dt>Version (seq)</dt>
          <dd>{order.seq}</dd>
        </div>
      </dl>

      <section aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <OrderItems items={order.items} total={order.total} />
      </section>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <OrderTimeline entries={order.timeline} guessFrom={optimistic ? state.base?.timeline.length : undefined} />
      </section>
    </>
  );
}

/**
 * A command changes which buttons exist: the Confirm button a keyboard user
 * just pressed disappears when the order becomes "confirmed". When focus
 * falls out of the section that way, put it back on the section itself, so
 * the next Tab lands on the new buttons instead of the top of the page.
 */
function useKeepFocusInside<T extends HTMLElement>() {
  // A callback ref: the section appears only once the order has loaded.
  const [element, setElement] = useState<T | null>(null);
  const focusWasInside = useRef(false);

  useEffect(() => {
    if (!element) return;
    const onFocusIn = () => {
      focusWasInside.current = true;
    };
    const onFocusOut = (event: FocusEvent) => {
      // Moving to another element: the user left on purpose. No target: the element vanished.
      if (event.relatedTarget instanceof Node && !element.contains(event.relatedTarget)) {
        focusWasInside.current = false;
      }
    };
    element.addEventListener("focusin", onFocusIn);
    element.addEventListener("focusout", onFocusOut);
    return () => {
      element.removeEventListener("focusin", onFocusIn);
      element.removeEventListener("focusout", onFocusOut);
    };
  }, [element]);

  // After every render: if the focused control was removed (some browsers send no event), recover.
  useEffect(() => {
    const active = document.activeElement;
    if (focusWasInside.current && (!active || active === document.body)) element?.focus();
  });

  return setElement;
}

/** Says so when the "Updating…" badge goes away: every read model now shows the change. */
function useCaughtUpAnnouncement(orderId: string) {
  const tracker = useStore(projectionTracker);
  const on = useStore(patternsOn);
  const behindCount = behindFor(tracker, orderId).length;
  const wasBehind = useRef(false);
  useEffect(() => {
    if (on && wasBehind.current && behindCount === 0) {
      announce(`Order ${shortId(orderId)} is up to date in every read model.`);
    }
    wasBehind.current = behindCount > 0;
  }, [behindCount, on, orderId]);
}

/** See state/readSkipping.ts: no point asking order_details before its push says it has caught up. */
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

/**
 * Announces status changes that come from reads (another tab, staff, the
 * read model catching up). Changes caused by our own command are announced
 * by the command's callbacks instead, so `commandCycle` mutes this hook from
 * the click until the command has finished.
 */
function useStatusAnnouncements(status: OrderStatus | undefined, inFlight: boolean, orderId: string) {
  const previous = useRef(status);
  const commandCycle = useRef(false);
  useEffect(() => {
    const before = previous.current;
    previous.current = status;
    if (commandCycle.current) {
      if (!inFlight) commandCycle.current = false;
      return;
    }
    if (before && status && before !== status) announce(`Order ${shortId(orderId)} is now ${status}.`);
  }, [status, inFlight, orderId]);
  return commandCycle;
}

/** Field errors that have no input of their own on this page (tracking number and reason do). */
function otherFieldErrors(fields: Record<string, string[]> | undefined): string[] {
  return Object.entries(fields ?? {})
    .filter(([field]) => field !== "trackingNumber" && field !== "reason")
    .map(([field, messages]) => `${field}: ${messages.join(" ")}`);
}
