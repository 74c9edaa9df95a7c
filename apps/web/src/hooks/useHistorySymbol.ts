import { useState } from "react";
import { HISTORY_STALE_MS, type HistorySymbol, historySymbolChoices } from "../history.ts";
import { trpc } from "../trpc.ts";
import type { Account, Position } from "../types.ts";
import { useListedSymbols } from "./useMarketSymbols.ts";

/**
 * The one symbol (or all) the PnL curve and the history summary show, chosen once for both, and
 * the symbols to choose from: those the trader's exchanges list, those they have history in
 * (delisted ones too; refetched with the history on "your data changed") and those they hold.
 */
export function useHistorySymbol(accounts: readonly Account[], positions: readonly Position[]) {
  const [symbol, setSymbol] = useState<HistorySymbol>(null);
  const listed = useListedSymbols(accounts);
  const traded = trpc.history.symbols.useQuery(undefined, { staleTime: HISTORY_STALE_MS });
  const choices = historySymbolChoices(
    { listed, traded: traded.data?.symbols ?? [], held: positions.map((p) => p.symbol) },
    symbol,
  );
  return { symbol, setSymbol, choices };
}
