import { useEffect, useRef } from "react";
import type { OrderStatus } from "../api/types";
import { announce, patternsOn, projectionTracker } from "../app/stores";
import { shortId } from "../components/format";
import { behindFor, failedFor } from "../state/projectionTracker";
import { useStore } from "./useStore";

/** Says so when the "Updating…" badge goes away (every read model now shows the change), and
 * when a read model gives up on it (the spinner became a message). */
export function useProjectionAnnouncements(orderId: string) {
  const tracker = useStore(projectionTracker);
  const on = useStore(patternsOn);
  const behindCount = behindFor(tracker, orderId).length;
  const failedCount = failedFor(tracker, orderId).length;
  const wasBehind = useRef(false);
  const hadFailed = useRef(false);
  useEffect(() => {
    if (on && wasBehind.current && behindCount === 0 && failedCount === 0) {
      announce(`Order ${shortId(orderId)} is up to date in every read model.`);
    }
    if (on && !hadFailed.current && failedCount > 0) {
      announce(`Order ${shortId(orderId)}: this view could not be updated; staff have been notified.`);
    }
    wasBehind.current = behindCount > 0;
    hadFailed.current = failedCount > 0;
  }, [behindCount, failedCount, on, orderId]);
}

/**
 * Announces status changes that come from reads (another tab, staff, the
 * read model catching up). Changes caused by our own command are announced
 * by the command's callbacks instead, so `commandCycle` mutes this hook from
 * the click until the command has finished.
 */
export function useStatusAnnouncements(status: OrderStatus | undefined, inFlight: boolean, orderId: string) {
  const previous = useRef(status);
  const commandCycle = useRef(false);
  useEffect(() => {
    const before = previous.current;
    previous.current = status;
    if (commandCycle.current) {
      if (!inFlight) commandCycle.current = false;
      return;
    }
    if (before && status && before !== status) announce(`Order ${shortId(orderId)} is now ${status}.`);
  }, [status, inFlight, orderId]);
  return commandCycle;
}

/** Screen-reader users hear when the list turns stale and when it is fresh again. */
export function useStaleAnnouncement(stale: boolean | undefined, readModel: string) {
  const previous = useRef(stale);
  useEffect(() => {
    const before = previous.current;
    previous.current = stale;
    if (before === undefined || stale === undefined || before === stale) return;
    announce(
      stale ? `The list is stale: ${readModel} is behind its threshold.` : `The list is up to date again.`,
    );
  }, [stale, readModel]);
}
