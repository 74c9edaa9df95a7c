import { type DecimalLike, pnl, sum, toDecimal, toWire } from "./money.ts";
import type { BalancesSummaryView, IsoTime, PositionView, TotalsView } from "./views.ts";

/** A position's mark price as read: the price, how old it was, and whether that is too old. */
export interface MarkQuote {
  price: DecimalLike;
  ageMs: number;
  stale: boolean;
}

/**
 * The summary at new mark prices: each quoted position's mark, unrealized PnL ((mark - entry) x
 * quantity, negated for a short) and notional, and the totals that follow. The server applies it
 * to every read, the dashboard to every pushed tick, so a tick shows what the next read will.
 * A position without a quote, or quoted at its mark, is kept; if none changed, the same summary
 * object comes back (the dashboard then does not re-render).
 */
export function markToMarket(
  summary: BalancesSummaryView,
  quoteOf: (position: PositionView) => MarkQuote | undefined,
  at: IsoTime,
): BalancesSummaryView {
  let changed = false;
  const positions = summary.positions.map((position): PositionView => {
    const quote = quoteOf(position);
    if (quote === undefined) return position;
    const mark = toDecimal(quote.price);
    if (toWire(mark) === position.markPrice) return position;
    changed = true;
    return {
      ...position,
      markPrice: toWire(mark),
      markPriceAgeMs: quote.ageMs,
      markPriceStale: quote.stale,
      unrealizedPnl: toWire(
        pnl(position.side, toDecimal(position.quantity), toDecimal(position.entryPrice), mark),
      ),
      notional: toWire(mark.times(position.quantity)),
    };
  });
  if (!changed) return summary;
  return {
    ...summary,
    positions,
    totals: totalsAtMarks(summary.totals, positions),
    pricesAt: at,
    pricesStale: positions.some((position) => position.markPriceStale),
  };
}

/** The totals of positions at their marks (unpriced ones count for nothing): equity = wallet + PnL. */
export function totalsAtMarks(
  totals: Pick<TotalsView, "currency" | "walletBalance">,
  positions: readonly Pick<PositionView, "unrealizedPnl" | "notional">[],
): TotalsView {
  const amounts = (field: "unrealizedPnl" | "notional") =>
    positions.flatMap((position) => (position[field] === null ? [] : [toDecimal(position[field])]));
  const unrealizedPnl = sum(amounts("unrealizedPnl"));
  return {
    currency: totals.currency,
    walletBalance: totals.walletBalance,
    unrealizedPnl: toWire(unrealizedPnl),
    equity: toWire(toDecimal(totals.walletBalance).plus(unrealizedPnl)),
    notional: toWire(sum(amounts("notional"))),
  };
}
