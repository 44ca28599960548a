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

// Labels a panel whose answer is older than what the pipeline knows (docs/screen-consistency.md).
const COMPLETENESS_TEXT: Record<Metadata["completeness"], string> = {
  complete: "Complete",
  behind: "Behind: changes on their way",
  degraded: "Degraded: held behind a failure",
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
        {metadata.completeness !== "complete" && (
          <span className={`completeness-badge is-${metadata.completeness}`}>
            {COMPLETENESS_TEXT[metadata.completeness]}
          </span>
        )}
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
