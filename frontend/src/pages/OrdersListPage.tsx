import { navigate } from "../app/router";
import { FreshnessIndicator } from "../components/FreshnessIndicator";
import { Link } from "../components/Link";
import { SearchForm } from "../components/SearchForm";
import { StatusBadge } from "../components/StatusBadge";
import { UpdatingBadge } from "../components/UpdatingBadge";
import { WhatToTry } from "../components/WhatToTry";
import { errorMessage, formatTime, shortId } from "../components/format";
import { useStaleAnnouncement } from "../hooks/useOrderAnnouncements";
import { listUrl, PAGE_SIZE, STATUSES, useOrderList } from "../hooks/useOrderList";
import type { DisplayedRow } from "../state/knownViews";
import { formatMoney } from "../state/money";

export function OrdersListPage() {
  const { query, readModel, list, rows, pageCount } = useOrderList();
  const searching = query.q !== "";
  useStaleAnnouncement(list.data?.metadata?.stale, readModel);

  return (
    <>
      <h1 tabIndex={-1}>Orders</h1>
      <WhatToTry />
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

      {list.data && rows.length === 0 && <p className="empty">{emptyText(query)}</p>}

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
              <tr key={row.orderId} className={row.notListedYet ? "not-listed-yet" : undefined}>
                <td data-label="Order">
                  <Link to={`/orders/${row.orderId}`}>#{shortId(row.orderId)}</Link>
                </td>
                <td data-label="Customer">{row.customer}</td>
                <td data-label="Status">
                  <span className="status-cell">
                    <StatusBadge status={row.status} note={rowNote(row, readModel)} />
                    <UpdatingBadge orderId={row.orderId} compact />
                  </span>
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

function rowNote(row: DisplayedRow, readModel: string): string | undefined {
  if (row.notListedYet) return `from your command; not yet in ${readModel}`;
  if (row.fromCommandResponse) return `from your command; ${readModel} still says ${row.readModelStatus}`;
  return undefined;
}

function emptyText(query: { status: string; q: string }): string {
  if (query.q) return "No orders match.";
  if (query.status) return `No ${query.status} orders.`;
  return "No orders yet.";
}
