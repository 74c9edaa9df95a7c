import Decimal from "decimal.js";
import type { BalancesRead } from "./types.ts";

/**
 * Applies a mark-price tick from the events stream to the balances summary on screen: each
 * position's mark price, PnL and notional, and the totals that follow from them. Same formulas
 * as the server's read (PnL = (mark - entry) x quantity, negated for a short), so the next
 * refetch agrees with what the tick showed.
 */
export function withMarkPrices(read: BalancesRead, prices: Record<string, string>, at: string): BalancesRead {
  let changed = false;
  const positions = read.data.positions.map((position) => {
    const mark = prices[position.symbol];
    if (mark === undefined || mark === position.markPrice) return position;
    changed = true;
    const quantity = new Decimal(position.quantity);
    const move = new Decimal(mark).minus(position.entryPrice).times(quantity);
    return {
      ...position,
      markPrice: mark,
      // A tick just pushed by the feed: as fresh as prices get.
      markPriceAgeMs: 0,
      markPriceStale: false,
      unrealizedPnl: (position.side === "LONG" ? move : move.negated()).toFixed(),
      notional: new Decimal(mark).times(quantity).toFixed(),
    };
  });
  if (!changed) return read;

  let unrealizedPnl = new Decimal(0);
  let notional = new Decimal(0);
  for (const position of positions) {
    if (position.unrealizedPnl !== null) unrealizedPnl = unrealizedPnl.plus(position.unrealizedPnl);
    if (position.notional !== null) notional = notional.plus(position.notional);
  }
  const totals = {
    ...read.data.totals,
    unrealizedPnl: unrealizedPnl.toFixed(),
    notional: notional.toFixed(),
    equity: new Decimal(read.data.totals.walletBalance).plus(unrealizedPnl).toFixed(),
  };
  const pricesStale = positions.some((position) => position.markPriceStale);
  return { ...read, data: { ...read.data, positions, totals, pricesAt: at, pricesStale } };
}
