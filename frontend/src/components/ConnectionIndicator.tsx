import { connectionStatus } from "../app/stores";
import { useStore } from "../hooks/useStore";

/** Whether pushes can reach this tab; without them badges clear only when reads show the change. */
export function ConnectionIndicator() {
  const status = useStore(connectionStatus);
  const text =
    status.state === "open"
      ? status.caughtUp !== undefined
        ? `Live updates on · caught up, ${status.caughtUp} ${status.caughtUp === 1 ? "change" : "changes"}`
        : "Live updates on"
      : status.state === "waiting"
        ? `Live updates off, retrying in ${Math.ceil(status.retryInMs / 1000)} s`
        : status.state === "connecting"
          ? "Connecting live updates…"
          : "Live updates off";
  return (
    <span className={`connection connection-${status.state}`}>
      <span className="connection-dot" aria-hidden="true" title={text} />
      <span className="connection-text">{text}</span>
    </span>
  );
}
