// Pattern 2 beyond the detail page: the command responses this tab has
// received, by order. The list is served by order_summaries, which lags; a
// row older (lower seq) than what our own command returned is shown with the
// command's status instead, so going back to the list right after "Confirm"
// does not show "pending" again.

import type { OrderStatus, OrderSummary, OrderView } from "../api/types";
import { newerOf } from "./seqGuard";

export type KnownViews = Record<string, OrderView>;

export function rememberView(known: KnownViews, view: OrderView): KnownViews {
  const current = known[view.orderId];
  const newer = newerOf(current, view);
  return newer === current ? known : { ...known, [view.orderId]: newer };
}

export interface DisplayedRow extends OrderSummary {
  /** The status shown comes from our own command's response, not from the read model. */
  fromCommandResponse: boolean;
  /** The read model's own (older) status when it was overridden. */
  readModelStatus: OrderStatus;
}

/** List rows as shown: each row upgraded to our newer copy when we hold one (patterns on). */
export function overlayKnownViews(
  rows: OrderSummary[],
  known: KnownViews,
  patternsOn: boolean,
): DisplayedRow[] {
  return rows.map((row) => {
    const view = patternsOn ? known[row.orderId] : undefined;
    if (!view || view.seq <= row.seq) {
      return { ...row, fromCommandResponse: false, readModelStatus: row.status };
    }
    return {
      ...row,
      status: view.status,
      itemCount: view.itemCount,
      total: view.total,
      updatedAt: view.updatedAt,
      seq: view.seq,
      fromCommandResponse: true,
      readModelStatus: row.status,
    };
  });
}
