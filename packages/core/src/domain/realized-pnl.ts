import type Decimal from "decimal.js";
import type { ExchangeAccountRef, ExchangeGateway, ExchangeTrade } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { sum, toDecimal } from "./money.ts";

/** Exchange and database clocks may differ by this much; a position's fills are never earlier. */
const CLOCK_SKEW_MS = 1000;

/**
 * A position's realized PnL as the exchange booked it: the sum of the realizedPnl of its symbol's
 * fills since it opened that belong to its own orders, or to orders the desk has no row for
 * (placed elsewhere, they moved this position). Fills of another position's orders (the previous
 * one on the same symbol, closed in the same second) are not counted. Never a computed guess.
 *
 * The same trades say what each of the desk's orders paid in commission: recorded on the order
 * (`fee`, the sum over its fills), so reading them once serves both. Writing it again is harmless:
 * it is the exchange's figure, not an increment. An order with fills before the window (a resting
 * LIMIT entry that kept filling after its first position closed) has its trades read once more.
 */
export async function realizedPnlFromExchange(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  position: { id: string; symbol: string; openedAt: Date },
  /** The position's exit being booked: its row does not carry the exchange's order id yet. */
  exit?: { id: string; createdAt: Date; exchangeOrderId: string },
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
    select: {
      id: true,
      createdAt: true,
      exchangeOrderId: true,
      positionId: true,
      fee: true,
      filledQuantity: true,
    },
  });
  const ownerOf = new Map(owners.map((o) => [o.exchangeOrderId, o.positionId]));
  // The exit's row does not carry its fill yet: every fill of it is in the window.
  const orders = exit ? [...owners, { ...exit, fee: toDecimal(0), filledQuantity: toDecimal(0) }] : owners;
  await recordFees(deps, orders, trades, (startTime) =>
    gateway.getTrades(account, { symbol: position.symbol, startTime }),
  );
  return sum(
    trades
      .filter((trade) => {
        const owner = ownerOf.get(trade.exchangeOrderId);
        return owner === undefined || owner === null || owner === position.id;
      })
      .map((trade) => toDecimal(trade.realizedPnl)),
  );
}

interface FeeOwner {
  id: string;
  createdAt: Date;
  exchangeOrderId: string | null;
  fee: Decimal;
  filledQuantity: Decimal;
}

/**
 * Each order's commission, summed over its fills, where it differs from what is recorded. Fills in
 * the window adding up to less than the order's recorded fill mean some came before it (a resting
 * LIMIT entry whose first position closed, its later fills opening this one): those orders' fills
 * are read again from the oldest one's creation, one more call in that rare case. A fee is never
 * written from fills that are short of the order's: it would under-record what it paid.
 */
async function recordFees(
  deps: DeskDeps,
  orders: FeeOwner[],
  trades: ExchangeTrade[],
  tradesSince: (startTime: number) => Promise<ExchangeTrade[]>,
): Promise<void> {
  const fillsOf = (order: FeeOwner, from: ExchangeTrade[]) =>
    from.filter((t) => t.exchangeOrderId === order.exchangeOrderId);
  const complete = (order: FeeOwner, fills: ExchangeTrade[]) =>
    sum(fills.map((t) => t.quantity)).gte(toDecimal(order.filledQuantity));
  const short = orders.filter((order) => !complete(order, fillsOf(order, trades)));
  const older =
    short.length === 0
      ? []
      : await tradesSince(Math.min(...short.map((o) => o.createdAt.getTime())) - CLOCK_SKEW_MS);
  for (const order of orders) {
    const fills = short.includes(order) ? fillsOf(order, older) : fillsOf(order, trades);
    if (!complete(order, fills)) continue;
    const fee = sum(fills.map((t) => t.fee));
    if (fee.eq(toDecimal(order.fee))) continue;
    // createdAt names the order's month: one partition is read.
    await deps.prisma.order.update({
      where: { id: order.id, createdAt: order.createdAt },
      data: { fee: fee.toFixed() },
    });
  }
}
