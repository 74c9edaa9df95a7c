import Decimal from "decimal.js";
import type { PositionSide } from "../exchange/gateway.ts";
import type { DecimalString } from "./views.ts";

/** Anything that prints as a decimal: decimal.js, Prisma's Decimal, a numeric column read as text. */
export type DecimalLike = Decimal | { toString(): string } | string;

/**
 * decimal.js rounds every result to 20 significant digits by default, which cuts amounts with
 * 18 fractional digits (100000 + 0.123456789012345678). Our arithmetic runs on a clone with
 * room for any product of two numeric(38,18) values, so sums and products are exact.
 */
const Exact = Decimal.clone({ precision: 100 });

/** An exact-arithmetic Decimal: every result computed from it keeps all its digits. */
export function toDecimal(value: DecimalLike): Decimal {
  // Every decimal.js instance passes `instanceof` of every clone; the constructor tells them apart.
  if (value instanceof Decimal && value.constructor === Exact) return value;
  return new Exact(value instanceof Decimal ? value : value.toString());
}

/** Plain notation, never an exponent: what the wire and Prisma writes carry. */
export function toWire(value: DecimalLike): DecimalString {
  return toDecimal(value).toFixed();
}

export function toWireOrNull(value: DecimalLike | null | undefined): DecimalString | null {
  return value === null || value === undefined ? null : toWire(value);
}

export const ZERO = toDecimal("0");

export function sum(values: readonly Decimal[]): Decimal {
  return values.reduce((total, value) => total.plus(value), ZERO);
}

/** PnL of `quantity` moved from `entry` to `exit`: positive when a LONG's price rose or a SHORT's fell. */
export function pnl(side: PositionSide, quantity: Decimal, entry: Decimal, exit: Decimal): Decimal {
  const move = toDecimal(exit).minus(entry).times(quantity);
  return side === "LONG" ? move : move.negated();
}
