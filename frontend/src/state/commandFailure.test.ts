import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../api/errors";
import { describeCommandFailure } from "./commandFailure";

describe("what the user is told when a command fails", () => {
  it("409 invalid_transition: the server's message and the real status", () => {
    const failure = describeCommandFailure(
      "confirm",
      new ApiError(409, { code: "invalid_transition", message: "The order is shipped; it cannot become confirmed.", currentStatus: "shipped" }),
    );
    expect(failure.message).toBe("Confirm failed: The order is shipped; it cannot become confirmed. The order is now shipped.");
    expect(failure.currentStatus).toBe("shipped");
    expect(failure.outcomeUnknown).toBe(false);
  });

  it("409 version_conflict: someone else changed the order first", () => {
    const failure = describeCommandFailure(
      "ship",
      new ApiError(409, { code: "version_conflict", message: "You saw version 2, it is now 3.", currentSeq: 3 }),
    );
    expect(failure.message).toContain("someone changed this order first");
    expect(failure.currentSeq).toBe(3);
  });

  it("no answer or a 5xx: the outcome is unknown, so a retry with the same key is offered", () => {
    expect(describeCommandFailure("deliver", new NetworkError()).outcomeUnknown).toBe(true);
    expect(describeCommandFailure("deliver", new ApiError(502, { code: "http_502", message: "Bad gateway" })).outcomeUnknown).toBe(true);
    expect(describeCommandFailure("deliver", new ApiError(409, { code: "request_in_progress", message: "Busy" })).outcomeUnknown).toBe(true);
  });
});
