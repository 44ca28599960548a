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
            <td data-label="Strategy">{entry.strategy}</td>
            <td data-label="State">
              {entry.stale ? <span className="stale-badge">Stale</span> : <span className="ok-badge">OK</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
