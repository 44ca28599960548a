// Geometry of the lag chart, kept out of the component so it can be tested.
//
// The y axis is logarithmic (log(1 + seconds)): the thresholds span 5 s to
// 300 s, and on a linear axis the 5 s lines would be squashed flat against
// zero. Zero lag still sits on the baseline because log(1 + 0) = 0.

import type { LagHistory } from "./lagHistory";

export interface ChartSize {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface ChartGeometry {
  series: { readModel: string; path: string; last: { x: number; y: number } | null }[];
  thresholds: { readModel: string; y: number; seconds: number }[];
  yTicks: { label: string; y: number }[];
  xTicks: { label: string; x: number }[];
  topSeconds: number;
}

const TICK_SECONDS = [0, 1, 5, 30, 300, 1800, 3600, 6 * 3600, 24 * 3600];
const TOP_CANDIDATES = [300, 1800, 3600, 6 * 3600, 24 * 3600];

/** The axis top: the smallest candidate above every threshold and every sample. */
export function chooseTopSeconds(maxSeconds: number): number {
  return TOP_CANDIDATES.find((top) => top >= maxSeconds) ?? Math.ceil(maxSeconds);
}

/** 0 at the bottom of the plot, 1 at the top. */
export function yFraction(seconds: number, topSeconds: number): number {
  return Math.min(1, Math.log1p(Math.max(0, seconds)) / Math.log1p(topSeconds));
}

export function tickLabel(seconds: number): string {
  if (seconds === 0) return "0";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${seconds / 60} min`;
  return `${seconds / 3600} h`;
}

export function chartGeometry(
  history: LagHistory,
  thresholdSeconds: Record<string, number>,
  rightEdgeMs: number,
  windowMs: number,
  size: ChartSize,
): ChartGeometry {
  const plotWidth = size.width - size.left - size.right;
  const plotHeight = size.height - size.top - size.bottom;
  const leftEdgeMs = rightEdgeMs - windowMs;

  const allLagSeconds = Object.values(history).flatMap((samples) => samples.map((s) => s.lagMs / 1000));
  const topSeconds = chooseTopSeconds(Math.max(0, ...Object.values(thresholdSeconds), ...allLagSeconds));

  const x = (atMs: number) => size.left + ((atMs - leftEdgeMs) / windowMs) * plotWidth;
  const y = (seconds: number) => size.top + plotHeight * (1 - yFraction(seconds, topSeconds));
  const round = (value: number) => Math.round(value * 10) / 10;

  const series = Object.entries(history).map(([readModel, samples]) => {
    const points = samples
      .filter((sample) => sample.at >= leftEdgeMs)
      .map((sample) => ({ x: round(x(sample.at)), y: round(y(sample.lagMs / 1000)) }));
    const path = points.map((point, index) => `${index ? "L" : "M"}${point.x} ${point.y}`).join(" ");
    return { readModel, path, last: points[points.length - 1] ?? null };
  });

  const thresholds = Object.entries(thresholdSeconds).map(([readModel, seconds]) => ({
    readModel,
    seconds,
    y: round(y(seconds)),
  }));

  const yTicks = TICK_SECONDS.filter((seconds) => seconds <= topSeconds).map((seconds) => ({
    label: tickLabel(seconds),
    y: round(y(seconds)),
  }));

  const xTicks = [0, 1, 2, 3, 4, 5]
    .map((minutesAgo) => ({ minutesAgo, atMs: rightEdgeMs - minutesAgo * 60_000 }))
    .filter((tick) => tick.atMs >= leftEdgeMs)
    .map((tick) => ({
      label: tick.minutesAgo === 0 ? "now" : `−${tick.minutesAgo} min`,
      x: round(x(tick.atMs)),
    }));

  return { series, thresholds, yTicks, xTicks, topSeconds };
}
