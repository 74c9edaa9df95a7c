import { ExchangeRejectedError, isLeverageRefusal } from "../exchange/errors.ts";
import type { ExchangeAccountRef, ExchangeGateway } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError } from "./errors.ts";

/**
 * Leverage is the account's setting per symbol on the exchange, not a field of an order: the
 * desk sets it before an entry, and records on the position the leverage the exchange confirmed.
 */

/**
 * A new position's leverage when the order names none: what the desk always recorded for it,
 * the order form's first choice, and the positions table's default.
 */
export const DEFAULT_LEVERAGE = 1;

/**
 * Makes the exchange hold `wanted` for the symbol, and returns the leverage it confirmed.
 * `held` is what the exchange holds when the desk knows it without asking: an open position's
 * recorded leverage (the desk writes what the exchange confirmed, the reconciler copies any
 * change made elsewhere). Then nothing is sent when it is already `wanted`. A flat symbol's
 * leverage is not known without a call (Binance's positionRisk lists only open positions, its
 * symbolConfig costs 5), so it is set: one call of weight 1.
 *
 * A leverage the exchange refuses is the command's `leverage` field at fault. A call whose outcome
 * is unknown may have changed an open position's leverage: the reconciler is asked to look.
 */
export async function leverageForEntry(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  { symbol, wanted, held }: { symbol: string; wanted: number; held?: number },
): Promise<number> {
  if (held === wanted) return held;
  try {
    return (await gateway.setLeverage(account, { symbol, leverage: wanted })).leverage;
  } catch (error) {
    if (isLeverageRefusal(error)) {
      throw new InvalidCommandError(
        "leverage",
        `the exchange refused ${wanted}x on ${symbol}: ${error.message}`,
      );
    }
    if (held !== undefined && !(error instanceof ExchangeRejectedError)) deps.requestReconcile(account.id);
    throw error;
  }
}
