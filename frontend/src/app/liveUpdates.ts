// Starts the push WebSocket once we know who is logged in.

import { createPushClient } from "../state/pushClient";
import { handleConnected, handlePushMessage, pushUrl } from "../state/liveUpdates";
import { connectionStatus, projectionTracker, refreshBus } from "./stores";

export function startLiveUpdates(): () => void {
  const deps = { tracker: projectionTracker, refresh: refreshBus, now: () => Date.now() };
  let opened = 0;
  const client = createPushClient({
    url: pushUrl(window.location),
    createSocket: (url) => new WebSocket(url),
    onMessage: (message) => handlePushMessage(message, deps),
    onConnected: () => handleConnected(deps, ++opened === 1),
    onStatus: (status) => connectionStatus.set(status),
  });
  client.start();
  return () => client.stop();
}
