// The WebSocket to /ws/orders/, kept open with reconnects. The stream it
// carries has positions (docs/push-resumption.md, streamCursor.ts): the
// client remembers the last one it applied and reconnects with `?since=`, so
// the server replays what it missed and then says `caught_up` with how many
// changes that was. A first open, or a `refetch` from the server (too far
// behind), tells the page to re-fetch instead, via `onConnected`.

import type { PushMessage } from "../api/types";
import { parsePushMessage, parseStreamMessage } from "./pushMessages";
import { decide, resumeRequest, resumeUrl } from "./streamCursor";

/** The part of the browser's WebSocket we use; tests pass a fake. */
export type SocketLike = Pick<WebSocket, "onopen" | "onclose" | "onerror" | "onmessage" | "close"> & {
  send?: (data: string) => void;
};

export type ConnectionStatus =
  | { state: "connecting" }
  | { state: "open"; caughtUp?: number }
  | { state: "waiting"; retryInMs: number; attempt: number }
  | { state: "stopped" };

export interface PushClientDeps {
  url: string;
  createSocket: (url: string) => SocketLike;
  onMessage: (message: PushMessage) => void;
  onConnected: () => void;
  onStatus?: (status: ConnectionStatus) => void;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

export interface PushClient {
  start(): void;
  stop(): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Exponential backoff with ±25 % jitter, so that a server restart does not
 * get every open tab reconnecting in the same instant. attempt 0 → ~0.5 s,
 * then ~1 s, 2 s, 4 s … capped at 30 s.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt));
  const jitter = 0.75 + random() * 0.5;
  return Math.round(exponential * jitter);
}

export function createPushClient(deps: PushClientDeps): PushClient {
  const setTimer = deps.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer = deps.clearTimer ?? ((handle) => clearTimeout(handle as number));
  const random = deps.random ?? Math.random;

  let socket: SocketLike | null = null;
  let retryTimer: unknown = null;
  let failedAttempts = 0;
  let running = false;
  let last: number | null = null; // the last stream position applied

  function connect() {
    retryTimer = null;
    deps.onStatus?.({ state: "connecting" });
    let current: SocketLike;
    const resuming = last !== null;
    try {
      current = deps.createSocket(resumeUrl(deps.url, last));
    } catch {
      scheduleRetry();
      return;
    }
    socket = current;
    current.onopen = () => {
      failedAttempts = 0;
      deps.onStatus?.({ state: "open" });
      // Resuming: the server replays what we missed, then says caught_up (or refetch).
      if (!resuming) deps.onConnected();
    };
    current.onmessage = (event) => {
      const control = parseStreamMessage(event.data);
      if (control) {
        last = control.position;
        if (control.type === "refetch") deps.onConnected();
        else if (resuming) deps.onStatus?.({ state: "open", caughtUp: control.replayed });
        return;
      }
      const message = parsePushMessage(event.data);
      if (!message) return;
      const decision = decide(message.position, last);
      if (decision.kind === "duplicate") return;
      if (decision.kind === "gap") {
        current.send?.(resumeRequest(decision.since)); // the server sends the gap, then this again
        return;
      }
      if (message.position !== undefined) last = message.position;
      deps.onMessage(message);
    };
    current.onerror = () => {
      // The browser follows every error with a close event; reconnecting happens there.
    };
    current.onclose = () => {
      if (socket !== current) return; // an old socket, already replaced
      socket = null;
      if (running) scheduleRetry();
    };
  }

  function scheduleRetry() {
    const retryInMs = reconnectDelayMs(failedAttempts, random);
    failedAttempts += 1;
    deps.onStatus?.({ state: "waiting", retryInMs, attempt: failedAttempts });
    retryTimer = setTimer(connect, retryInMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      connect();
    },
    stop() {
      running = false;
      if (retryTimer !== null) clearTimer(retryTimer);
      retryTimer = null;
      const closing = socket;
      socket = null;
      closing?.close();
      deps.onStatus?.({ state: "stopped" });
    },
  };
}
