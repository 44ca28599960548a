// One order command from click to outcome, with every dependency passed in
// so the whole sequence (optimistic, send, merge or rollback, badge) can be
// unit-tested without a browser.

import type { CommandOptions } from "../api/endpoints";
import { ApiError } from "../api/errors";
import type { CommandResponse, OrderView } from "../api/types";
import type { CommandAttempt, OrderDetailAction } from "./orderDetailState";
import type { OrderCommand } from "./orderCommands";

export interface CommandFlowDeps {
  send: (orderId: string, command: OrderCommand, options: CommandOptions) => Promise<CommandResponse>;
  dispatch: (action: OrderDetailAction) => void;
  patternsOn: () => boolean;
  newIdempotencyKey: () => string;
  now: () => Date;
  /** Success: remember the view, badge the order, tell the list to poll, announce. */
  onSucceeded: (response: CommandResponse, command: OrderCommand) => void;
  /** Failure: announce, re-fetch to learn the real state. */
  onFailed: (command: OrderCommand, error: unknown) => void;
}

export type CommandOutcome = "succeeded" | "failed" | "invalid";

/**
 * Runs `command` against the order as last seen (`view.seq` becomes
 * expectedVersion). Pass `retryOf` to repeat an attempt whose outcome is
 * unknown: same Idempotency-Key, so the server applies it at most once.
 */
export async function runOrderCommand(
  deps: CommandFlowDeps,
  view: OrderView,
  command: OrderCommand,
  retryOf?: CommandAttempt,
): Promise<CommandOutcome> {
  const attempt: CommandAttempt = retryOf ?? {
    command,
    idempotencyKey: deps.newIdempotencyKey(),
    expectedVersion: view.seq,
    startedAt: deps.now().toISOString(),
  };
  // Read once: flipping the switch mid-flight must not half-apply a pattern.
  const patternsOn = deps.patternsOn();
  deps.dispatch({ type: "commandStarted", attempt, patternsOn });
  try {
    const response = await deps.send(view.orderId, attempt.command, {
      idempotencyKey: attempt.idempotencyKey,
      expectedVersion: attempt.expectedVersion,
    });
    deps.dispatch({ type: "commandSucceeded", response, patternsOn });
    deps.onSucceeded(response, attempt.command);
    return "succeeded";
  } catch (error) {
    deps.dispatch({ type: "commandFailed", error });
    deps.onFailed(attempt.command, error);
    // "invalid": the input was refused (400), so a form asking for it should stay open.
    return error instanceof ApiError && error.status === 400 ? "invalid" : "failed";
  }
}
