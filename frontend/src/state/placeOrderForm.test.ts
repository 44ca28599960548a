import { describe, expect, it } from "vitest";
import type { Product } from "../api/types";
import {
  clientErrors,
  hasErrors,
  lineTotal,
  orderLines,
  parseQuantity,
  runningTotal,
  serverFieldErrors,
} from "./placeOrderForm";

const products: Product[] = [
  { productId: "widget", name: "Widget", unitPrice: "9.95" },
  { productId: "gadget", name: "Gadget", unitPrice: "0.10" },
  { productId: "gizmo", name: "Gizmo", unitPrice: "0.20" },
];

describe("the place-order form", () => {
  it("parses quantities strictly", () => {
    expect(parseQuantity("")).toBe(0);
    expect(parseQuantity(" 3 ")).toBe(3);
    expect(parseQuantity("1.5")).toBeNull();
    expect(parseQuantity("-1")).toBeNull();
    expect(parseQuantity("2e3")).toBeNull();
  });

  it("keeps a running total in cents", () => {
    expect(runningTotal(products, {})).toBe("0.00");
    expect(runningTotal(products, { gadget: "1", gizmo: "1" })).toBe("0.30");
    expect(runningTotal(products, { widget: "3", gizmo: "abc" })).toBe("29.85");
    expect(lineTotal(products[0]!, "3")).toBe("29.85");
    expect(lineTotal(products[0]!, "x")).toBe("—");
  });

  it("sends only products with a quantity, in catalogue order", () => {
    expect(orderLines(products, { gizmo: "2", widget: "1", gadget: "0" })).toEqual([
      { productId: "widget", quantity: 1 },
      { productId: "gizmo", quantity: 2 },
    ]);
  });

  it("catches what it can before sending", () => {
    expect(clientErrors(products, {}).general).toEqual(["Choose a quantity for at least one product."]);
    expect(clientErrors(products, { widget: "two" }).byProduct).toEqual({ widget: ["Enter a whole number (0 or more)."] });
    expect(hasErrors(clientErrors(products, { widget: "2" }))).toBe(false);
  });

  it("puts items[i] errors next to the i-th product SENT, not the i-th in the catalogue", () => {
    const sent = orderLines(products, { gizmo: "500" }); // items[0] is gizmo
    const errors = serverFieldErrors({ "items[0].quantity": ["Ensure this value is less than or equal to 100."] }, sent);
    expect(errors.byProduct).toEqual({ gizmo: ["Ensure this value is less than or equal to 100."] });
    expect(errors.general).toEqual([]);
  });

  it("shows errors it cannot place as general messages", () => {
    const sent = orderLines(products, { widget: "1" });
    const errors = serverFieldErrors(
      { items: ["Too many lines."], "items[5].quantity": ["?"], body: ["Malformed JSON."] },
      sent,
    );
    expect(errors.general).toEqual(["items: Too many lines.", "items[5].quantity: ?", "Malformed JSON."]);
  });

  it("labels other item fields", () => {
    const sent = orderLines(products, { widget: "1" });
    expect(serverFieldErrors({ "items[0].productId": ["Unknown product."] }, sent).byProduct).toEqual({
      widget: ["productId: Unknown product."],
    });
  });
});
