import { ExchangeOrderStatusUnknownError, ExchangeUnavailableError } from "./errors.ts";
import type { ExchangeOrder } from "./gateway.ts";

/**
 * Places an order; if the outcome is unknown (5xx, timeout after sending), looks it up by
 * clientOrderId before anything else: found -> that order; not found -> ExchangeUnavailableError
 * (safe to retry with the same clientOrderId). Never places twice.
 *
 * If the lookup itself fails, nobody knows whether the order exists, so the caller gets
 * ExchangeOrderStatusUnknownError and must not place again blindly.
 */
export async function placeWithReconciliation({
  place,
  lookup,
  isUnknownOutcome,
  clientOrderId = "",
}: {
  place: () => Promise<ExchangeOrder>;
  /** Gets the error that made the outcome unknown (a gateway may learn from it when to look). */
  lookup: (placeError: unknown) => Promise<ExchangeOrder | null>;
  isUnknownOutcome: (error: unknown) => boolean;
  clientOrderId?: string;
}): Promise<ExchangeOrder> {
  try {
    return await place();
  } catch (placeError) {
    if (!isUnknownOutcome(placeError)) throw placeError;
    let found: ExchangeOrder | null;
    try {
      found = await lookup(placeError);
    } catch (lookupError) {
      const unknown = new ExchangeOrderStatusUnknownError(
        `order ${clientOrderId} may or may not have been placed: the lookup failed too`,
        clientOrderId,
      );
      unknown.cause = lookupError;
      throw unknown;
    }
    if (found) return found;
    throw new ExchangeUnavailableError(
      `order ${clientOrderId} was not placed (the exchange did not answer); safe to retry with the same clientOrderId`,
      { cause: placeError },
    );
  }
}
