import { describe, expect, it } from "vitest";
import { isOlder, newerOf } from "./seqGuard";

describe("the seq guard", () => {
  const v1 = { seq: 1, status: "pending" };
  const v2 = { seq: 2, status: "confirmed" };

  it("keeps the higher seq whichever order copies arrive in", () => {
    expect(newerOf(v2, v1)).toBe(v2);
    expect(newerOf(v1, v2)).toBe(v2);
  });

  it("takes the incoming copy on a tie and when there is nothing yet", () => {
    const again = { seq: 2, status: "confirmed" };
    expect(newerOf(v2, again)).toBe(again);
    expect(newerOf(null, v1)).toBe(v1);
  });

  it("says when a copy would move the view backwards", () => {
    expect(isOlder(v2, v1)).toBe(true);
    expect(isOlder(v1, v2)).toBe(false);
    expect(isOlder(undefined, v1)).toBe(false);
  });
});
