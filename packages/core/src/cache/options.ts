/** Argument checks: a wrong argument is a programming error, reported with the field's name. */

export function requireId(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`positions cache: ${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** TTLs are whole milliseconds, as the default clock (Date.now) counts them. */
export function requirePositiveInteger(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`positions cache: ${field} must be a positive whole number, got ${describe(value)}`);
  }
  return value;
}

/** Node runs a timer with a longer delay after 1 ms (TimeoutOverflowWarning): cleanup would spin. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export function requireTimerDelay(field: string, value: unknown): number {
  const ms = requirePositiveInteger(field, value);
  if (ms > MAX_TIMER_DELAY_MS) {
    throw new RangeError(`positions cache: ${field} must be at most ${MAX_TIMER_DELAY_MS} ms, got ${ms}`);
  }
  return ms;
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
