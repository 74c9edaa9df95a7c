import Decimal from "decimal.js";
import { z } from "zod";

// Positive, plain notation (no sign, no exponent), at most 18 fractional digits: what
// numeric(38,18) stores exactly. The integer part is capped here and by `max` below.
const POSITIVE_DECIMAL = /^(?:0|[1-9]\d{0,11})(?:\.\d{1,18})?$/;

/** A positive decimal string on the wire, a Decimal in the resolver. */
export function positiveDecimal(max: string) {
  const limit = new Decimal(max);
  return z
    .string()
    .max(40)
    .regex(POSITIVE_DECIMAL, "must be a positive decimal number with at most 18 fractional digits")
    .transform((text) => new Decimal(text))
    .refine((value) => value.gt(0), "must be greater than 0")
    .refine((value) => value.lte(limit), `must be at most ${max}`);
}

/** Sane ceilings: far above anything real, far below what would overflow numeric(38,18). */
export const MAX_QUANTITY = "1000000000";
export const MAX_PRICE = "1000000000";

export const quantity = positiveDecimal(MAX_QUANTITY);
export const price = positiveDecimal(MAX_PRICE);
