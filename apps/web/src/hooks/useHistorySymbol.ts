import { useState } from "react";
import { type HistorySymbol, historySymbolChoices } from "../history.ts";
import type { Account, Position } from "../types.ts";
import { useListedSymbols } from "./useMarketSymbols.ts";

/**
 * The one symbol (or all) the PnL curve and the history summary show, chosen once for both, and
 * the symbols to choose from: those the trader's exchanges list and those they hold.
 */
export function useHistorySymbol(accounts: readonly Account[], positions: readonly Position[]) {
  const [symbol, setSymbol] = useState<HistorySymbol>(null);
  const listed = useListedSymbols(accounts);
  const choices = historySymbolChoices(
    listed,
    positions.map((p) => p.symbol),
    symbol,
  );
  return { symbol, setSymbol, choices };
}
