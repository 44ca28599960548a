import { useState } from "react";
import { api } from "../../api/client";
import type { DeadLetter, ReplayResult } from "../../api/types";
import { announce } from "../../app/stores";
import { usePolledResource } from "../../hooks/usePolledResource";
import { errorMessage, formatTime, shortId } from "../format";
import { Link } from "../Link";

/** Events a projector gave up on (after 5 attempts), and the button that tries them again. */
export function DeadLetters() {
  // At once on order.failed (staff hear every order's), so the list never says "no dead
  // letters" beside a lag table that counts one.
  const list = usePolledResource("dead-letters", (signal) => api.deadLetters(signal), {
    intervalMs: 5000,
    refreshOn: (reason) => reason.kind === "connected" || reason.kind === "failed",
  });
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const letters = list.data?.results ?? [];

  async function replay(ids: DeadLetter["id"][]) {
    setBusy(true);
    setResult(null);
    try {
      const outcome = await api.replayDeadLetters(ids);
      const text = describeReplay(outcome);
      setResult(text);
      announce(text);
    } catch (error) {
      const text = `Replay failed: ${errorMessage(error)}`;
      setResult(text);
      announce(text);
    } finally {
      setBusy(false);
      list.refresh();
    }
  }

  return (
    <section aria-labelledby="dead-letters-heading">
      <h2 id="dead-letters-heading">Dead letters</h2>
      {list.error ? <p role="alert">Could not load dead letters: {errorMessage(list.error)}</p> : null}
      {result && <p className="result">{result}</p>}
      {list.data && letters.length === 0 && <p className="empty">No dead letters: every event was applied.</p>}
      {letters.length > 0 && (
        <>
          <button type="button" disabled={busy} onClick={() => void replay(letters.map((letter) => letter.id))}>
            Replay all ({letters.length})
          </button>
          <table className="dead-letter-table">
            <caption className="visually-hidden">Dead letters</caption>
            <thead>
              <tr>
                <th scope="col">Read model</th>
                <th scope="col">Event</th>
                <th scope="col">Order</th>
                <th scope="col">Error</th>
                <th scope="col" className="numeric">
                  Attempts
                </th>
                <th scope="col">Last failed</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {letters.map((letter) => (
                <tr key={letter.id}>
                  <td data-label="Read model">
                    <code>{letter.readModel}</code>
                  </td>
                  <td data-label="Event">
                    {letter.eventType} (seq {letter.seq})
                  </td>
                  <td data-label="Order">
                    <Link to={`/orders/${letter.orderId}`}>#{shortId(letter.orderId)}</Link>
                  </td>
                  <td data-label="Error" className="error-text">
                    {letter.error}
                  </td>
                  <td data-label="Attempts" className="numeric">
                    {letter.attempts}
                  </td>
                  <td data-label="Last failed">{formatTime(letter.lastFailedAt)}</td>
                  <td data-label="Action">
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Replay ${letter.eventType} seq ${letter.seq} for ${letter.readModel}`}
                      onClick={() => void replay([letter.id])}
                    >
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The contract names the keys; counts or id lists are both accepted. */
export function describeReplay(result: ReplayResult): string {
  const count = (value: number | unknown[]) => (Array.isArray(value) ? value.length : Number(value) || 0);
  return `Replay: ${count(result.succeeded)} succeeded, ${count(result.failed)} failed, ${count(result.skipped)} skipped.`;
}
