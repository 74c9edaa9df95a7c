import { ExchangeRejectedError, isLeverageRefusal } from "../exchange/errors.ts";
import type { ExchangeAccountRef, ExchangeGateway } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError } from "./errors.ts";
import { UNSETTLED_STATUSES } from "./intents.ts";

/**
 * Leverage is the account's setting per symbol on the exchange, not a field of an order: the
 * desk sets it before an entry, and records on the position the leverage the exchange confirmed,
 * and on the symbol's live entries, whose later fills open a position at it.
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
 * A leverage the exchange confirmed is recorded at once on the account's live entries of the
 * symbol (a resting LIMIT's fills may open a position after this one closed): the exchange opens
 * it at the symbol's leverage, not at the one the entry was placed at.
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
  let confirmed: number;
  try {
    confirmed = (await gateway.setLeverage(account, { symbol, leverage: wanted })).leverage;
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
  await deps.prisma.order.updateMany({
    where: {
      accountId: account.id,
      symbol,
      role: "ENTRY",
      status: { in: [...UNSETTLED_STATUSES] },
      OR: [{ leverage: null }, { leverage: { not: confirmed } }],
    },
    data: { leverage: confirmed, updatedAt: deps.now() },
  });
  return confirmed;
}
