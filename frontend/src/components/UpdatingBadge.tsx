import { currentUser, patternsOn, projectionTracker } from "../app/stores";
import { useStore } from "../hooks/useStore";
import { behindFor, failedFor } from "../state/projectionTracker";
import { readModelList } from "../state/readModels";

/**
 * Pattern 4: "Updating…" while some read model has not applied this order's
 * latest change. Plain words for customers; the read models' names are in
 * the tooltip (and shown to staff). When a read model gave up on the change
 * (a dead letter), the spinner gives way to a plain message, which a replay
 * clears. Hidden when patterns are off.
 *
 * `compact` (list rows): one short, unwrapping label, so rows keep their height.
 */
export function UpdatingBadge({ orderId, compact = false }: { orderId: string; compact?: boolean }) {
  const tracker = useStore(projectionTracker);
  const on = useStore(patternsOn);
  const staff = useStore(currentUser)?.isStaff ?? false;
  if (!on) return null;
  const behind = behindFor(tracker, orderId);
  const failed = failedFor(tracker, orderId);
  return (
    <>
      {failed.length > 0 && (
        <span
          className={compact ? "projection-failed is-compact" : "projection-failed"}
          title={`Could not update: ${readModelList(failed)}`}
        >
          {compact ? "Not updated" : failureMessage(failed)}
          {staff && !compact && <span className="updating-behind"> ({failed.join(", ")})</span>}
        </span>
      )}
      {behind.length > 0 && (
        <span className="updating-badge" title={`Waiting for ${readModelList(behind)} to apply the latest change`}>
          <span className="spinner" aria-hidden="true" />
          Updating…
          {staff && !compact && <span className="updating-behind"> {behind.join(", ")}</span>}
        </span>
      )}
    </>
  );
}

const VIEW_NAMES: Record<string, string> = {
  order_summaries: "the order list",
  order_search: "search results",
  order_analytics: "analytics",
};

/** On the order page: "This view …" when its own read model failed, else the views by name. */
function failureMessage(failed: string[]): string {
  if (failed.includes("order_details")) return "This view could not be updated; staff have been notified.";
  const views = failed.map((name) => VIEW_NAMES[name] ?? name).join(" and ");
  return `This order in ${views} could not be updated; staff have been notified.`;
}
