import { api } from "../api/client";
import type { OrderPage, OrderStatus } from "../api/types";
import { location } from "../app/router";
import { knownViews, patternsOn, projectionTracker } from "../app/stores";
import { overlayKnownViews, placedButNotListed, type DisplayedRow } from "../state/knownViews";
import { observeRow } from "../state/projectionTracker";
import type { RefreshReason } from "../state/refreshBus";
import { usePolledResource, type PolledResource } from "./usePolledResource";
import { useStore } from "./useStore";

const POLL_MS = 5000;
export const PAGE_SIZE = 20;
export const STATUSES: OrderStatus[] = ["pending", "confirmed", "shipped", "delivered", "cancelled"];

export interface ListQuery {
  status: OrderStatus | "";
  q: string;
  page: number;
}

/** Filter, search and page live in the URL, so Back and shared links work. */
export function readQuery(search: string): ListQuery {
  const params = new URLSearchParams(search);
  const status = params.get("status") ?? "";
  return {
    status: (STATUSES as string[]).includes(status) ? (status as OrderStatus) : "",
    q: params.get("q")?.trim() ?? "",
    page: Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1),
  };
}

export function listUrl(query: { status: string; q: string; page: number }): string {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  else if (query.status) params.set("status", query.status);
  if (query.page > 1) params.set("page", String(query.page));
  const search = params.toString();
  return search ? `/?${search}` : "/";
}

export interface OrderList {
  query: ListQuery;
  readModel: "order_search" | "order_summaries";
  list: PolledResource<OrderPage>;
  /** Rows as shown: the read model's, upgraded by our command answers, and orders this tab
   * placed that the read model does not list yet on top. */
  rows: DisplayedRow[];
  pageCount: number;
}

/** The order list page's data, polled from order_summaries (or order_search when searching). */
export function useOrderList(): OrderList {
  const { search } = useStore(location);
  const query = readQuery(search);
  const readModel = query.q ? "order_search" : "order_summaries";

  const list = usePolledResource<OrderPage>(
    JSON.stringify(query),
    (signal) => api.orders({ ...query, pageSize: PAGE_SIZE }, signal),
    {
      intervalMs: POLL_MS,
      refreshOn: (reason: RefreshReason) =>
        reason.kind === "connected" ||
        reason.kind === "command" ||
        ((reason.kind === "projected" || reason.kind === "failed") && reason.readModel === readModel),
      // Rows are evidence too: a row at seq N proves this read model reached N for that order,
      // and its `behind` says when the read model gave up on a later event.
      onData: (page) =>
        projectionTracker.set((tracker) =>
          page.results.reduce(
            (current, row) => observeRow(current, page.metadata?.readModel ?? readModel, row, Date.now()),
            tracker,
          ),
        ),
    },
  );

  const known = useStore(knownViews);
  const on = useStore(patternsOn);
  const results = list.data?.results ?? [];
  const placed = list.data
    ? placedButNotListed(results, known, on, {
        status: query.status,
        showsNewest: !query.q && query.page === 1,
        pageSize: PAGE_SIZE,
      })
    : [];
  const rows = [...placed, ...overlayKnownViews(results, known, on)];
  const pageCount = list.data ? Math.max(1, Math.ceil(list.data.count / PAGE_SIZE)) : 1;
  return { query, readModel, list, rows, pageCount };
}
