import type { ReadModelLag } from "../../api/types";
import { chartGeometry, type ChartSize } from "../../state/lagChart";
import { LAG_WINDOW_MS, latestSampleAt, type LagHistory } from "../../state/lagHistory";
import { formatLag } from "../../state/freshness";
import { useElementWidth } from "../../hooks/useElementWidth";
import { seriesIndex } from "./seriesColors";

/** Margins for the axis labels; the width follows the container. */
const MARGINS = { left: 48, right: 12, top: 12, bottom: 28 };

interface Props {
  history: LagHistory;
  latest: ReadModelLag[];
}

/**
 * Lag per read model over the last five minutes, one solid line each, with
 * the read model's threshold as a dashed line of the same colour. Plain SVG:
 * the geometry comes from state/lagChart.ts.
 */
export function LagChart({ history, latest }: Props) {
  const [plot, width] = useElementWidth<HTMLDivElement>(720);
  const rightEdge = latestSampleAt(history);
  const SIZE: ChartSize = { ...MARGINS, width, height: width < 500 ? 220 : 280 };
  if (rightEdge === null) {
    return (
      <figure className="lag-chart">
        <div ref={plot}>Waiting for the first lag sample…</div>
      </figure>
    );
  }

  const thresholds = Object.fromEntries(latest.map((entry) => [entry.readModel, entry.maxLagSeconds]));
  const geometry = chartGeometry(history, thresholds, rightEdge, LAG_WINDOW_MS, SIZE);
  const plotRight = SIZE.width - SIZE.right;
  const plotBottom = SIZE.height - SIZE.bottom;
  const summary = latest
    .map((entry) => `${entry.readModel} ${formatLag(entry.lagMs)} (threshold ${entry.maxLagSeconds} s)`)
    .join("; ");

  return (
    <figure className="lag-chart">
      <div ref={plot}>
        <svg width={SIZE.width} height={SIZE.height} viewBox={`0 0 ${SIZE.width} ${SIZE.height}`} role="img" aria-labelledby="lag-chart-title lag-chart-desc">
          <title id="lag-chart-title">Lag per read model, last 5 minutes (logarithmic axis)</title>
          <desc id="lag-chart-desc">Now: {summary}. The table below has the same numbers.</desc>

          {geometry.yTicks.map((tick) => (
            <g key={tick.label} className="chart-grid">
              <line x1={SIZE.left} x2={plotRight} y1={tick.y} y2={tick.y} />
              <text x={SIZE.left - 6} y={tick.y} dy="0.32em" textAnchor="end">
                {tick.label}
              </text>
            </g>
          ))}
          {geometry.xTicks.map((tick) => (
            <text key={tick.label} className="chart-axis-label" x={tick.x} y={plotBottom + 18} textAnchor="middle">
              {tick.label}
            </text>
          ))}

          {geometry.thresholds.map((threshold) => (
            <line
              key={`threshold-${threshold.readModel}`}
              className={`chart-threshold series-${seriesIndex(threshold.readModel)}`}
              x1={SIZE.left}
              x2={plotRight}
              y1={threshold.y}
              y2={threshold.y}
            />
          ))}

          {geometry.series.map((series) => (
            <g key={series.readModel} className={`series-${seriesIndex(series.readModel)}`}>
              <path className="chart-line" d={series.path} />
              {series.last && <circle className="chart-point" cx={series.last.x} cy={series.last.y} r={3.5} />}
            </g>
          ))}
        </svg>
      </div>
      <figcaption>
        <ul className="chart-legend">
          {latest.map((entry) => (
            <li key={entry.readModel} className={`series-${seriesIndex(entry.readModel)}`}>
              <span className="legend-line" aria-hidden="true" />
              <code>{entry.readModel}</code>
              <span className="legend-threshold" aria-hidden="true" />
              <span className="hint">threshold {entry.maxLagSeconds} s</span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
