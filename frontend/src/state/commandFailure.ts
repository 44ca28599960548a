import { ApiError, NetworkError } from "../api/errors";
import { ACTION_LABELS, type OrderAction } from "./orderCommands";
import type { OrderStatus } from "../api/types";

/** What went wrong with a command, ready to show next to the order. */
export interface CommandFailure {
  action: OrderAction;
  /** One sentence for the user. */
  message: string;
  /** 409 invalid_transition: the status the order really has now. */
  currentStatus?: OrderStatus;
  /** 409 version_conflict: the seq the order really has now. */
  currentSeq?: number;
  /** 400 invalid: messages per field, e.g. {"trackingNumber": ["This field is required."]}. */
  fields?: Record<string, string[]>;
  /** The outcome is unknown (no answer): retrying with the same Idempotency-Key is safe. */
  outcomeUnknown: boolean;
}

/** Maps any error a command can throw to what the user needs to know. */
export function describeCommandFailure(action: OrderAction, error: unknown): CommandFailure {
  const label = ACTION_LABELS[action];
  if (error instanceof ApiError) {
    const { body } = error;
    const failure: CommandFailure = {
      action,
      message: `${label} failed: ${body.message}`,
      outcomeUnknown: false,
    };
    if (body.code === "invalid_transition" && body.currentStatus) {
      failure.currentStatus = body.currentStatus;
      failure.message = `${label} failed: ${body.message} The order is now ${body.currentStatus}.`;
    }
    if (body.code === "version_conflict" && typeof body.currentSeq === "number") {
      failure.currentSeq = body.currentSeq;
      failure.message = `${label} failed: someone changed this order first. ${body.message}`;
    }
    if (body.fields) failure.fields = body.fields;
    if (body.code === "request_in_progress") {
      failure.message = `${label} is still being processed; try again in a moment.`;
      failure.outcomeUnknown = true;
    }
    if (error.status >= 500) failure.outcomeUnknown = true;
    return failure;
  }
  if (error instanceof NetworkError) {
    return {
      action,
      message: `${label}: no answer from the server, so it may or may not have happened.`,
      outcomeUnknown: true,
    };
  }
  return {
    action,
    message: `${label} failed: ${error instanceof Error ? error.message : String(error)}`,
    outcomeUnknown: false,
  };
}
