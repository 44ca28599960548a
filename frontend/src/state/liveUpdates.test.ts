import { describe, expect, it } from "vitest";
import { handleConnected, handlePushMessage, pushUrl } from "./liveUpdates";
import { behindFor, emptyTracker, failedFor } from "./projectionTracker";
import { createRefreshBus, type RefreshReason } from "./refreshBus";
import { createStore } from "./store";

function setup() {
  const tracker = createStore(emptyTracker);
  const refresh = createRefreshBus();
  const reasons: RefreshReason[] = [];
  refresh.subscribe((reason) => reasons.push(reason));
  return { deps: { tracker, refresh, now: () => 0 }, tracker, reasons };
}

describe("push messages reaching the pages", () => {
  it("badges on order.pending and clears on order.projected", () => {
    const { deps, tracker } = setup();
    handlePushMessage({ type: "order.pending", orderId: "o1", seq: 2, behind: ["order_details"] }, deps);
    expect(behindFor(tracker.get(), "o1")).toEqual(["order_details"]);
    handlePushMessage({ type: "order.projected", orderId: "o1", seq: 2, readModel: "order_details" }, deps);
    expect(behindFor(tracker.get(), "o1")).toEqual([]);
  });

  it("turns order.failed into a failure for that read model and asks pages to re-fetch", () => {
    const { deps, tracker, reasons } = setup();
    handlePushMessage({ type: "order.failed", orderId: "o1", seq: 2, readModel: "order_search" }, deps);
    expect(failedFor(tracker.get(), "o1")).toEqual(["order_search"]);
    expect(reasons).toEqual([{ kind: "failed", orderId: "o1", readModel: "order_search" }]);
  });

  it("asks pages to re-fetch when a read model has projected", () => {
    const { deps, reasons } = setup();
    handlePushMessage({ type: "order.projected", orderId: "o1", seq: 2, readModel: "order_summaries" }, deps);
    expect(reasons).toEqual([{ kind: "projected", orderId: "o1", readModel: "order_summaries" }]);
  });

  it("asks pages to re-fetch after a (re)connect, since pushes sent meanwhile are lost", () => {
    const { deps, reasons } = setup();
    handleConnected(deps);
    handleConnected(deps, true);
    expect(reasons).toEqual([{ kind: "connected", first: false }, { kind: "connected", first: true }]);
  });
});

describe("push URL", () => {
  it("follows the page's scheme and host", () => {
    expect(pushUrl({ protocol: "http:", host: "localhost:8000" })).toBe("ws://localhost:8000/ws/orders/");
    expect(pushUrl({ protocol: "https:", host: "orders.example" })).toBe("wss://orders.example/ws/orders/");
  });
});
