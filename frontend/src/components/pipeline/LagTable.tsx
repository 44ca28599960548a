import type { ReadModelLag } from "../../api/types";
import { formatDuration, formatLag } from "../../state/freshness";

export function LagTable({ readModels }: { readModels: ReadModelLag[] }) {
  return (
    <table className="lag-table">
      <caption className="visually-hidden">Read models now</caption>
      <thead>
        <tr>
          <th scope="col">Read model</th>
          <th scope="col" className="numeric">
            Lag
          </th>
          <th scope="col" className="numeric">
            Threshold
          </th>
          <th scope="col" className="numeric">
            Pending outbox rows
          </th>
          <th scope="col" className="numeric">
            Dead letters
          </th>
          <th scope="col" className="numeric">
            Held orders
          </th>
          <th scope="col">Strategy</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {readModels.map((entry) => (
          <tr key={entry.readModel} className={entry.stale ? "is-stale" : undefined}>
            <th scope="row" data-label="Read model">
              <code>{entry.readModel}</code>
            </th>
            <td data-label="Lag" className="numeric">
              {formatLag(entry.lagMs)}
            </td>
            <td data-label="Threshold" className="numeric">
              {formatDuration(entry.maxLagSeconds)}
            </td>
            <td data-label="Pending outbox rows" className="numeric">
              {entry.pendingOutbox}
            </td>
            <td data-label="Dead letters" className="numeric">
              {entry.deadLetters}
            </td>
            <td data-label="Held orders" className="numeric" title={`${entry.heldEvents} events wait`}>
              {entry.heldOrders}
            </td>
            <td data-label="Strategy">{entry.strategy}</td>
            <td data-label="State">
              <ReadModelState entry={entry} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * OK only when nothing is wrong: a read model with an open dead letter is not
 * OK even while its lag (which leaves held orders out) is within the threshold.
 */
function ReadModelState({ entry }: { entry: ReadModelLag }) {
  const held = entry.heldOrders || entry.deadLetters;
  return (
    <span className="state-badges">
      {entry.stale && <span className="stale-badge">Stale</span>}
      {held > 0 && (
        <span className="held-badge" title="Orders whose events wait behind a dead letter until staff replay it">
          Dead letter: {held} {held === 1 ? "order" : "orders"} held
        </span>
      )}
      {!entry.stale && held === 0 && <span className="ok-badge">OK</span>}
    </span>
  );
}
