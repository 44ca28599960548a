import { patternsOn, projectionTracker } from "../app/stores";
import { useStore } from "../hooks/useStore";
import { behindFor } from "../state/projectionTracker";

/**
 * Pattern 4: "Updating…" while some read model has not applied this order's
 * latest change, naming the ones still behind. Hidden when patterns are off.
 */
export function UpdatingBadge({ orderId }: { orderId: string }) {
  const tracker = useStore(projectionTracker);
  const on = useStore(patternsOn);
  const behind = behindFor(tracker, orderId);
  if (!on || behind.length === 0) return null;
  return (
    <span className="updating-badge" title="Waiting for these read models to apply the latest change">
      <span className="spinner" aria-hidden="true" />
      Updating… <span className="updating-behind">{behind.join(", ")}</span>
    </span>
  );
}
