import { describe, expect, it } from "vitest";
import {
  awaitedSeq,
  behindFor,
  emptyTracker,
  failedFor,
  forgetOlderThan,
  observeRow,
  onFailed,
  observeRead,
  onOwnCommand,
  onPending,
  onProjected,
  type ProjectionTracker,
} from "./projectionTracker";
import { READ_MODELS } from "./readModels";

const ORDER = "order-1";
const T0 = 1_000_000;

function pending(tracker: ProjectionTracker, seq: number, behind: string[]) {
  return onPending(tracker, { orderId: ORDER, seq, behind }, T0);
}
function projected(tracker: ProjectionTracker, seq: number, readModel: string) {
  return onProjected(tracker, { orderId: ORDER, seq, readModel }, T0);
}

describe("pattern 4: Updating… badges from push messages", () => {
  it("shows Updating… from order.pending until every read model named has projected", () => {
    let tracker = pending(emptyTracker, 2, ["order_summaries", "order_details", "order_search"]);
    expect(behindFor(tracker, ORDER)).toEqual(["order_details", "order_search", "order_summaries"]);

    tracker = projected(tracker, 2, "order_details");
    expect(behindFor(tracker, ORDER)).toEqual(["order_search", "order_summaries"]);

    tracker = projected(tracker, 2, "order_summaries");
    tracker = projected(tracker, 2, "order_search");
    expect(behindFor(tracker, ORDER)).toEqual([]);
    expect(tracker.waiting).toEqual({});
  });

  it("accepts order.projected arriving before order.pending", () => {
    let tracker = projected(emptyTracker, 2, "order_details");
    tracker = pending(tracker, 2, ["order_details", "order_summaries"]);
    expect(behindFor(tracker, ORDER)).toEqual(["order_summaries"]);
  });

  it("clears on a projection of a later seq (events apply in order per order)", () => {
    let tracker = pending(emptyTracker, 2, ["order_details"]);
    tracker = projected(tracker, 3, "order_details");
    expect(behindFor(tracker, ORDER)).toEqual([]);
  });

  it("ignores order.projected for an older seq", () => {
    let tracker = pending(emptyTracker, 3, ["order_details"]);
    tracker = projected(tracker, 2, "order_details");
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
  });

  it("ignores order.pending for a seq already projected", () => {
    let tracker = projected(emptyTracker, 3, "order_details");
    tracker = pending(tracker, 2, ["order_details"]);
    expect(behindFor(tracker, ORDER)).toEqual([]);
  });

  it("does not lower the awaited seq when an older order.pending arrives late", () => {
    let tracker = pending(emptyTracker, 3, ["order_details"]);
    tracker = pending(tracker, 2, ["order_details"]);
    expect(awaitedSeq(tracker, ORDER)).toBe(3);
    tracker = projected(tracker, 2, "order_details");
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
  });

  it("keeps orders apart", () => {
    let tracker = pending(emptyTracker, 2, ["order_details"]);
    tracker = onProjected(tracker, { orderId: "other", seq: 9, readModel: "order_details" }, T0);
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
  });

  it("accepts a read showing the order at that seq as evidence (a lost push)", () => {
    let tracker = pending(emptyTracker, 2, ["order_details", "order_summaries"]);
    tracker = observeRead(tracker, "order_summaries", ORDER, 2, T0);
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
    tracker = observeRead(tracker, "order_details", ORDER, 1, T0); // still behind
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
  });

  it("forgets waits older than the give-up age", () => {
    let tracker = pending(emptyTracker, 2, ["order_analytics"]);
    tracker = forgetOlderThan(tracker, T0 + 1000, 60_000);
    expect(behindFor(tracker, ORDER)).toEqual(["order_analytics"]);
    tracker = forgetOlderThan(tracker, T0 + 61_000, 60_000);
    expect(behindFor(tracker, ORDER)).toEqual([]);
    expect(tracker).toEqual(emptyTracker);
  });

  it("returns the same object when nothing changes (no needless re-render)", () => {
    const tracker = projected(emptyTracker, 2, "order_details");
    expect(projected(tracker, 1, "order_details")).toBe(tracker);
    expect(forgetOlderThan(tracker, T0, 60_000)).toBe(tracker);
  });
});

describe("badges after our own command", () => {
  it("badges at once with every read model, before any push", () => {
    const tracker = onOwnCommand(emptyTracker, ORDER, 2, READ_MODELS, T0);
    expect(behindFor(tracker, ORDER)).toEqual([...READ_MODELS].sort());
  });

  it("lets the server's order.pending narrow the assumed list for the same seq", () => {
    let tracker = onOwnCommand(emptyTracker, ORDER, 2, READ_MODELS, T0);
    tracker = pending(tracker, 2, ["order_details", "order_summaries"]);
    expect(behindFor(tracker, ORDER)).toEqual(["order_details", "order_summaries"]);
  });

  it("does not re-add read models when the server's order.pending came first", () => {
    let tracker = pending(emptyTracker, 2, ["order_details"]);
    tracker = onOwnCommand(tracker, ORDER, 2, READ_MODELS, T0);
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
  });

  it("clears when projections landed before the command's response arrived", () => {
    let tracker = emptyTracker;
    for (const readModel of READ_MODELS) tracker = projected(tracker, 2, readModel);
    tracker = onOwnCommand(tracker, ORDER, 2, READ_MODELS, T0);
    expect(behindFor(tracker, ORDER)).toEqual([]);
  });
});

describe("a dead letter turns the spinner into a message until a replay", () => {
  const failed = (tracker: ProjectionTracker, seq: number, readModel: string) =>
    onFailed(tracker, { orderId: ORDER, seq, readModel }, T0);

  it("stops waiting for that read model, remembers the failure, and clears it on the replay's projection", () => {
    let tracker = pending(emptyTracker, 2, ["order_details", "order_search"]);
    tracker = failed(tracker, 2, "order_search");
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
    expect(failedFor(tracker, ORDER)).toEqual(["order_search"]);

    tracker = projected(tracker, 2, "order_search");
    expect(failedFor(tracker, ORDER)).toEqual([]);
  });

  it("ignores a failure the read model has since applied, and an older projection does not clear it", () => {
    expect(failedFor(failed(projected(emptyTracker, 3, "order_search"), 2, "order_search"), ORDER)).toEqual([]);
    const tracker = projected(failed(emptyTracker, 2, "order_search"), 1, "order_search");
    expect(failedFor(tracker, ORDER)).toEqual(["order_search"]);
  });

  it("learns the failure from a row read with behind.reason dead_lettered (a lost push, a reload)", () => {
    const row = { orderId: ORDER, seq: 1, behind: { seq: 2, reason: "dead_lettered" as const } };
    const tracker = observeRow(emptyTracker, "order_summaries", row, T0);
    expect(failedFor(tracker, ORDER)).toEqual(["order_summaries"]);
    const caughtUp = observeRow(tracker, "order_summaries", { orderId: ORDER, seq: 2 }, T0);
    expect(failedFor(caughtUp, ORDER)).toEqual([]);
  });

  it("keeps the failure when a provisional row shows the order past it (folded from its events)", () => {
    const failedAt2 = failed(emptyTracker, 2, "order_details");
    const provisional = {
      orderId: ORDER,
      seq: 3,
      behind: { seq: 2, reason: "dead_lettered" as const },
      provisional: { readModelSeq: 1 },
    };
    expect(failedFor(observeRow(failedAt2, "order_details", provisional, T0), ORDER)).toEqual(["order_details"]);
  });

  it("adds no spinner for later events of a held order: they wait behind the dead letter", () => {
    const tracker = pending(failed(emptyTracker, 1, "order_summaries"), 2, ["order_summaries", "order_details"]);
    expect(behindFor(tracker, ORDER)).toEqual(["order_details"]);
    expect(failedFor(tracker, ORDER)).toEqual(["order_summaries"]);
    // The replay applies the dead event and those behind it: everything clears.
    expect(failedFor(projected(tracker, 2, "order_summaries"), ORDER)).toEqual([]);
  });

  it("is not forgotten with age: only a replay clears it", () => {
    const tracker = forgetOlderThan(failed(emptyTracker, 2, "order_search"), T0 + 3_600_000, 60_000);
    expect(failedFor(tracker, ORDER)).toEqual(["order_search"]);
  });
});
