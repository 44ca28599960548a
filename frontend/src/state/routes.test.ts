import { describe, expect, it } from "vitest";
import { isPlainLeftClick, matchRoute } from "./routes";

const ID = "0b6f3d2e-8a51-4c1e-9f3a-2d7c5e9b1a40";

describe("routes", () => {
  it("matches the four pages Django serves app.html for", () => {
    expect(matchRoute("/")).toEqual({ page: "orders" });
    expect(matchRoute("/orders/new")).toEqual({ page: "newOrder" });
    expect(matchRoute(`/orders/${ID}`)).toEqual({ page: "order", orderId: ID });
    expect(matchRoute(`/orders/${ID.toUpperCase()}/`)).toEqual({ page: "order", orderId: ID });
    expect(matchRoute("/pipeline")).toEqual({ page: "pipeline" });
  });

  it("does not take 'new' or junk for an order id", () => {
    expect(matchRoute("/orders/nope")).toEqual({ page: "notFound" });
    expect(matchRoute("/somewhere")).toEqual({ page: "notFound" });
  });

  it("leaves modified clicks (new tab, download) to the browser", () => {
    const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
    expect(isPlainLeftClick(click)).toBe(true);
    expect(isPlainLeftClick({ ...click, ctrlKey: true })).toBe(false);
    expect(isPlainLeftClick({ ...click, button: 1 })).toBe(false);
  });
});
