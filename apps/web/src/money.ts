import Decimal from "decimal.js";

/**
 * Money on screen: formatted from the server's decimal strings with decimal.js, never through a
 * JS number (which would turn 0.1 + 0.2 into 0.30000000000000004 and lose digits of big
 * balances).
 */

function groupThousands(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function withSeparators(fixed: string): string {
  const negative = fixed.startsWith("-");
  const unsigned = negative ? fixed.slice(1) : fixed;
  const [integer = "0", fraction] = unsigned.split(".");
  const grouped = groupThousands(integer) + (fraction === undefined ? "" : `.${fraction}`);
  return negative ? `-${grouped}` : grouped;
}

/** "1234567.891" -> "1,234,567.89" (half-up rounding, fixed places, thousands separators). */
export function formatAmount(value: string, places = 2): string {
  const fixed = new Decimal(value).toFixed(places, Decimal.ROUND_HALF_UP);
  // "-0.00" is not a loss.
  return withSeparators(/^-0\.?0*$/.test(fixed) ? fixed.slice(1) : fixed);
}

/** PnL: always signed, "+1,250.00" / "-80.25" / "0.00". */
export function formatSigned(value: string, places = 2): string {
  const formatted = formatAmount(value, places);
  return new Decimal(value).toDecimalPlaces(places, Decimal.ROUND_HALF_UP).gt(0)
    ? `+${formatted}`
    : formatted;
}

/** Prices below 1 keep more places (0.15432 DOGE vs 64,250.50 BTC). */
export function formatPrice(value: string): string {
  return formatAmount(value, new Decimal(value).abs().gte(1) ? 2 : 5);
}

/** Quantities as precise as they are, without trailing zeros: "0.500000000000000000" -> "0.5". */
export function formatQuantity(value: string): string {
  return withSeparators(new Decimal(value).toDecimalPlaces(8, Decimal.ROUND_DOWN).toFixed());
}

/** Profit, loss or flat: for the green/red colouring. */
export function pnlTone(value: string | null): "profit" | "loss" | "flat" {
  if (value === null) return "flat";
  const d = new Decimal(value);
  return d.gt(0) ? "profit" : d.lt(0) ? "loss" : "flat";
}

/** A ratio 0..1 of counts (cache hits, winning positions) as a percentage; never money. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
