import Decimal from "decimal.js";
import type { SymbolRules } from "../gateway.ts";

/**
 * The simulated exchange's trading rules: Binance USD-M's filters for the symbols it lists by
 * default (tick size, lot sizes; a 5 USDT minimum notional as on most Binance USD-M symbols).
 * A symbol without an entry trades with permissive rules (18 decimals), so tests may list any.
 */
export const KNOWN_SYMBOLS: Record<
  string,
  { tick: string; step: string; maxQty: string; marketMaxQty: string; maxLeverage: number }
> = {
  BTCUSDT: { tick: "0.1", step: "0.001", maxQty: "1000", marketMaxQty: "120", maxLeverage: 125 },
  ETHUSDT: { tick: "0.01", step: "0.001", maxQty: "10000", marketMaxQty: "2000", maxLeverage: 125 },
  SOLUSDT: { tick: "0.01", step: "1", maxQty: "1000000", marketMaxQty: "5000", maxLeverage: 100 },
  BNBUSDT: { tick: "0.01", step: "0.01", maxQty: "100000", marketMaxQty: "2000", maxLeverage: 75 },
  XRPUSDT: { tick: "0.0001", step: "0.1", maxQty: "10000000", marketMaxQty: "2000000", maxLeverage: 75 },
  DOGEUSDT: { tick: "0.00001", step: "1", maxQty: "50000000", marketMaxQty: "30000000", maxLeverage: 75 },
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

/**
 * Leverage brackets (the largest leverage, and the largest position notional in USDT it allows),
 * Binance's BTCUSDT tiers, used for every symbol up to its own maximum leverage. The simulated
 * exchange reports the notional with a leverage it sets; it does not refuse orders past it.
 */
const BRACKETS: readonly [leverage: number, maxNotional: string][] = [
  [125, "50000"],
  [100, "600000"],
  [75, "3000000"],
  [50, "12000000"],
  [25, "70000000"],
  [20, "100000000"],
  [10, "230000000"],
  [5, "480000000"],
  [4, "600000000"],
  [3, "800000000"],
  [2, "1200000000"],
  [1, "1800000000"],
];

/** The highest leverage the symbol takes (an unknown symbol: 125, Binance's highest). */
export function maxLeverageOf(symbol: string): number {
  return KNOWN_SYMBOLS[symbol]?.maxLeverage ?? 125;
}

/** The largest position notional a leverage allows: the widest bracket that still takes it. */
export function maxNotionalAt(leverage: number): Decimal {
  const widest = BRACKETS.filter(([most]) => most >= leverage).at(-1);
  return new Decimal(widest?.[1] ?? BRACKETS[0]![1]);
}
