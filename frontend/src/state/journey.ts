// The journey panel's arithmetic: where an event's time went, in milliseconds
// after its commit, and each leg's state in words.

import type { Journey, JourneyEvent, JourneyLeg } from "../api/types";
import { formatLag } from "./freshness";
import { onFailed, onProjected, type ProjectionTracker } from "./projectionTracker";

/** "+12 ms", "+4.2 s"; "—" when the step has not happened (or is no longer recorded). */
export function sinceCommit(committedAt: string, at: string | null | undefined): string {
  if (!at) return "—";
  const ms = Date.parse(at) - Date.parse(committedAt);
  if (Number.isNaN(ms)) return "—";
  return `+${formatLag(Math.max(0, ms))}`;
}

const STATE_WORDS: Record<JourneyLeg["state"], string> = {
  applied: "applied",
  on_its_way: "on its way",
  retrying: "retrying",
  dead_lettered: "dead-lettered: waits for staff",
  parked: "waits behind a dead letter",
  unknown: "not recorded",
};

/** The leg's state in words, with its history: retries, and a dead letter replayed. */
export function legSummary(event: Pick<JourneyEvent, "committedAt">, leg: JourneyLeg): string {
  const parts = [STATE_WORDS[leg.state]];
  if (leg.attempts > 0 && leg.state !== "dead_lettered") {
    parts.push(`after ${leg.attempts} failed attempt${leg.attempts === 1 ? "" : "s"}`);
  }
  if (leg.deadLettered && leg.replayedAt) {
    parts.push(`dead-lettered, replayed at ${sinceCommit(event.committedAt, leg.replayedAt)}`);
  }
  if (leg.state === "applied" && leg.strategy === "inline") parts.push("in the command's transaction");
  return parts.join(", ");
}

/** The slowest applied leg of an event: when every read model had it (null while one lacks it). */
export function fullyAppliedAfter(event: JourneyEvent): string | null {
  if (event.readModels.some((leg) => leg.state !== "applied" || !leg.appliedAt)) return null;
  const latest = Math.max(...event.readModels.map((leg) => Date.parse(leg.appliedAt ?? "")));
  return sinceCommit(event.committedAt, new Date(latest).toISOString());
}

/**
 * The journey as evidence for the badges: an applied leg is like an
 * `order.projected`, a dead-lettered one like an `order.failed`. So a page
 * loaded after the push (a reload, another tab) still shows the failure.
 */
export function observeJourney(tracker: ProjectionTracker, journey: Journey, nowMs: number): ProjectionTracker {
  let next = tracker;
  for (const event of journey.events) {
    for (const leg of event.readModels) {
      const message = { orderId: journey.orderId, seq: event.seq, readModel: leg.readModel };
      if (leg.state === "applied") next = onProjected(next, message, nowMs);
      if (leg.state === "dead_lettered") next = onFailed(next, message, nowMs);
    }
  }
  return next;
}
