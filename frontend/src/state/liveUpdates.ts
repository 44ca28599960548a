// Where push messages go: into the projection tracker (badges and failure
// messages) and to the pages as reasons to re-fetch.

import type { PushMessage } from "../api/types";
import { onFailed, onPending, onProjected, type ProjectionTracker } from "./projectionTracker";
import type { RefreshBus } from "./refreshBus";
import type { Store } from "./store";

export interface LiveUpdateDeps {
  tracker: Store<ProjectionTracker>;
  refresh: RefreshBus;
  now: () => number;
}

export function handlePushMessage(message: PushMessage, deps: LiveUpdateDeps): void {
  const { orderId } = message;
  switch (message.type) {
    case "order.pending":
      deps.tracker.set((tracker) => onPending(tracker, message, deps.now()));
      deps.refresh.request({ kind: "pending", orderId });
      return;
    case "order.projected":
      deps.tracker.set((tracker) => onProjected(tracker, message, deps.now()));
      deps.refresh.request({ kind: "projected", orderId, readModel: message.readModel });
      return;
    case "order.failed":
      deps.tracker.set((tracker) => onFailed(tracker, message, deps.now()));
      deps.refresh.request({ kind: "failed", orderId, readModel: message.readModel });
      return;
  }
}

/**
 * The push channel opened: everything pushed while it was closed is lost, so
 * re-fetch. `first`: the page's own first fetches are running at this very
 * moment, so they need no second one (what they might miss in that instant,
 * their rows' `behind` and the next poll show).
 */
export function handleConnected(deps: Pick<LiveUpdateDeps, "refresh">, first = false): void {
  deps.refresh.request({ kind: "connected", first });
}

/** ws://host/ws/orders/ or wss:// on an https page (same origin: the session cookie goes along). */
export function pushUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/orders/`;
}
