import Decimal from "decimal.js";
import type { SymbolRules } from "../gateway.ts";

/**
 * The simulated exchange's trading rules: Binance USD-M's filters for the symbols it lists by
 * default (tick size, lot sizes; a 5 USDT minimum notional as on most Binance USD-M symbols).
 * A symbol without an entry trades with permissive rules (18 decimals), so tests may list any.
 */
export const KNOWN_SYMBOLS: Record<
  string,
  { tick: string; step: string; maxQty: string; marketMaxQty: string }
> = {
  BTCUSDT: { tick: "0.1", step: "0.001", maxQty: "1000", marketMaxQty: "120" },
  ETHUSDT: { tick: "0.01", step: "0.001", maxQty: "10000", marketMaxQty: "2000" },
  SOLUSDT: { tick: "0.01", step: "1", maxQty: "1000000", marketMaxQty: "5000" },
  BNBUSDT: { tick: "0.01", step: "0.01", maxQty: "100000", marketMaxQty: "2000" },
  XRPUSDT: { tick: "0.0001", step: "0.1", maxQty: "10000000", marketMaxQty: "2000000" },
  DOGEUSDT: { tick: "0.00001", step: "1", maxQty: "50000000", marketMaxQty: "30000000" },
};

const EXACT = "0.000000000000000001";

export function symbolRulesFor(symbol: string): SymbolRules {
  const known = KNOWN_SYMBOLS[symbol];
  const d = (value: string) => new Decimal(value);
  return {
    symbol,
    status: "TRADING",
    baseAsset: symbol.replace(/USDT$/, ""),
    quoteAsset: "USDT",
    tickSize: d(known?.tick ?? EXACT),
    stepSize: d(known?.step ?? EXACT),
    minQuantity: d(known?.step ?? EXACT),
    maxQuantity: d(known?.maxQty ?? "1000000000"),
    marketStepSize: d(known?.step ?? EXACT),
    marketMinQuantity: d(known?.step ?? EXACT),
    marketMaxQuantity: d(known?.marketMaxQty ?? "1000000000"),
    minNotional: d(known ? "5" : "0"),
  };
}
