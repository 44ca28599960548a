import { describe, expect, it, vi } from "vitest";
import { ApiError, NetworkError } from "../api/errors";
import type { CommandResponse } from "../api/types";
import { commandResponse, orderView } from "../test/fixtures";
import { runOrderCommand, type CommandFlowDeps } from "./commandFlow";
import {
  displayedOrder,
  initialOrderDetailState,
  orderDetailReducer,
  type OrderDetailState,
} from "./orderDetailState";

/** A command flow wired to the real reducer, with the network replaced by `send`. */
function harness(send: CommandFlowDeps["send"], patternsOn = true) {
  let state: OrderDetailState = orderDetailReducer(initialOrderDetailState, { type: "seeded", view: orderView() });
  const shown: string[] = [];
  const deps: CommandFlowDeps = {
    send,
    dispatch: (action) => {
      state = orderDetailReducer(state, action);
      shown.push(displayedOrder(state)?.status ?? "none");
    },
    patternsOn: () => patternsOn,
    newIdempotencyKey: () => "key-42",
    now: () => new Date("2025-01-15T10:01:00Z"),
    onSucceeded: vi.fn(),
    onFailed: vi.fn(),
  };
  return { deps, shown, state: () => state };
}

describe("a command from click to outcome", () => {
  it("sends expectedVersion and an Idempotency-Key, shows the guess, then the server's view", async () => {
    const confirmed = orderView({ status: "confirmed", seq: 2 });
    const send = vi.fn(async (): Promise<CommandResponse> => commandResponse(confirmed));
    const { deps, shown, state } = harness(send);

    const outcome = await runOrderCommand(deps, orderView(), { action: "confirm" });

    expect(outcome).toBe("succeeded");
    expect(send).toHaveBeenCalledWith(orderView().orderId, { action: "confirm" }, {
      idempotencyKey: "key-42",
      expectedVersion: 1,
    });
    expect(shown).toEqual(["confirmed", "confirmed"]);
    expect(state().base?.seq).toBe(2);
    expect(deps.onSucceeded).toHaveBeenCalledWith(commandResponse(confirmed), { action: "confirm" });
  });

  it.each([
    ["409", new ApiError(409, { code: "invalid_transition", message: "No.", currentStatus: "cancelled" })],
    ["400", new ApiError(400, { code: "invalid", message: "Bad.", fields: { expectedVersion: ["Bad."] } })],
    ["network error", new NetworkError()],
  ])("rolls back after a %s", async (name, error) => {
    const { deps, shown, state } = harness(async () => {
      throw error;
    });
    const outcome = await runOrderCommand(deps, orderView(), { action: "confirm" });
    expect(outcome).toBe(name === "400" ? "invalid" : "failed");
    expect(shown).toEqual(["confirmed", "pending"]);
    expect(state().failure).not.toBeNull();
    expect(deps.onFailed).toHaveBeenCalledWith({ action: "confirm" }, error);
  });

  it("retries an unanswered command with the same Idempotency-Key and expectedVersion", async () => {
    const send = vi
      .fn<CommandFlowDeps["send"]>()
      .mockRejectedValueOnce(new NetworkError())
      .mockResolvedValueOnce(commandResponse(orderView({ status: "confirmed", seq: 2 })));
    const { deps, state } = harness(send);
    await runOrderCommand(deps, orderView(), { action: "confirm" });
    const attempt = state().failure!.attempt;

    deps.newIdempotencyKey = () => "a-different-key";
    await runOrderCommand(deps, orderView({ seq: 1 }), attempt.command, attempt);

    expect(send.mock.calls[1]?.[2]).toEqual({ idempotencyKey: "key-42", expectedVersion: 1 });
    expect(displayedOrder(state())?.status).toBe("confirmed");
  });

  it("with patterns off never shows the guess", async () => {
    const { deps, shown } = harness(async () => commandResponse(orderView({ status: "confirmed", seq: 2 })), false);
    await runOrderCommand(deps, orderView(), { action: "confirm" });
    expect(shown).toEqual(["pending", "pending"]);
  });
});
