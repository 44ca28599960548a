import type { Journey } from "../../api/types";
import type { PolledResource } from "../../hooks/usePolledResource";
import { fullyAppliedAfter, legSummary, sinceCommit } from "../../state/journey";
import { READ_MODEL_PURPOSE } from "../../state/readModels";
import { errorMessage, formatTime } from "../format";

/**
 * The journey of each of the order's events: committed → relayed → applied
 * (and pushed) in each read model, in milliseconds after the commit, with the
 * retries and dead letters on the way. For developers: where the time goes.
 */
export function JourneyPanel({ journey }: { journey: PolledResource<Journey> }) {
  const events = journey.data?.events ?? [];
  return (
    <section className="journey" aria-labelledby="journey-heading">
      <h2 id="journey-heading">Journey of each event</h2>
      <p className="hint">
        Each event is committed with the order, handed over by the outbox relay, then applied by
        each read model’s projector, which pushes <code>order.projected</code> as it commits. Times
        are counted from the commit.
      </p>
      {journey.error ? <p className="refresh-problem">Could not load the journey: {errorMessage(journey.error)}</p> : null}
      {!journey.data && !journey.error && <p>Loading the journey…</p>}
      {[...events].reverse().map((event) => {
        const allApplied = fullyAppliedAfter(event);
        return (
          <table key={event.seq} className="journey-table">
            <caption>
              <strong>
                {event.type} (version {event.seq})
              </strong>{" "}
              committed {formatTime(event.committedAt)}
              {allApplied ? ` · in every read model after ${allApplied}` : " · not in every read model yet"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Read model</th>
                <th scope="col" className="numeric">
                  Relayed
                </th>
                <th scope="col" className="numeric">
                  Applied and pushed
                </th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {event.readModels.map((leg) => (
                <tr key={leg.readModel} className={`journey-${leg.state}`}>
                  <th scope="row" data-label="Read model">
                    <code title={READ_MODEL_PURPOSE[leg.readModel]}>{leg.readModel}</code>
                  </th>
                  <td data-label="Relayed" className="numeric">
                    {leg.strategy === "outbox" ? sinceCommit(event.committedAt, leg.relayedAt) : leg.strategy}
                  </td>
                  <td data-label="Applied and pushed" className="numeric">
                    {sinceCommit(event.committedAt, leg.appliedAt)}
                  </td>
                  <td data-label="What happened">{legSummary(event, leg)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
    </section>
  );
}
