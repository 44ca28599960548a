// Pattern 2 beyond the detail page: the command responses this tab has
// received, by order. The list is served by order_summaries, which lags; a
// row older (lower seq) than what our own command returned is shown with the
// command's status instead, so going back to the list right after "Confirm"
// does not show "pending" again. An order this tab has just placed, which the
// read model does not list at all yet, is shown too (placedButNotListed).

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
  /** The read model does not list this order yet: the whole row is our command's answer. */
  notListedYet?: boolean;
}

export interface ListWindow {
  /** Status filter ("" for all). */
  status: string;
  /** First page, newest first, no search: where a just-placed order belongs. */
  showsNewest: boolean;
  pageSize: number;
}

/**
 * Orders this tab placed that `rows` (one page of the list) do not contain
 * yet, as rows for the top of the page: newest first, matching the filter.
 * Only on the first page of the newest orders, and only orders newer than the
 * page's oldest row when the page is full (else they belong further down).
 */
export function placedButNotListed(
  rows: OrderSummary[],
  known: KnownViews,
  patternsOn: boolean,
  window: ListWindow,
): DisplayedRow[] {
  if (!patternsOn || !window.showsNewest) return [];
  const listed = new Set(rows.map((row) => row.orderId));
  const oldest = rows.length >= window.pageSize ? rows[rows.length - 1]?.createdAt : undefined;
  return Object.values(known)
    .filter((view) => !listed.has(view.orderId))
    .filter((view) => !window.status || view.status === window.status)
    .filter((view) => oldest === undefined || Date.parse(view.createdAt) > Date.parse(oldest))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .map((view) => ({
      orderId: view.orderId,
      customer: view.customer,
      status: view.status,
      itemCount: view.itemCount,
      total: view.total,
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
      seq: view.seq,
      fromCommandResponse: true,
      readModelStatus: view.status,
      notListedYet: true,
    }));
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
