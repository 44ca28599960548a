// Money arrives as decimal strings ("19.90"). Binary floating point cannot
// hold 0.1 exactly (0.1 + 0.2 !== 0.3), so every sum is done in integer cents
// and only formatted back to a decimal string for display.

const MONEY_PATTERN = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** "19.90" → 1990. Throws on anything that is not a plain amount with at most two decimals. */
export function toCents(amount: string): number {
  const match = MONEY_PATTERN.exec(amount.trim());
  if (!match) throw new Error(`Not a money amount: ${JSON.stringify(amount)}`);
  const [, sign, whole = "0", fraction = ""] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(cents)) throw new Error(`Amount too large: ${amount}`);
  return sign === "-" ? -cents : cents;
}

/** 1990 → "19.90". */
export function formatCents(cents: number): string {
  if (!Number.isInteger(cents)) throw new Error(`Cents must be an integer, got ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  const whole = Math.floor(absolute / 100);
  const fraction = String(absolute % 100).padStart(2, "0");
  return `${sign}${whole.toLocaleString("en-US")}.${fraction}`;
}

/** unit price × quantity, in cents. */
export function lineTotalCents(unitPrice: string, quantity: number): number {
  if (!Number.isInteger(quantity) || quantity < 0) return 0;
  return toCents(unitPrice) * quantity;
}

/** Sum of price × quantity over the lines, in cents. */
export function totalCents(lines: { unitPrice: string; quantity: number }[]): number {
  return lines.reduce((sum, line) => sum + lineTotalCents(line.unitPrice, line.quantity), 0);
}

/** A server amount, formatted like the client's own ("1234.5" → "1,234.50"); odd input shown as is. */
export function formatMoney(amount: string): string {
  try {
    return formatCents(toCents(amount));
  } catch {
    return amount;
  }
}
