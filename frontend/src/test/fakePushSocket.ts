// A push client (state/pushClient.ts) wired to sockets and timers the test drives by hand.

import { vi } from "vitest";
import { createPushClient, type ConnectionStatus, type SocketLike } from "../state/pushClient";

/** A WebSocket stand-in: the test opens, drops and feeds it, and reads what it sent. */
export class FakeSocket {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  closed = false;
  sent: string[] = [];
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
  send(data: string) {
    this.sent.push(data);
  }
  open() {
    this.onopen?.({});
  }
  drop() {
    this.onerror?.({});
    this.onclose?.({});
  }
  /** A frame as it arrives, raw. */
  receive(data: unknown) {
    this.onmessage?.({ data });
  }
  /** A frame carrying this message as JSON. */
  receiveJson(message: object) {
    this.receive(JSON.stringify(message));
  }
}

export function setupPushClient() {
  const sockets: FakeSocket[] = [];
  const timers: { callback: () => void; ms: number }[] = [];
  const statuses: ConnectionStatus[] = [];
  const onConnected = vi.fn();
  const onMessage = vi.fn();
  const client = createPushClient({
    url: "ws://localhost/ws/orders/",
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as SocketLike;
    },
    onConnected,
    onMessage,
    onStatus: (status) => statuses.push(status),
    setTimer: (callback, ms) => timers.push({ callback, ms }),
    clearTimer: () => undefined,
    random: () => 0.5, // no jitter
  });
  const fireNextTimer = () => timers.shift()?.callback();
  return { client, sockets, timers, statuses, onConnected, onMessage, fireNextTimer };
}
