import { describe, expect, it } from "vitest";
import type { JourneyEvent, JourneyLeg } from "../api/types";
import { fullyAppliedAfter, legSummary, observeJourney, sinceCommit } from "./journey";
import { emptyTracker, failedFor } from "./projectionTracker";

const COMMITTED = "2025-01-15T10:00:00.000+00:00";

function leg(overrides: Partial<JourneyLeg> = {}): JourneyLeg {
  return {
    readModel: "order_summaries",
    strategy: "outbox",
    state: "applied",
    relayedAt: "2025-01-15T10:00:00.012+00:00",
    appliedAt: "2025-01-15T10:00:00.045+00:00",
    attempts: 0,
    deadLettered: false,
    replayedAt: null,
    ...overrides,
  };
}

describe("the journey of an event", () => {
  it("gives each step in milliseconds after the commit", () => {
    expect(sinceCommit(COMMITTED, "2025-01-15T10:00:00.045+00:00")).toBe("+45 ms");
    expect(sinceCommit(COMMITTED, "2025-01-15T10:00:04.200+00:00")).toBe("+4.2 s");
    expect(sinceCommit(COMMITTED, null)).toBe("—");
  });

  it("says what happened on the way: retries, a dead letter and its replay", () => {
    const event = { committedAt: COMMITTED };
    expect(legSummary(event, leg())).toBe("applied");
    expect(legSummary(event, leg({ attempts: 2 }))).toBe("applied, after 2 failed attempts");
    expect(legSummary(event, leg({ state: "dead_lettered", attempts: 5, deadLettered: true }))).toBe(
      "dead-lettered: waits for staff",
    );
    const replayed = leg({ attempts: 5, deadLettered: true, replayedAt: "2025-01-15T10:00:14.000+00:00" });
    expect(legSummary(event, replayed)).toBe("applied, after 5 failed attempts, dead-lettered, replayed at +14 s");
  });

  it("knows when every read model had the event", () => {
    const event: JourneyEvent = {
      seq: 1,
      type: "OrderPlaced",
      committedAt: COMMITTED,
      readModels: [leg(), leg({ readModel: "order_details", appliedAt: "2025-01-15T10:00:05.100+00:00" })],
    };
    expect(fullyAppliedAfter(event)).toBe("+5.1 s");
    expect(fullyAppliedAfter({ ...event, readModels: [leg({ state: "on_its_way", appliedAt: null })] })).toBeNull();
  });
});

describe("the journey as the badges' evidence", () => {
  it("marks a dead-lettered leg as failed and clears it once the journey shows it applied", () => {
    const event = (state: JourneyLeg["state"]): JourneyEvent => ({
      seq: 2,
      type: "OrderConfirmed",
      committedAt: COMMITTED,
      readModels: [leg({ readModel: "order_search", state })],
    });
    const failed = observeJourney(emptyTracker, { orderId: "o1", events: [event("dead_lettered")] }, 0);
    expect(failedFor(failed, "o1")).toEqual(["order_search"]);
    const replayed = observeJourney(failed, { orderId: "o1", events: [event("applied")] }, 0);
    expect(failedFor(replayed, "o1")).toEqual([]);
  });
});
