import type { DeskDeps } from "./deps.ts";
import type { HistorySymbolsView } from "./views.ts";

/**
 * The symbols the user has history in (a position closed or an order filled, on any of their
 * accounts), once each, in order: those the exchange lists now and those it has delisted since,
 * which the history can still be read for. In one call of the database's history_symbols()
 * (migration 20261203090000_history_symbols): per account, the daily view's symbols by a skip
 * over its (account_id, symbol) index, one descent per symbol however many days lie behind it,
 * and those of the days since the view's last refresh, live, as the history reads them.
 */
export async function historySymbols(deps: DeskDeps, userId: string): Promise<HistorySymbolsView> {
  const rows = await deps.prisma.$queryRaw<{ symbol: string }[]>`
    SELECT symbol FROM history_symbols(${userId}::uuid, ${deps.now()}::timestamptz) ORDER BY symbol`;
  return { symbols: rows.map((row) => row.symbol) };
}
