/** Argument checks: a wrong argument is a programming error, reported with the field's name. */

export function requireId(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`positions cache: ${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** lru-cache keeps TTLs as whole milliseconds, so we accept only those. */
export function requirePositiveInteger(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`positions cache: ${field} must be a positive whole number, got ${describe(value)}`);
  }
  return value;
}

export function requireNonNegativeInteger(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `positions cache: ${field} must be zero or a positive whole number, got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
