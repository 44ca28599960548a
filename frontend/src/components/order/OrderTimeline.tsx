import type { TimelineEntry } from "../../api/types";
import { formatTime } from "../format";

/** The status history, oldest first. `guessFrom` marks entries that are only optimistic. */
export function OrderTimeline({ entries, guessFrom }: { entries: TimelineEntry[]; guessFrom?: number }) {
  return (
    <ol className="timeline">
      {entries.map((entry, index) => {
        const guess = guessFrom !== undefined && index >= guessFrom;
        return (
          <li key={`${entry.status}-${entry.at}-${index}`} className={guess ? "timeline-guess" : undefined}>
            <span className={`status-badge status-${entry.status}`}>{entry.status}</span>{" "}
            <time dateTime={entry.at}>{formatTime(entry.at)}</time>
            {guess && <span className="status-note"> (sending…)</span>}
          </li>
        );
      })}
    </ol>
  );
}
