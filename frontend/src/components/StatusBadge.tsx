import type { OrderStatus } from "../api/types";

interface Props {
  status: OrderStatus;
  /** The status is a guess (optimistic) or comes from our command, not a read model. */
  note?: string;
}

/** The status as text plus colour (never colour alone). */
export function StatusBadge({ status, note }: Props) {
  return (
    <span className="status">
      <span className={`status-badge status-${status}`}>{status}</span>
      {note && <span className="status-note">{note}</span>}
    </span>
  );
}
