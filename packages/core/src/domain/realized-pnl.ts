import type Decimal from "decimal.js";
import type { ExchangeAccountRef, ExchangeGateway } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { sum, toDecimal } from "./money.ts";

/** Exchange and database clocks may differ by this much; a position's fills are never earlier. */
const CLOCK_SKEW_MS = 1000;

/**
 * A position's realized PnL as the exchange booked it: the sum of the realizedPnl of its symbol's
 * fills since it opened that belong to its own orders, or to orders the desk has no row for
 * (placed elsewhere, they moved this position). Fills of another position's orders (the previous
 * one on the same symbol, closed in the same second) are not counted. Never a computed guess.
 */
export async function realizedPnlFromExchange(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  position: { id: string; symbol: string; openedAt: Date },
): Promise<Decimal> {
  const trades = await gateway.getTrades(account, {
    symbol: position.symbol,
    startTime: position.openedAt.getTime() - CLOCK_SKEW_MS,
  });
  if (trades.length === 0) return toDecimal(0);
  const owners = await deps.prisma.order.findMany({
    where: {
      accountId: account.id,
      exchangeOrderId: { in: [...new Set(trades.map((t) => t.exchangeOrderId))] },
    },
    select: { exchangeOrderId: true, positionId: true },
  });
  const ownerOf = new Map(owners.map((o) => [o.exchangeOrderId, o.positionId]));
  return sum(
    trades
      .filter((trade) => {
        const owner = ownerOf.get(trade.exchangeOrderId);
        return owner === undefined || owner === null || owner === position.id;
      })
      .map((trade) => toDecimal(trade.realizedPnl)),
  );
}
