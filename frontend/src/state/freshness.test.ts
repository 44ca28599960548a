import { describe, expect, it } from "vitest";
import { ageInSeconds, formatDuration, formatLag, formatUpdatedAgo, staleExplanation } from "./freshness";

const AS_OF = "2025-01-15T10:00:00Z";
const at = (seconds: number) => Date.parse(AS_OF) + seconds * 1000;

describe("Updated N s ago", () => {
  it("counts whole seconds since dataAsOf", () => {
    expect(formatUpdatedAgo(AS_OF, at(0))).toBe("Updated 0 s ago");
    expect(formatUpdatedAgo(AS_OF, at(7.9))).toBe("Updated 7 s ago");
    expect(formatUpdatedAgo(AS_OF, at(59))).toBe("Updated 59 s ago");
  });

  it("switches to minutes and hours", () => {
    expect(formatUpdatedAgo(AS_OF, at(60))).toBe("Updated 1 min ago");
    expect(formatUpdatedAgo(AS_OF, at(125))).toBe("Updated 2 min 5 s ago");
    expect(formatUpdatedAgo(AS_OF, at(3780))).toBe("Updated 1 h 3 min ago");
  });

  it("keeps ticking as time passes without a new poll", () => {
    const texts = [1, 2, 3].map((seconds) => formatUpdatedAgo(AS_OF, at(seconds)));
    expect(texts).toEqual(["Updated 1 s ago", "Updated 2 s ago", "Updated 3 s ago"]);
  });

  it("never says 'in the future' when the browser clock is behind the server", () => {
    expect(ageInSeconds(AS_OF, at(-4))).toBe(0);
    expect(formatUpdatedAgo(AS_OF, at(-4))).toBe("Updated 0 s ago");
  });

  it("handles missing or broken timestamps", () => {
    expect(formatUpdatedAgo(null, at(0))).toBe("Not loaded yet");
    expect(formatUpdatedAgo("yesterday-ish", at(0))).toBe("Update time unknown");
  });

  it("respects the time zone in the ISO string", () => {
    expect(formatUpdatedAgo("2025-01-15T11:00:00+01:00", at(3))).toBe("Updated 3 s ago");
  });
});

describe("lag and durations", () => {
  it("formats lag for people", () => {
    expect(formatLag(0)).toBe("0 ms");
    expect(formatLag(850)).toBe("850 ms");
    expect(formatLag(4200)).toBe("4.2 s");
    expect(formatLag(125_000)).toBe("2 min 5 s");
    expect(formatDuration(300)).toBe("5 min");
  });

  it("explains a stale read", () => {
    expect(staleExplanation({ readModel: "order_summaries", lagMs: 7200, maxLagSeconds: 5 })).toBe(
      "order_summaries is 7.2 s behind, over its 5 s threshold: recent changes may be missing.",
    );
  });
});
