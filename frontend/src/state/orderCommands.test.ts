import { describe, expect, it } from "vitest";
import { allowedActions } from "./orderCommands";

describe("allowedActions", () => {
  it("offers staff every action the status allows", () => {
    expect(allowedActions("confirmed", true)).toEqual(["ship", "cancel"]);
    expect(allowedActions("shipped", true)).toEqual(["deliver"]);
  });

  it("never offers a customer Ship or Deliver: they are staff actions the server refuses", () => {
    expect(allowedActions("pending", false)).toEqual(["confirm", "cancel"]);
    expect(allowedActions("confirmed", false)).toEqual(["cancel"]);
    expect(allowedActions("shipped", false)).toEqual([]);
  });
});
