/**
 * Typed exchange failures. The API maps them to tRPC codes:
 * rate limited -> TOO_MANY_REQUESTS (with retry-after), unavailable -> SERVICE_UNAVAILABLE,
 * rejected -> BAD_REQUEST, status unknown -> SERVICE_UNAVAILABLE (after reconciliation failed).
 */
export class ExchangeError extends Error {
  override readonly name: string = "ExchangeError";
}

/** 429, or our own process-wide weight budget is spent. */
export class ExchangeRateLimitedError extends ExchangeError {
  override readonly name: string = "ExchangeRateLimitedError";
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** 418: the IP is banned until a time; no call may go out before it. */
export class ExchangeBannedError extends ExchangeRateLimitedError {
  override readonly name: string = "ExchangeBannedError";
}

/** Timeouts, 5xx, connection failures: the exchange could not answer. */
export class ExchangeUnavailableError extends ExchangeError {
  override readonly name: string = "ExchangeUnavailableError";
}

/** The exchange answered and said no (bad symbol, insufficient margin, duplicate clientOrderId...). */
export class ExchangeRejectedError extends ExchangeError {
  override readonly name: string = "ExchangeRejectedError";
  constructor(
    message: string,
    readonly code?: number | string,
  ) {
    super(message);
  }
}

/**
 * Binance's codes (the simulated exchange uses the same) for a leverage the symbol or the account
 * cannot take: -4028 not valid for the symbol, -2027 the position is too large at it, -2028 the
 * margin at it would exceed the available balance. The desk shows these on the order's leverage.
 */
export const LEVERAGE_REFUSALS: ReadonlySet<number | string> = new Set([-4028, -2027, -2028]);

export function isLeverageRefusal(error: unknown): error is ExchangeRejectedError {
  return (
    error instanceof ExchangeRejectedError && error.code !== undefined && LEVERAGE_REFUSALS.has(error.code)
  );
}

/** An order request whose outcome is not known (5xx after acceptance) and could not be reconciled. */
export class ExchangeOrderStatusUnknownError extends ExchangeError {
  override readonly name: string = "ExchangeOrderStatusUnknownError";
  constructor(
    message: string,
    readonly clientOrderId: string,
  ) {
    super(message);
  }
}
