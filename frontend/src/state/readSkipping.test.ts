import { describe, expect, it } from "vitest";
import { orderView } from "../test/fixtures";
import { readCannotHelpYet, type ReadSkipInput } from "./readSkipping";

const base: ReadSkipInput = {
  patternsOn: true,
  pushOpen: true,
  known: orderView({ seq: 2 }),
  wait: { seq: 2, since: 1000, assumed: false },
  nowMs: 2000,
  maxWaitMs: 5000,
};

describe("skipping reads that cannot show anything newer", () => {
  it("skips while the read model is behind what our command already returned", () => {
    expect(readCannotHelpYet(base)).toBe(true);
  });

  it("reads when it could be newer, or when pushes cannot tell us", () => {
    expect(readCannotHelpYet({ ...base, wait: { seq: 3, since: 1000, assumed: false } })).toBe(false);
    expect(readCannotHelpYet({ ...base, wait: undefined })).toBe(false);
    expect(readCannotHelpYet({ ...base, known: undefined })).toBe(false);
    expect(readCannotHelpYet({ ...base, pushOpen: false })).toBe(false);
    expect(readCannotHelpYet({ ...base, patternsOn: false })).toBe(false);
  });

  it("stops waiting for the push after the read model's threshold", () => {
    expect(readCannotHelpYet({ ...base, nowMs: 6000 })).toBe(false);
  });
});
