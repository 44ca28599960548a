import { describe, expect, it } from "vitest";
import type { LagReport, ReadModelName } from "../api/types";
import { chartGeometry, chooseTopSeconds, tickLabel, yFraction } from "./lagChart";
import { addLagReport, LAG_WINDOW_MS, latestSampleAt } from "./lagHistory";

function report(at: string, lags: Partial<Record<ReadModelName, number>>): LagReport {
  return {
    at,
    readModels: (Object.entries(lags) as [ReadModelName, number][]).map(([readModel, lagMs]) => ({
      readModel,
      lagMs,
      maxLagSeconds: readModel === "order_analytics" ? 300 : 5,
      dataAsOf: at,
      pendingOutbox: 0,
      deadLetters: 0,
      heldOrders: 0,
      heldEvents: 0,
      stale: false,
      strategy: "outbox",
      history: [],
    })),
  };
}

describe("lag history", () => {
  it("keeps one series per read model and drops samples older than the window", () => {
    let history = addLagReport({}, report("2025-01-15T10:00:00Z", { order_details: 100 }), 0);
    history = addLagReport(history, report("2025-01-15T10:03:00Z", { order_details: 200 }), 0);
    history = addLagReport(history, report("2025-01-15T10:06:00Z", { order_details: 300 }), 0);
    expect(history.order_details?.map((sample) => sample.lagMs)).toEqual([200, 300]);
    expect(latestSampleAt(history)).toBe(Date.parse("2025-01-15T10:06:00Z"));
  });
});

describe("lag history seeded by the server", () => {
  it("merges the optional history samples, in time order and without duplicates", () => {
    const first = report("2025-01-15T10:05:00Z", { order_details: 50 });
    first.readModels[0]!.history = [
      { at: "2025-01-15T10:04:00Z", lagMs: 30 },
      { at: "2025-01-15T10:03:00Z", lagMs: 20 },
      { at: "2025-01-15T09:59:00Z", lagMs: 999 }, // outside the window
    ];
    let history = addLagReport({}, first, 0);
    expect(history.order_details?.map((sample) => sample.lagMs)).toEqual([20, 30, 50]);

    const second = report("2025-01-15T10:05:02Z", { order_details: 10 });
    second.readModels[0]!.history = [{ at: "2025-01-15T10:04:00Z", lagMs: 30 }];
    history = addLagReport(history, second, 0);
    expect(history.order_details?.map((sample) => sample.lagMs)).toEqual([20, 30, 50, 10]);
  });
});

describe("lag chart geometry", () => {
  const size = { width: 700, height: 300, left: 50, right: 50, top: 0, bottom: 0 };

  it("uses a log axis that puts 0 on the baseline and stays monotonic", () => {
    expect(yFraction(0, 300)).toBe(0);
    expect(yFraction(300, 300)).toBe(1);
    expect(yFraction(5, 300)).toBeGreaterThan(yFraction(1, 300));
    expect(yFraction(5000, 300)).toBe(1); // clipped, never outside the plot
  });

  it("picks an axis top above every threshold and sample", () => {
    expect(chooseTopSeconds(5)).toBe(300);
    expect(chooseTopSeconds(301)).toBe(1800);
    expect(tickLabel(300)).toBe("5 min");
    expect(tickLabel(30)).toBe("30 s");
  });

  it("draws each series left to right and each threshold as a horizontal line", () => {
    let history = addLagReport({}, report("2025-01-15T10:00:00Z", { order_details: 0 }), 0);
    history = addLagReport(history, report("2025-01-15T10:05:00Z", { order_details: 300_000 }), 0);
    const right = latestSampleAt(history)!;
    const geometry = chartGeometry(history, { order_details: 5, order_analytics: 300 }, right, LAG_WINDOW_MS, size);

    expect(geometry.series[0]?.path).toBe("M50 300 L650 0");
    const details = geometry.thresholds.find((threshold) => threshold.readModel === "order_details");
    const analytics = geometry.thresholds.find((threshold) => threshold.readModel === "order_analytics");
    expect(analytics?.y).toBe(0);
    expect(details!.y).toBeGreaterThan(0);
    expect(details!.y).toBeLessThan(300);
    expect(geometry.xTicks.map((tick) => tick.label)).toEqual(["now", "−1 min", "−2 min", "−3 min", "−4 min", "−5 min"]);
  });
});
