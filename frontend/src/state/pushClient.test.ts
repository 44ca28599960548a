import { describe, expect, it } from "vitest";
import { setupPushClient as setup } from "../test/fakePushSocket";
import { reconnectDelayMs } from "./pushClient";
import { parsePushMessage } from "./pushMessages";

describe("the push connection", () => {
  it("re-fetches on connect and again after every reconnect", () => {
    const { client, sockets, onConnected, fireNextTimer } = setup();
    client.start();
    sockets[0]!.open();
    expect(onConnected).toHaveBeenCalledTimes(1);

    sockets[0]!.drop();
    expect(onConnected).toHaveBeenCalledTimes(1); // not yet: no connection
    fireNextTimer();
    sockets[1]!.open();
    expect(onConnected).toHaveBeenCalledTimes(2);
  });

  it("backs off exponentially while the server is unreachable, and resets after success", () => {
    const { client, sockets, timers, fireNextTimer } = setup();
    client.start();
    sockets[0]!.drop();
    fireNextTimer();
    sockets[1]!.drop();
    fireNextTimer();
    sockets[2]!.drop();
    expect(timers.map((timer) => timer.ms)).toEqual([2000]);

    fireNextTimer();
    sockets[3]!.open();
    sockets[3]!.drop();
    expect(timers.map((timer) => timer.ms)).toEqual([500]);
  });

  it("passes valid messages on and drops malformed ones", () => {
    const { client, sockets, onMessage } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.receive('{"type":"order.projected","orderId":"o1","seq":3,"readModel":"order_details"}');
    sockets[0]!.receive("not json");
    sockets[0]!.receive('{"type":"order.exploded","orderId":"o1","seq":3}');
    expect(onMessage).toHaveBeenCalledTimes(1);
    expect(onMessage).toHaveBeenCalledWith({ type: "order.projected", orderId: "o1", seq: 3, readModel: "order_details" });
  });

  it("stops for good: closes the socket and does not reconnect", () => {
    const { client, sockets, timers, statuses } = setup();
    client.start();
    sockets[0]!.open();
    client.stop();
    sockets[0]!.drop();
    expect(sockets[0]!.closed).toBe(true);
    expect(timers).toEqual([]);
    expect(statuses.at(-1)).toEqual({ state: "stopped" });
  });

  it("reports its state for the header", () => {
    const { client, sockets, statuses } = setup();
    client.start();
    sockets[0]!.drop();
    expect(statuses).toEqual([{ state: "connecting" }, { state: "waiting", retryInMs: 500, attempt: 1 }]);
  });
});

describe("reconnect delay", () => {
  it("doubles from 0.5 s and caps at 30 s, with ±25 % jitter", () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 10].map((attempt) => reconnectDelayMs(attempt, middle))).toEqual([500, 1000, 2000, 4000, 30000]);
    expect(reconnectDelayMs(0, () => 0)).toBe(375);
    expect(reconnectDelayMs(0, () => 0.999999)).toBe(625);
  });
});

describe("push message parsing", () => {
  it("reads both message types of the contract", () => {
    expect(parsePushMessage('{"type":"order.pending","orderId":"o1","seq":2,"behind":["order_details"]}')).toEqual({
      type: "order.pending",
      orderId: "o1",
      seq: 2,
      behind: ["order_details"],
    });
  });

  it("rejects wrong shapes", () => {
    expect(parsePushMessage('{"type":"order.pending","orderId":"o1","seq":"2","behind":[]}')).toBeNull();
    expect(parsePushMessage('{"type":"order.pending","orderId":"o1","seq":2,"behind":[1]}')).toBeNull();
    expect(parsePushMessage('{"type":"order.projected","orderId":"o1","seq":2}')).toBeNull();
    expect(parsePushMessage(new ArrayBuffer(2))).toBeNull();
    expect(parsePushMessage("null")).toBeNull();
  });
});
