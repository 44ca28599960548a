// The Pipeline page's memory of /api/ops/lag answers: one series of samples
// per read model, trimmed to a sliding window (about five minutes).

import type { LagReport } from "../api/types";

export interface LagSample {
  /** Server time of the sample (ms since epoch): the x axis never depends on the browser's clock. */
  at: number;
  lagMs: number;
}

export type LagHistory = Record<string, LagSample[]>;

export const LAG_WINDOW_MS = 5 * 60 * 1000;

/** Adds one report and drops samples that fell out of the window. */
export function addLagReport(
  history: LagHistory,
  report: LagReport,
  fallbackNowMs: number,
  windowMs: number = LAG_WINDOW_MS,
): LagHistory {
  const parsed = Date.parse(report.at);
  const at = Number.isNaN(parsed) ? fallbackNowMs : parsed;
  const cutoff = at - windowMs;
  const next: LagHistory = {};
  for (const [readModel, samples] of Object.entries(history)) {
    const kept = samples.filter((sample) => sample.at >= cutoff && sample.at < at);
    if (kept.length) next[readModel] = kept;
  }
  for (const entry of report.readModels) {
    const samples = [...(next[entry.readModel] ?? []), ...serverHistory(entry.history, cutoff, at)];
    samples.push({ at, lagMs: Math.max(0, entry.lagMs) });
    next[entry.readModel] = inTimeOrder(samples);
  }
  return next;
}

/** The server's own recent samples (optional in the answer), inside the window. */
function serverHistory(history: { at: string; lagMs: number }[] | undefined, cutoff: number, at: number): LagSample[] {
  if (!Array.isArray(history)) return [];
  return history
    .map((sample) => ({ at: Date.parse(sample.at), lagMs: Math.max(0, Number(sample.lagMs) || 0) }))
    .filter((sample) => !Number.isNaN(sample.at) && sample.at >= cutoff && sample.at < at);
}

/** Sorted by time, one sample per instant (our poll and the server's history overlap). */
function inTimeOrder(samples: LagSample[]): LagSample[] {
  const byTime = new Map<number, LagSample>();
  for (const sample of samples) byTime.set(sample.at, sample);
  return [...byTime.values()].sort((a, b) => a.at - b.at);
}

/** The latest sample time in the history: the chart's right edge. */
export function latestSampleAt(history: LagHistory): number | null {
  let latest: number | null = null;
  for (const samples of Object.values(history)) {
    const last = samples[samples.length - 1];
    if (last && (latest === null || last.at > latest)) latest = last.at;
  }
  return latest;
}
