import { describe, expect, it } from "vitest";
import { formatCents, formatMoney, lineTotalCents, toCents, totalCents } from "./money";

describe("money math in integer cents", () => {
  it("parses decimal strings exactly", () => {
    expect(toCents("19.90")).toBe(1990);
    expect(toCents("19.9")).toBe(1990);
    expect(toCents("19")).toBe(1900);
    expect(toCents("0.05")).toBe(5);
    expect(toCents("-3.10")).toBe(-310);
  });

  it("rejects what is not an amount with at most two decimals", () => {
    expect(() => toCents("1.999")).toThrow();
    expect(() => toCents("abc")).toThrow();
    expect(() => toCents("")).toThrow();
  });

  it("adds where floating point would not: 0.10 + 0.20 is 0.30", () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the reason this module exists
    expect(formatCents(totalCents([
      { unitPrice: "0.10", quantity: 1 },
      { unitPrice: "0.20", quantity: 1 },
    ]))).toBe("0.30");
  });

  it("multiplies price by quantity without drift", () => {
    expect(lineTotalCents("19.99", 3)).toBe(5997);
    expect(formatCents(totalCents([{ unitPrice: "1.15", quantity: 100 }]))).toBe("115.00");
  });

  it("counts a negative or fractional quantity as nothing", () => {
    expect(lineTotalCents("5.00", -1)).toBe(0);
    expect(lineTotalCents("5.00", 1.5)).toBe(0);
  });

  it("formats cents with two decimals and thousands separators", () => {
    expect(formatCents(0)).toBe("0.00");
    expect(formatCents(5)).toBe("0.05");
    expect(formatCents(123456)).toBe("1,234.56");
    expect(formatCents(-310)).toBe("-3.10");
    expect(formatMoney("1234.5")).toBe("1,234.50");
    expect(formatMoney("n/a")).toBe("n/a");
  });
});
