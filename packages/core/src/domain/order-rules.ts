import type Decimal from "decimal.js";
import type { SymbolRules } from "../exchange/gateway.ts";
import { shown, shownPrice } from "./display.ts";
import { InvalidCommandError } from "./errors.ts";
import { toDecimal } from "./money.ts";

/** What an order is checked on, before it reaches the exchange. */
export interface OrderToCheck {
  type: "MARKET" | "LIMIT";
  quantity: Decimal;
  price?: Decimal | undefined;
  stopLoss?: Decimal | null | undefined;
  takeProfit?: Decimal | null | undefined;
  /** Reduce-only orders (a close) are exempt from the minimum notional, as on Binance. */
  reduceOnly?: boolean;
}

/**
 * The exchange's filters, checked by the desk so that a trader reads which field breaks which
 * rule ("quantity must be a multiple of 0.001 BTC") instead of an exchange error code, and
 * nothing is sent that the exchange would refuse.
 */
export function checkOrderRules(
  rules: SymbolRules | undefined,
  symbol: string,
  order: OrderToCheck,
  mark: Decimal | null,
) {
  if (!rules) throw new InvalidCommandError("symbol", `${symbol} is not listed on this exchange`);
  if (rules.status !== "TRADING") {
    throw new InvalidCommandError("symbol", `${symbol} is not trading now (${rules.status})`);
  }
  const base = rules.baseAsset;
  const market = order.type === "MARKET";
  const step = market ? rules.marketStepSize : rules.stepSize;
  const min = market ? rules.marketMinQuantity : rules.minQuantity;
  const max = market ? rules.marketMaxQuantity : rules.maxQuantity;
  const quantity = toDecimal(order.quantity);
  if (!quantity.mod(step).isZero()) {
    throw new InvalidCommandError(
      "quantity",
      `quantity must be a multiple of ${shown(step)} ${base} (the step)`,
    );
  }
  if (quantity.lt(min))
    throw new InvalidCommandError(
      "quantity",
      `quantity must be at least ${shown(min)} ${base} (the minimum)`,
    );
  if (quantity.gt(max)) {
    throw new InvalidCommandError(
      "quantity",
      `quantity must be at most ${shown(max)} ${base}${market ? " for a MARKET order" : ""}`,
    );
  }
  checkTicks(rules, [
    ["price", order.price],
    ["stopLoss", order.stopLoss],
    ["takeProfit", order.takeProfit],
  ]);
  const priced = order.price ?? mark;
  if (!order.reduceOnly && priced && rules.minNotional.gt(0)) {
    const notional = quantity.times(priced);
    if (notional.lt(rules.minNotional)) {
      throw new InvalidCommandError(
        "quantity",
        `order value ${shownPrice(notional.toDecimalPlaces(2))} ${rules.quoteAsset} is below the ${shown(rules.minNotional)} ${rules.quoteAsset} minimum`,
      );
    }
  }
}

/** Only the tick size applies to moving a stop-loss / take-profit. */
export function checkTriggerPrices(
  rules: SymbolRules | undefined,
  levels: { stopLoss?: Decimal | null | undefined; takeProfit?: Decimal | null | undefined },
) {
  if (!rules) return;
  checkTicks(rules, [
    ["stopLoss", levels.stopLoss],
    ["takeProfit", levels.takeProfit],
  ]);
}

function checkTicks(rules: SymbolRules, prices: [string, Decimal | null | undefined][]) {
  for (const [field, price] of prices) {
    if (price && !toDecimal(price).mod(rules.tickSize).isZero()) {
      throw new InvalidCommandError(
        field,
        `${field} must be a multiple of ${shown(rules.tickSize)} ${rules.quoteAsset}`,
      );
    }
  }
}
