import Decimal from "decimal.js";
import type { DecimalString } from "./views.ts";

/** Anything that prints as a decimal: decimal.js, Prisma's Decimal, a numeric column read as text. */
export type DecimalLike = Decimal | { toString(): string } | string;

export function toDecimal(value: DecimalLike): Decimal {
  return value instanceof Decimal ? value : new Decimal(value.toString());
}

/** Plain notation, never an exponent: what the wire and Prisma writes carry. */
export function toWire(value: DecimalLike): DecimalString {
  return toDecimal(value).toFixed();
}

export function toWireOrNull(value: DecimalLike | null | undefined): DecimalString | null {
  return value === null || value === undefined ? null : toWire(value);
}

export const ZERO = new Decimal(0);

export function sum(values: readonly Decimal[]): Decimal {
  return values.reduce((total, value) => total.plus(value), ZERO);
}

/** PnL of `quantity` moved from `entry` to `exit`: positive when a LONG's price rose or a SHORT's fell. */
export function pnl(side: "LONG" | "SHORT", quantity: Decimal, entry: Decimal, exit: Decimal): Decimal {
  const move = exit.minus(entry).times(quantity);
  return side === "LONG" ? move : move.negated();
}
