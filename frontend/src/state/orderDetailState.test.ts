import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../api/errors";
import { commandResponse, metadata, orderView } from "../test/fixtures";
import type { OrderCommand } from "./orderCommands";
import {
  displayedOrder,
  initialOrderDetailState,
  isShowingOptimisticStatus,
  offersActions,
  orderDetailReducer,
  type OrderDetailAction,
  type OrderDetailState,
} from "./orderDetailState";

const PATTERNS_ON = true;
const PATTERNS_OFF = false;

function run(actions: OrderDetailAction[], from: OrderDetailState = initialOrderDetailState) {
  return actions.reduce(orderDetailReducer, from);
}

function loaded(view = orderView(), patternsOn = PATTERNS_ON): OrderDetailState {
  return run([{ type: "readSucceeded", view, metadata: metadata(), patternsOn }]);
}

function started(command: OrderCommand, patternsOn = PATTERNS_ON, from = loaded()): OrderDetailState {
  return orderDetailReducer(from, {
    type: "commandStarted",
    attempt: { command, idempotencyKey: "key-1", expectedVersion: 1, startedAt: "2025-01-15T10:01:00Z" },
    patternsOn,
  });
}

const conflict = new ApiError(409, {
  code: "invalid_transition",
  message: "The order is cancelled; it cannot become confirmed.",
  currentStatus: "cancelled",
});
const invalid = new ApiError(400, {
  code: "invalid",
  message: "The request has invalid fields.",
  fields: { trackingNumber: ["This field may not be blank."] },
});

describe("pattern 1: optimistic update", () => {
  it("shows 'confirmed' as soon as Confirm is clicked", () => {
    const state = started({ action: "confirm" });
    expect(displayedOrder(state)?.status).toBe("confirmed");
    expect(isShowingOptimisticStatus(state)).toBe(true);
    // The guess is layered on top; the known view is untouched.
    expect(state.base?.status).toBe("pending");
  });

  it("shows the tracking number and a timeline entry for Ship at once", () => {
    const state = started({ action: "ship", trackingNumber: "TRACK-1" }, PATTERNS_ON, loaded(orderView({ status: "confirmed" })));
    const shown = displayedOrder(state);
    expect(shown?.status).toBe("shipped");
    expect(shown?.trackingNumber).toBe("TRACK-1");
    expect(shown?.timeline.at(-1)).toEqual({ status: "shipped", at: "2025-01-15T10:01:00Z" });
    expect(shown?.seq).toBe(1); // the new seq is unknown until the server answers
  });

  it("shows the cancel reason at once", () => {
    const shown = displayedOrder(started({ action: "cancel", reason: "Changed my mind" }));
    expect(shown?.status).toBe("cancelled");
    expect(shown?.cancelReason).toBe("Changed my mind");
  });

  it.each([
    ["409 invalid_transition", conflict],
    ["400 invalid", invalid],
    ["a network error", new NetworkError()],
  ])("rolls back to the previous view on %s and says why", (_name, error) => {
    const before = loaded();
    const state = orderDetailReducer(started({ action: "confirm" }, PATTERNS_ON, before), {
      type: "commandFailed",
      error,
    });
    expect(displayedOrder(state)).toEqual(displayedOrder(before));
    expect(state.inFlight).toBeNull();
    expect(state.failure?.message).toContain("Confirm");
  });

  it("names the current status after a 409 invalid_transition", () => {
    const state = orderDetailReducer(started({ action: "confirm" }), { type: "commandFailed", error: conflict });
    expect(state.failure?.currentStatus).toBe("cancelled");
    expect(state.failure?.message).toContain("The order is now cancelled.");
  });

  it("keeps a 400's field errors for the form", () => {
    const state = orderDetailReducer(
      started({ action: "ship", trackingNumber: " " }, PATTERNS_ON, loaded(orderView({ status: "confirmed" }))),
      { type: "commandFailed", error: invalid },
    );
    expect(state.failure?.fields).toEqual({ trackingNumber: ["This field may not be blank."] });
    expect(displayedOrder(state)?.status).toBe("confirmed");
  });

  it("keeps the attempt after a network error so a retry reuses its Idempotency-Key", () => {
    const state = orderDetailReducer(started({ action: "confirm" }), {
      type: "commandFailed",
      error: new NetworkError(),
    });
    expect(state.failure?.outcomeUnknown).toBe(true);
    expect(state.failure?.attempt.idempotencyKey).toBe("key-1");
  });

  it("rolls back onto a newer read that arrived while the command was in flight", () => {
    const inFlight = started({ action: "confirm" });
    const withRead = orderDetailReducer(inFlight, {
      type: "readSucceeded",
      view: orderView({ seq: 2, customer: "alice (renamed)" }),
      metadata: metadata(),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(withRead)?.status).toBe("confirmed"); // still optimistic
    const failed = orderDetailReducer(withRead, { type: "commandFailed", error: conflict });
    expect(displayedOrder(failed)?.customer).toBe("alice (renamed)");
    expect(displayedOrder(failed)?.status).toBe("pending");
  });

  it("with patterns off, shows nothing until the server has answered", () => {
    const state = started({ action: "confirm" }, PATTERNS_OFF);
    expect(displayedOrder(state)?.status).toBe("pending");
    expect(state.inFlight).not.toBeNull(); // the page can still say "Sending…"
  });
});

describe("pattern 2: command response merged into the view", () => {
  const confirmed = orderView({
    status: "confirmed",
    seq: 2,
    timeline: [
      { status: "pending", at: "2025-01-15T10:00:00+00:00" },
      { status: "confirmed", at: "2025-01-15T10:01:00+00:00" },
    ],
  });

  it("takes the response's OrderView instead of waiting for the read model", () => {
    const state = orderDetailReducer(started({ action: "confirm" }), {
      type: "commandSucceeded",
      response: commandResponse(confirmed),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(state)).toEqual(confirmed);
    expect(state.inFlight).toBeNull();
  });

  it("does not let a later read with a lower seq overwrite it", () => {
    const merged = orderDetailReducer(started({ action: "confirm" }), {
      type: "commandSucceeded",
      response: commandResponse(confirmed),
      patternsOn: PATTERNS_ON,
    });
    const afterLaggingRead = orderDetailReducer(merged, {
      type: "readSucceeded",
      view: orderView({ status: "pending", seq: 1 }),
      metadata: metadata({ lagMs: 3000 }),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(afterLaggingRead)?.status).toBe("confirmed");
    expect(afterLaggingRead.ignoredRead).toEqual({ seq: 1, heldSeq: 2 });
    expect(afterLaggingRead.metadata?.lagMs).toBe(3000); // freshness is still reported
  });

  it("accepts a read with the same or a higher seq", () => {
    const merged = run([
      { type: "commandSucceeded", response: commandResponse(confirmed), patternsOn: PATTERNS_ON },
    ], loaded());
    const shipped = orderView({ status: "shipped", seq: 3, trackingNumber: "T-9" });
    const state = orderDetailReducer(merged, {
      type: "readSucceeded",
      view: shipped,
      metadata: metadata(),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(state)).toEqual(shipped);
    expect(state.ignoredRead).toBeNull();
  });

  it("keeps a newer read if the command response turns out older", () => {
    const newer = loaded(orderView({ status: "shipped", seq: 3 }));
    const state = orderDetailReducer(newer, {
      type: "commandSucceeded",
      response: commandResponse(confirmed),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(state)?.status).toBe("shipped");
  });

  it("shows a just-placed order from the response while order_details has not projected it (404)", () => {
    const seeded = orderDetailReducer(initialOrderDetailState, { type: "seeded", view: orderView() });
    const state = orderDetailReducer(seeded, {
      type: "readFailed",
      error: new ApiError(404, { code: "not_found", message: "No such order." }),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(state)?.orderId).toBe(orderView().orderId);
    expect(state.notYetProjected).toBe(true);
    expect(state.loadError).toBeNull();
  });

  it("with patterns off, ignores the response and shows whatever the next read says", () => {
    const answered = orderDetailReducer(started({ action: "confirm" }, PATTERNS_OFF, loaded(orderView(), PATTERNS_OFF)), {
      type: "commandSucceeded",
      response: commandResponse(confirmed),
      patternsOn: PATTERNS_OFF,
    });
    expect(displayedOrder(answered)?.status).toBe("pending");
    const laggingRead = orderDetailReducer(answered, {
      type: "readSucceeded",
      view: orderView({ status: "pending", seq: 1 }),
      metadata: metadata(),
      patternsOn: PATTERNS_OFF,
    });
    // The contradiction the patterns prevent: the user clicked Confirm, the page says pending.
    expect(displayedOrder(laggingRead)?.status).toBe("pending");
  });

  it("with patterns off, a 404 right after placing an order is shown as such", () => {
    const state = orderDetailReducer(initialOrderDetailState, {
      type: "readFailed",
      error: new ApiError(404, { code: "not_found", message: "No such order." }),
      patternsOn: PATTERNS_OFF,
    });
    expect(displayedOrder(state)).toBeNull();
    expect(state.loadError).toMatch(/No such order/);
  });
});

describe("reads that fail", () => {
  it("keep the shown order and report the refresh problem", () => {
    const state = orderDetailReducer(loaded(), {
      type: "readFailed",
      error: new NetworkError(),
      patternsOn: PATTERNS_ON,
    });
    expect(displayedOrder(state)?.status).toBe("pending");
    expect(state.refreshError).toMatch(/Could not refresh/);
  });
});

describe("after a 409 the page offers no action until it shows the order's current state", () => {
  const versionConflict = new ApiError(409, {
    code: "version_conflict",
    message: "The order changed: you saw version 1, it is now 2.",
    currentSeq: 2,
  });
  const read = (view: ReturnType<typeof orderView>): OrderDetailAction => ({
    type: "readSucceeded",
    view,
    metadata: metadata(),
    patternsOn: PATTERNS_ON,
  });

  it("waits for a read at the seq a version_conflict named", () => {
    const refused = orderDetailReducer(started({ action: "confirm" }), {
      type: "commandFailed",
      error: versionConflict,
    });
    expect(offersActions(refused)).toBe(false);
    // A read from a lagging order_details still shows version 1: still no action.
    expect(offersActions(run([read(orderView({ seq: 1 }))], refused))).toBe(false);
    const current = run([read(orderView({ seq: 2, status: "cancelled" }))], refused);
    expect(offersActions(current)).toBe(true);
    expect(displayedOrder(current)?.status).toBe("cancelled");
  });

  it("waits for a read in the status an invalid_transition named", () => {
    const refused = orderDetailReducer(started({ action: "confirm" }), { type: "commandFailed", error: conflict });
    expect(offersActions(refused)).toBe(false);
    expect(refused.awaitingCurrent).toEqual({ seq: undefined, status: "cancelled" });
    expect(offersActions(run([read(orderView({ seq: 2, status: "cancelled" }))], refused))).toBe(true);
  });

  it("offers actions again at once after other failures (nothing says the order moved)", () => {
    const refused = orderDetailReducer(started({ action: "ship", trackingNumber: "" }), {
      type: "commandFailed",
      error: invalid,
    });
    expect(offersActions(refused)).toBe(true);
  });
});
