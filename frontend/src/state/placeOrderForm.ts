// The "Place order" form: quantities typed per catalogue product, the running
// total, the request body, and the server's field errors mapped back to the
// right input.
//
// The mapping needs care: the server reports "items[1].quantity" by position
// in the `items` array we SENT, which lists only products with a quantity,
// so index 1 is not the catalogue's second product.

import type { Product } from "../api/types";
import { formatCents, lineTotalCents } from "./money";

/** What the user typed, by productId (kept as text so "" and "abc" can be reported). */
export type QuantityInputs = Record<string, string>;

export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface FormErrors {
  /** By productId: messages to show next to that product's quantity. */
  byProduct: Record<string, string[]>;
  /** Messages about the order as a whole ("items", "body", or a field we cannot place). */
  general: string[];
}

const WHOLE_NUMBER = /^\d+$/;

/** Parses one quantity box: "" is 0, anything but a whole number is null (invalid). */
export function parseQuantity(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return 0;
  if (!WHOLE_NUMBER.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : null;
}

/** The items to send, in catalogue order: only products with a quantity above zero. */
export function orderLines(products: Product[], inputs: QuantityInputs): OrderLine[] {
  const lines: OrderLine[] = [];
  for (const product of products) {
    const quantity = parseQuantity(inputs[product.productId] ?? "");
    if (quantity) lines.push({ productId: product.productId, quantity });
  }
  return lines;
}

/** Running total of the valid quantities, as a decimal string (integer-cent arithmetic). */
export function runningTotal(products: Product[], inputs: QuantityInputs): string {
  try {
    let cents = 0;
    for (const product of products) {
      const quantity = parseQuantity(inputs[product.productId] ?? "") ?? 0;
      cents += lineTotalCents(product.unitPrice, quantity);
    }
    return formatCents(cents);
  } catch {
    return "—"; // a catalogue price that is not a money amount: show nothing rather than a wrong sum
  }
}

/** One row's price × quantity, or "—" while the quantity is not a whole number. */
export function lineTotal(product: Product, text: string): string {
  const quantity = parseQuantity(text);
  if (quantity === null) return "—";
  try {
    return formatCents(lineTotalCents(product.unitPrice, quantity));
  } catch {
    return "—";
  }
}

/** Checks the browser can do before asking the server; the server checks everything again. */
export function clientErrors(products: Product[], inputs: QuantityInputs): FormErrors {
  const errors: FormErrors = { byProduct: {}, general: [] };
  for (const product of products) {
    if (parseQuantity(inputs[product.productId] ?? "") === null) {
      errors.byProduct[product.productId] = ["Enter a whole number (0 or more)."];
    }
  }
  if (!Object.keys(errors.byProduct).length && !orderLines(products, inputs).length) {
    errors.general.push("Choose a quantity for at least one product.");
  }
  return errors;
}

export function hasErrors(errors: FormErrors): boolean {
  return errors.general.length > 0 || Object.keys(errors.byProduct).length > 0;
}

const ITEM_FIELD = /^items\[(\d+)\](?:\.(\w+))?$/;

/** Maps a 400 response's `fields` ({"items[0].quantity": [...]}) onto the inputs. */
export function serverFieldErrors(
  fields: Record<string, string[]> | undefined,
  sentLines: OrderLine[],
): FormErrors {
  const errors: FormErrors = { byProduct: {}, general: [] };
  for (const [field, messages] of Object.entries(fields ?? {})) {
    const match = ITEM_FIELD.exec(field);
    const line = match ? sentLines[Number(match[1])] : undefined;
    if (line) {
      const where = match?.[2] && match[2] !== "quantity" ? `${match[2]}: ` : "";
      const list = (errors.byProduct[line.productId] ??= []);
      list.push(...messages.map((message) => where + message));
    } else {
      errors.general.push(...messages.map((message) => (field === "body" ? message : `${field}: ${message}`)));
    }
  }
  return errors;
}
