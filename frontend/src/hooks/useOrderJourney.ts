import { api } from "../api/client";
import type { Journey } from "../api/types";
import { projectionTracker } from "../app/stores";
import { observeJourney } from "../state/journey";
import type { RefreshReason } from "../state/refreshBus";
import { usePolledResource, type PolledResource } from "./usePolledResource";

/** The order's journey (GET /api/orders/{id}/journey), fetched again whenever a push says one
 * of its events moved: committed (pending), applied (projected) or dead-lettered (failed). */
export function useOrderJourney(orderId: string): PolledResource<Journey> {
  return usePolledResource<Journey>(`journey:${orderId}`, (signal) => api.journey(orderId, signal), {
    intervalMs: null,
    refreshOn: (reason: RefreshReason) =>
      reason.kind === "connected" || ("orderId" in reason && reason.orderId === orderId),
    // What each read model did with each event is the badges' evidence too (a reload after
    // the dead letter's push still shows the failure).
    onData: (journey) => projectionTracker.set((tracker) => observeJourney(tracker, journey, Date.now())),
  });
}
