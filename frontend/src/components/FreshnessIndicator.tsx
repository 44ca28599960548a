import type { Metadata } from "../api/types";
import { useNow } from "../hooks/useNow";
import { formatDuration, formatLag, formatUpdatedAgo, staleExplanation } from "../state/freshness";

interface Props {
  metadata: Metadata | null;
  /** The last refresh failed: say so, the numbers below are getting old. */
  refreshProblem?: string | null;
}

/** Pattern 3: how old the shown data is, ticking every second, and whether it is stale. */
export function FreshnessIndicator({ metadata, refreshProblem }: Props) {
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
      {refreshProblem && <p className="refresh-problem">{refreshProblem}</p>}
    </div>
  );
}
