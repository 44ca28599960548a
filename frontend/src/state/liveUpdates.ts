// Where push messages go: into the projection tracker (badges) and, for
// `order.projected`, to the pages as a reason to re-fetch.

import type { PushMessage } from "../api/types";
import { onPending, onProjected, type ProjectionTracker } from "./projectionTracker";
import type { RefreshBus } from "./refreshBus";
import type { Store } from "./store";

export interface LiveUpdateDeps {
  tracker: Store<ProjectionTracker>;
  refresh: RefreshBus;
  now: () => number;
}

export function handlePushMessage(message: PushMessage, deps: LiveUpdateDeps): void {
  if (message.type === "order.pending") {
    deps.tracker.set((tracker) => onPending(tracker, message, deps.now()));
    return;
  }
  deps.tracker.set((tracker) => onProjected(tracker, message, deps.now()));
  deps.refresh.request({ kind: "projected", orderId: message.orderId, readModel: message.readModel });
}

/** The push channel opened: everything pushed while it was closed is lost, so re-fetch. */
export function handleConnected(deps: Pick<LiveUpdateDeps, "refresh">): void {
  deps.refresh.request({ kind: "connected" });
}

/** ws://host/ws/orders/ or wss:// on an https page (same origin: the session cookie goes along). */
export function pushUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/orders/`;
}
