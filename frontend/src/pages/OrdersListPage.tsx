import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { OrderPage, OrderStatus } from "../api/types";
import { location, navigate } from "../app/router";
import { announce, knownViews, patternsOn, projectionTracker } from "../app/stores";
import { FreshnessIndicator } from "../components/FreshnessIndicator";
import { Link } from "../components/Link";
import { StatusBadge } from "../components/StatusBadge";
import { UpdatingBadge } from "../components/UpdatingBadge";
import { usePolledResource } from "../hooks/usePolledResource";
import { useStore } from "../hooks/useStore";
import { overlayKnownViews } from "../state/knownViews";
import { formatMoney } from "../state/money";
import { observeRead } from "../state/projectionTracker";
import type { RefreshReason } from "../state/refreshBus";
import { errorMessage, shortId, formatTime } from "../components/format";

const POLL_MS = 5000;
const PAGE_SIZE = 20;
const STATUSES: OrderStatus[] = ["pending", "confirmed", "shipped", "delivered", "cancelled"];

/** Filter, search and page live in the URL, so Back and shared links work. */
function readQuery(search: string) {
  const params = new URLSearchParams(search);
  const status = params.get("status") ?? "";
  return {
    status: (STATUSES as string[]).includes(status) ? (status as OrderStatus) : "",
    q: params.get("q")?.trim() ?? "",
    page: Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1),
  } as const;
}

function listUrl(query: { status: string; q: string; page: number }): string {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  else if (query.status) params.set("status", query.status);
  if (query.page > 1) params.set("page", String(query.page));
  const search = params.toString();
  return search ? `/?${search}` : "/";
}

export function OrdersListPage() {
  const { search } = useStore(location);
  const query = readQuery(search);
  const searching = query.q !== "";
  const readModel = searching ? "order_search" : "order_summaries";

  const list = usePolledResource<OrderPage>(
    JSON.stringify(query),
    (signal) => api.orders({ ...query, pageSize: PAGE_SIZE }, signal),
    {
      intervalMs: POLL_MS,
      refreshOn: (reason: RefreshReason) =>
        reason.kind === "connected" ||
        reason.kind === "command" ||
        (reason.kind === "projected" && reason.readModel === readModel),
      // Rows are evidence too: a row at seq N proves this read model reached N for that order.
      onData: (page) =>
        projectionTracker.set((tracker) =>
          page.results.reduce(
            (current, row) =>
              observeRead(current, page.metadata?.readModel ?? readModel, row.orderId, row.seq, Date.now()),
            tracker,
          ),
        ),
    },
  );

  useStaleAnnouncement(list.data?.metadata?.stale, readModel);

  const known = useStore(knownViews);
  const on = useStore(patternsOn);
  const rows = list.data ? overlayKnownViews(list.data.results, known, on) : [];
  const pageCount = list.data ? Math.max(1, Math.ceil(list.data.count / PAGE_SIZE)) : 1;

  return (
    <>
      <h1 tabIndex={-1}>Orders</h1>
      <div className="toolbar">
        <SearchForm
          key={query.q}
          initial={query.q}
          onSearch={(q) => navigate(listUrl({ ...query, q, page: 1 }))}
        />
        <div className="field">
          <label htmlFor="status-filter">Status</label>
          <select
            id="status-filter"
            value={query.status}
            disabled={searching}
            aria-describedby={searching ? "status-filter-note" : undefined}
            onChange={(event) => navigate(listUrl({ ...query, status: event.target.value, page: 1 }))}
          >
            <option value="">All</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
          {searching && (
            <span id="status-filter-note" className="hint">
              Clear the search to filter by status.
            </span>
          )}
        </div>
        <Link to="/orders/new" className="button">
          Place order
        </Link>
      </div>

      {searching ? (
        <p className="source-note">
          Search results for <q>{query.q}</q>, ranked by relevance, from the <code>order_search</code>{" "}
          read model (full-text search; it may lag up to 30 s behind).{" "}
          <Link to={listUrl({ ...query, q: "", page: 1 })}>Clear search</Link>
        </p>
      ) : (
        <p className="source-note">
          Polled every 5 s from the <code>order_summaries</code> read model, and at once after your
          commands.
        </p>
      )}

      <div className="list-status">
        <FreshnessIndicator
          metadata={list.data?.metadata ?? null}
          refreshProblem={list.error && list.data ? `Could not refresh: ${errorMessage(list.error)}` : null}
        />
        <button type="button" className="button-secondary" onClick={list.refresh}>
          Refresh now
        </button>
      </div>

      {list.loading && !list.data && <p>Loading orders…</p>}
      {list.error && !list.data ? <p role="alert">Could not load orders: {errorMessage(list.error)}</p> : null}

      {list.data && rows.length === 0 && (
        <p className="empty">{searching ? "No orders match." : "No orders yet."}</p>
      )}

      {rows.length > 0 && (
        <table className="order-table">
          <caption className="visually-hidden">
            Orders, page {query.page} of {pageCount}
          </caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Customer</th>
              <th scope="col">Status</th>
              <th scope="col" className="numeric">
                Items
              </th>
              <th scope="col" className="numeric">
                Total
              </th>
              <th scope="col">Placed</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.orderId}>
                <td data-label="Order">
                  <Link to={`/orders/${row.orderId}`}>#{shortId(row.orderId)}</Link>
                </td>
                <td data-label="Customer">{row.customer}</td>
                <td data-label="Status">
                  <StatusBadge
                    status={row.status}
                    note={
                      row.fromCommandResponse
                        ? `from your command; ${readModel} still says ${row.readModelStatus}`
                        : undefined
                    }
                  />
                  <UpdatingBadge orderId={row.orderId} />
                </td>
                <td data-label="Items" className="numeric">
                  {row.itemCount}
                </td>
                <td data-label="Total" className="numeric">
                  {formatMoney(row.total)}
                </td>
                <td data-label="Placed">{formatTime(row.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {list.data && list.data.count > PAGE_SIZE && (
        <nav className="pagination" aria-label="Pages">
          {query.page > 1 ? (
            <Link to={listUrl({ ...query, page: query.page - 1 })}>Previous page</Link>
          ) : (
            <span aria-hidden="true" />
          )}
          <span>
            Page {query.page} of {pageCount} · {list.data.count} orders
          </span>
          {query.page < pageCount ? (
            <Link to={listUrl({ ...query, page: query.page + 1 })}>Next page</Link>
          ) : (
            <span aria-hidden="true" />
          )}
        </nav>
      )}
    </>
  );
}

/** Screen-reader users hear when the list turns stale and when it is fresh again. */
function useStaleAnnouncement(stale: boolean | undefined, readModel: string) {
  const previous = useRef(stale);
  useEffect(() => {
    const before = previous.current;
    previous.current = stale;
    if (before === undefined || stale === undefined || before === stale) return;
    announce(
      stale
        ? `The list is stale: ${readModel} is behind its threshold.`
        : `The list is up to date again.`,
    );
  }, [stale, readModel]);
}

function SearchForm({ initial, onSearch }: { initial: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(initial);
  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch(text.trim());
  }
  return (
    <form role="search" className="search-form" onSubmit={submit}>
      <label htmlFor="order-search">Search orders</label>
      <div className="search-row">
        <input
          id="order-search"
          type="search"
          value={text}
          placeholder="customer, product, tracking number…"
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit">Search</button>
      </div>
    </form>
  );
}
