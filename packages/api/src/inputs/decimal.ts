import Decimal from "decimal.js";
import { z } from "zod";

/** At most what numeric(38,18) stores exactly. */
const MAX_FRACTION_DIGITS = 18;
const display = new Intl.NumberFormat("en-US", { maximumFractionDigits: 20 });

/**
 * What is wrong with a positive decimal as typed, one message per case, or null. Plain notation
 * only (no sign, no exponent, no grouping), at most 18 fractional digits, above 0, at most `max`.
 */
export function decimalProblem(value: string, max: Decimal): string | null {
  if (value.trim() === "") return "required";
  if (/\s/.test(value)) return "remove the spaces";
  if (/^[+-]?[\d.]*\d[\d.]*[eE][+-]?\d+$/.test(value))
    return "write the number out in full, without an exponent";
  if (/^[\d.]*\d,\d/.test(value)) return "use a dot for decimals and no thousands separators (1.5, 1000)";
  if (/^-\d*\.?\d+$/.test(value)) return "must be a positive decimal number, greater than 0";
  if (/^\+/.test(value)) return "write it without a + sign";
  if (!/^\d+(\.\d+)?$/.test(value)) return "must be a number, such as 0.5";
  if (/^0\d/.test(value)) return "no leading zeros (7, not 007)";
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > MAX_FRACTION_DIGITS)
    return `too many decimal places: at most ${MAX_FRACTION_DIGITS} (${fraction.length} given)`;
  const decimal = new Decimal(value);
  if (decimal.isZero()) return "must be greater than 0";
  if (decimal.gt(max)) return `must be at most ${display.format(max.toFixed() as `${number}`)}`;
  return null;
}

/** A positive decimal string on the wire, a Decimal in the resolver. */
export function positiveDecimal(max: string) {
  const limit = new Decimal(max);
  return z
    .string()
    .max(40, "too long: at most 40 characters")
    .transform((text, ctx) => {
      const problem = decimalProblem(text, limit);
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }
      return new Decimal(text);
    });
}

/** Sane ceilings: far above anything real, far below what would overflow numeric(38,18). */
export const MAX_QUANTITY = "1000000000";
export const MAX_PRICE = "1000000000";

export const quantity = positiveDecimal(MAX_QUANTITY);
export const price = positiveDecimal(MAX_PRICE);
