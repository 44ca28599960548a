import { useRef } from "react";
import { patternsOn } from "../app/stores";
import { FreshnessIndicator } from "../components/FreshnessIndicator";
import { Link } from "../components/Link";
import { StatusBadge } from "../components/StatusBadge";
import { UpdatingBadge } from "../components/UpdatingBadge";
import { formatTime, shortId } from "../components/format";
import { CommandFailureBox } from "../components/order/CommandFailureBox";
import { JourneyPanel } from "../components/order/JourneyPanel";
import { OrderActions } from "../components/order/OrderActions";
import { OrderItems } from "../components/order/OrderItems";
import { OrderTimeline } from "../components/order/OrderTimeline";
import { useKeepFocusInside } from "../hooks/useKeepFocusInside";
import { useProjectionAnnouncements, useStatusAnnouncements } from "../hooks/useOrderAnnouncements";
import { useOrderDetail } from "../hooks/useOrderDetail";
import { useOrderJourney } from "../hooks/useOrderJourney";
import { useStore } from "../hooks/useStore";
import { displayedOrder, isShowingOptimisticStatus, offersActions } from "../state/orderDetailState";

export function OrderDetailPage({ orderId, isStaff }: { orderId: string; isStaff: boolean }) {
  const commandStarted = useRef(() => {});
  const detail = useOrderDetail(orderId, () => commandStarted.current());
  const { state } = detail;
  const on = useStore(patternsOn);
  const journey = useOrderJourney(orderId);

  const order = displayedOrder(state);
  const optimistic = isShowingOptimisticStatus(state);
  const commandCycle = useStatusAnnouncements(order?.status, state.inFlight !== null, orderId);
  commandStarted.current = () => {
    commandCycle.current = true;
  };
  const statusSection = useKeepFocusInside<HTMLElement>();
  useProjectionAnnouncements(orderId);

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

        {state.failure && (
          <CommandFailureBox
            failure={state.failure}
            patternsOn={on}
            onRetry={() => void detail.send(state.failure!.attempt.command, state.failure!.attempt)}
            onDismiss={detail.dismissFailure}
          />
        )}

        {state.awaitingCurrent ? (
          <p className="awaiting-current" role="status">
            The order has changed since this page showed it
            {state.awaitingCurrent.status ? `: it is now ${state.awaitingCurrent.status}` : ""}
            {state.awaitingCurrent.seq ? ` (version ${state.awaitingCurrent.seq})` : ""}. Loading its
            current state before offering any action…
          </p>
        ) : (
          <OrderActions
            status={order.status}
            isStaff={isStaff}
            busy={!offersActions(state)}
            fieldErrors={state.failure?.fields}
            onCommand={(command) => detail.send(command)}
          />
        )}
      </section>

      <FreshnessIndicator metadata={state.metadata} refreshProblem={state.refreshError} behind={state.behind ?? undefined} />
      {state.provisional && (
        <p className="source-note provisional-note" role="status">
          <span className="provisional-badge">Provisional</span> Shown from the order's events:{" "}
          <code>order_details</code> has only version {state.provisional.readModelSeq}
          {state.provisional.reason === "dead_lettered"
            ? " and holds the rest behind a dead letter (staff have been notified)."
            : " and did not catch up in time."}{" "}
          The read model's own row replaces this once it catches up.
        </p>
      )}
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

      <JourneyPanel journey={journey} />
    </>
  );
}
