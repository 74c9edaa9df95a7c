import { trpc } from "../trpc.ts";

/**
 * What a change to the user's data makes stale: the balances summary, the cache figures, the
 * open orders, the histories, the daily PnL (its today is live) and the symbols with history.
 */
export function useRefreshDashboard() {
  const utils = trpc.useUtils();
  return () =>
    Promise.all([
      utils.dashboard.balances.invalidate(),
      utils.cache.metrics.invalidate(),
      utils.orders.open.invalidate(),
      utils.orders.trades.invalidate(),
      utils.orders.list.invalidate(),
      utils.positions.closed.invalidate(),
      utils.history.daily.invalidate(),
      utils.history.summary.invalidate(),
      utils.history.symbols.invalidate(),
    ]).then(() => {});
}
