import { describe, expect, it } from "vitest";
import { loadPatternsOn, PATTERNS_OFF_KEY, patternsOnFromStorageEvent, savePatternsOn } from "./patternsSwitch";

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
    removeItem: (key: string) => void data.delete(key),
  };
}

describe("the Patterns off switch", () => {
  it("defaults to patterns on and remembers being turned off", () => {
    const storage = memoryStorage();
    expect(loadPatternsOn(storage)).toBe(true);
    savePatternsOn(storage, false);
    expect(loadPatternsOn(storage)).toBe(false);
    savePatternsOn(storage, true);
    expect(loadPatternsOn(storage)).toBe(true);
  });

  it("survives storage that throws (privacy modes)", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    expect(loadPatternsOn(broken)).toBe(true);
    expect(() => savePatternsOn(broken, false)).not.toThrow();
  });

  it("follows other tabs through storage events", () => {
    expect(patternsOnFromStorageEvent(PATTERNS_OFF_KEY, "1")).toBe(false);
    expect(patternsOnFromStorageEvent(PATTERNS_OFF_KEY, null)).toBe(true);
    expect(patternsOnFromStorageEvent("something.else", "1")).toBeNull();
  });
});
