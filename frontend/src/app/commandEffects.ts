// What every successful command does beyond its own page, shared by the
// detail page and the place-order page.

import type { CommandResponse } from "../api/types";
import { rememberView } from "../state/knownViews";
import { onOwnCommand } from "../state/projectionTracker";
import { READ_MODELS } from "../state/readModels";
import { knownViews, patternsOn, projectionTracker, refreshBus } from "./stores";

export function afterCommandSucceeded(response: CommandResponse): void {
  if (patternsOn.get()) {
    // Pattern 2: other pages (the list) can show this newer copy over a lagging read model.
    knownViews.set((known) => rememberView(known, response.order));
    // Pattern 4: badge at once; the server's order.pending will correct the list of read models.
    projectionTracker.set((tracker) =>
      onOwnCommand(tracker, response.order.orderId, response.seq, READ_MODELS, Date.now()),
    );
  }
  // The list polls immediately after a command; with patterns off this re-fetch is all there is.
  refreshBus.request({ kind: "command", orderId: response.order.orderId });
}
