import type { Behind, Metadata } from "../api/types";
import { useNow } from "../hooks/useNow";
import { formatDuration, formatLag, formatUpdatedAgo, staleExplanation } from "../state/freshness";

interface Props {
  metadata: Metadata | null;
  /** The last refresh failed: say so, the numbers below are getting old. */
  refreshProblem?: string | null;
  /** The one order shown: where its read model stands for it (per-order freshness). */
  behind?: Behind | undefined;
}

const BEHIND_TEXT: Record<Behind["reason"], string> = {
  pending: "is on its way",
  retrying: "failed once and is being retried",
  dead_lettered: "could not be applied; staff have been notified",
};

/** Pattern 3: how old the shown data is, ticking every second, and whether it is stale. */
export function FreshnessIndicator({ metadata, refreshProblem, behind }: Props) {
  const now = useNow(1000);
  if (!metadata) return null;
  return (
    <div className={metadata.stale ? "freshness is-stale" : "freshness"}>
      <p className="freshness-line">
        <strong>{formatUpdatedAgo(metadata.dataAsOf, now)}</strong>
        <span className="freshness-source">
          {" "}
          · from <code>{metadata.readModel}</code> · lag {formatLag(metadata.lagMs)} (threshold{" "}
          {formatDuration(metadata.maxLagSeconds)})
        </span>
        {metadata.stale && <span className="stale-badge">Stale</span>}
      </p>
      {metadata.stale && <p className="stale-text">{staleExplanation(metadata)}</p>}
      {behind && (
        <p className={behind.reason === "dead_lettered" ? "behind-line is-failed" : "behind-line"}>
          This order: version {behind.seq} {BEHIND_TEXT[behind.reason]} in <code>{metadata.readModel}</code>.
        </p>
      )}
      {refreshProblem && <p className="refresh-problem">{refreshProblem}</p>}
    </div>
  );
}
