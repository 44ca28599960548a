// The push stream's positions on the client (docs/push-resumption.md):
// resume after a reconnect instead of re-fetching, say how many changes were
// caught up, never apply a message twice, and ask for a gap.

import { describe, expect, it } from "vitest";
import { setupPushClient as setup } from "../test/fakePushSocket";
import { decide, resumeUrl } from "./streamCursor";

const projected = (position: number) => ({
  type: "order.projected",
  orderId: "o1",
  seq: 1,
  readModel: "order_summaries",
  position,
});

describe("resuming the push stream", () => {
  it("reconnects from the last position, replays instead of re-fetching, and says how many", () => {
    // Given: a client that saw the stream up to position 3, then lost its socket
    const { client, sockets, statuses, onConnected, onMessage, fireNextTimer: reconnect } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.receiveJson({ type: "caught_up", position: 2, replayed: 0 });
    sockets[0]!.receiveJson(projected(3));
    sockets[0]!.drop();

    // When: it reconnects and the server replays two changes
    reconnect();
    sockets[1]!.open();
    sockets[1]!.receiveJson(projected(4));
    sockets[1]!.receiveJson(projected(5));
    sockets[1]!.receiveJson({ type: "caught_up", position: 5, replayed: 2 });

    // Then: it asked from 3, applied 3 messages in all, re-fetched only on the first open
    expect(sockets[1]!.url).toBe("ws://localhost/ws/orders/?since=3");
    expect(onMessage).toHaveBeenCalledTimes(3);
    expect(onConnected).toHaveBeenCalledTimes(1);
    expect(statuses.at(-1)).toEqual({ state: "open", caughtUp: 2 });
  });

  it("re-fetches when the server cannot replay", () => {
    const { client, sockets, onConnected, fireNextTimer: reconnect } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.receiveJson({ type: "caught_up", position: 7, replayed: 0 });
    sockets[0]!.drop();
    reconnect();
    sockets[1]!.open();
    sockets[1]!.receiveJson({ type: "refetch", position: 4000, reason: "too_far_back" });
    expect(onConnected).toHaveBeenCalledTimes(2);
  });

  it("drops what it has already and asks for a gap instead of applying past it", () => {
    const { client, sockets, onMessage } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.receiveJson({ type: "caught_up", position: 1, replayed: 0 });
    sockets[0]!.receiveJson(projected(1));
    sockets[0]!.receiveJson(projected(4));
    expect(onMessage).not.toHaveBeenCalled();
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({ type: "resume", since: 1 });
  });
});

describe("the stream cursor", () => {
  it("decides per position", () => {
    expect(decide(5, 4)).toEqual({ kind: "apply" });
    expect(decide(4, 4)).toEqual({ kind: "duplicate" });
    expect(decide(7, 4)).toEqual({ kind: "gap", since: 4 });
    expect(decide(undefined, 4)).toEqual({ kind: "apply" });
    expect(decide(1, null)).toEqual({ kind: "apply" });
  });

  it("puts since on the URL only when there is a position", () => {
    expect(resumeUrl("ws://h/ws/orders/", null)).toBe("ws://h/ws/orders/");
    expect(resumeUrl("ws://h/ws/orders/", 0)).toBe("ws://h/ws/orders/?since=0");
  });
});
