import Decimal from "decimal.js";
import type { Position } from "./types.ts";

/**
 * A position's margin, liquidation price and return on equity, from its entry, quantity and
 * leverage (isolated margin, one-way mode), as Binance USD-M computes them with its
 * maintenance-margin brackets (0.4% up to 50,000 USDT of notional, then 0.5%, 1%, 2.5%; the
 * simulated exchange follows the same rules). Decimal strings in, decimal strings out.
 */

const D = Decimal.clone({ precision: 60 });

/** Binance USD-M's first brackets (BTCUSDT): notional up to, maintenance margin rate. */
const BRACKETS: [string, string][] = [
  ["50000", "0.004"],
  ["250000", "0.005"],
  ["3000000", "0.01"],
];
const TOP_RATE = "0.025";

export function maintenanceRate(notional: Decimal.Value): Decimal {
  const n = new D(notional);
  const bracket = BRACKETS.find(([limit]) => n.lte(limit));
  return new D(bracket ? bracket[1] : TOP_RATE);
}

export interface PositionRisk {
  /** Initial margin: entry notional / leverage, USDT. */
  margin: string;
  /** Where the exchange liquidates: margin + PnL falls to the maintenance margin. */
  liquidationPrice: string;
  /** Unrealized PnL / margin, percent; null without a mark price. */
  roePercent: string | null;
}

export function positionRisk(
  position: Pick<Position, "side" | "quantity" | "entryPrice" | "leverage" | "unrealizedPnl">,
): PositionRisk {
  const quantity = new D(position.quantity);
  const entry = new D(position.entryPrice);
  const notional = quantity.times(entry);
  const margin = notional.div(position.leverage);
  const mmr = maintenanceRate(notional);
  // Isolated, one-way: LONG liq = entry x (1 - 1/leverage) / (1 - mmr); SHORT mirrors it.
  const inverse = new D(1).div(position.leverage);
  const liquidation =
    position.side === "LONG"
      ? entry.times(new D(1).minus(inverse)).div(new D(1).minus(mmr))
      : entry.times(new D(1).plus(inverse)).div(new D(1).plus(mmr));
  return {
    margin: margin.toFixed(),
    liquidationPrice: Decimal.max(liquidation, 0).toFixed(),
    roePercent:
      position.unrealizedPnl === null || margin.isZero()
        ? null
        : new D(position.unrealizedPnl).div(margin).times(100).toFixed(),
  };
}

/** What an order would cost before it is sent: its value and the margin it ties up. */
export function orderCost(
  quantity: string,
  price: string,
  leverage: number,
): { value: string; margin: string } | null {
  if (!/^\d+(\.\d+)?$/.test(quantity.trim()) || !/^\d+(\.\d+)?$/.test(price.trim())) return null;
  const value = new D(quantity.trim()).times(price.trim());
  return { value: value.toFixed(), margin: value.div(Math.max(1, leverage)).toFixed() };
}
