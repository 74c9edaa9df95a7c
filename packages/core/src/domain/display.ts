import { type DecimalLike, toWire } from "./money.ts";

/**
 * Numbers inside messages, written as the dashboard shows them: thousands separators, every
 * digit kept (Intl.NumberFormat formats a decimal string exactly, no float on the way).
 */
const amount = new Intl.NumberFormat("en-US", { maximumFractionDigits: 20 });
const price = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 20 });

/** "0.001", "1,000", "12,345.678" */
export function shown(value: DecimalLike): string {
  return amount.format(toWire(value) as `${number}`);
}

/** Prices as the dashboard shows them, at least two places: "64,869.30". */
export function shownPrice(value: DecimalLike): string {
  return price.format(toWire(value) as `${number}`);
}
