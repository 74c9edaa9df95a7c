import Decimal from "decimal.js";
import { z } from "zod";
import type {
  AssetBalance,
  ExchangeOrder,
  ExchangePosition,
  ExchangeTrade,
  LeverageSetting,
  MarkPriceTick,
  OrderSide,
  OrderStatus,
  OrderType,
  SymbolRules,
} from "../gateway.ts";
import { MARGIN_ASSET, ORDER_SIDES } from "../gateway.ts";

/**
 * Binance's JSON shapes (USD-M futures) and their mapping to the gateway's types.
 * Every amount arrives as a decimal string and goes straight into decimal.js: a schema that
 * met a JSON number where an amount belongs would fail rather than round through a float.
 */

const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, "expected a decimal string")
  .transform((s) => new Decimal(s));
const id = z.union([z.number().int(), z.string()]).transform(String);
const side = z.enum(ORDER_SIDES);

export const orderSchema = z.object({
  orderId: id,
  clientOrderId: z.string(),
  symbol: z.string(),
  side,
  type: z.string(),
  status: z.string(),
  origQty: decimal,
  executedQty: decimal,
  avgPrice: decimal,
  price: decimal,
  stopPrice: decimal.optional(),
  reduceOnly: z.boolean(),
});
export type BinanceOrder = z.input<typeof orderSchema>;

export const algoOrderSchema = z.object({
  algoId: id,
  clientAlgoId: z.string(),
  orderType: z.string(),
  symbol: z.string(),
  side,
  quantity: decimal,
  algoStatus: z.string(),
  triggerPrice: decimal,
  reduceOnly: z.boolean(),
  executedQty: decimal.optional(),
  avgPrice: decimal.optional(),
});
export type BinanceAlgoOrder = z.input<typeof algoOrderSchema>;

/** One row of GET /fapi/v1/userTrades. */
export const userTradeSchema = z
  .object({
    id,
    orderId: id,
    symbol: z.string(),
    side,
    price: decimal,
    qty: decimal,
    realizedPnl: decimal,
    commission: decimal,
    commissionAsset: z.string(),
    time: z.number().int(),
  })
  .loose();
export type BinanceUserTrade = z.input<typeof userTradeSchema>;

export const accountSchema = z.object({
  assets: z.array(z.object({ asset: z.string(), walletBalance: decimal, availableBalance: decimal }).loose()),
});

export const positionRiskSchema = z.array(
  z
    .object({
      symbol: z.string(),
      positionSide: z.enum(["BOTH", "LONG", "SHORT"]),
      positionAmt: decimal,
      entryPrice: decimal,
      markPrice: decimal,
      notional: decimal,
      positionInitialMargin: decimal,
    })
    .loose(),
);

export const premiumIndexSchema = z.object({ symbol: z.string(), markPrice: decimal }).loose();

/**
 * GET /fapi/v1/exchangeInfo. Only the filters SymbolRules carries are read; the others Binance
 * sends (PERCENT_PRICE, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS, any new one) are ignored.
 */
const priceFilter = z.object({ filterType: z.literal("PRICE_FILTER"), tickSize: decimal }).loose();
const lotSize = z
  .object({ filterType: z.string(), stepSize: decimal, minQty: decimal, maxQty: decimal })
  .loose();
const minNotional = z.object({ filterType: z.literal("MIN_NOTIONAL"), notional: decimal }).loose();

export const exchangeInfoSchema = z
  .object({
    symbols: z.array(
      z
        .object({
          symbol: z.string(),
          status: z.string(),
          baseAsset: z.string(),
          quoteAsset: z.string(),
          filters: z.array(z.object({ filterType: z.string() }).loose()),
        })
        .loose(),
    ),
  })
  .loose();

/** Every symbol the document lists, whatever its status or contract type; a missing filter is an error. */
export function toSymbolRules(raw: unknown): SymbolRules[] {
  return exchangeInfoSchema.parse(raw).symbols.map((s) => {
    const filter = <T extends z.ZodType>(type: string, schema: T): z.output<T> => {
      const found = s.filters.find((f) => f.filterType === type);
      if (!found) throw new Error(`exchangeInfo: ${s.symbol} has no ${type} filter`);
      return schema.parse(found);
    };
    const price = filter("PRICE_FILTER", priceFilter);
    const lot = filter("LOT_SIZE", lotSize);
    const marketLot = filter("MARKET_LOT_SIZE", lotSize);
    const notional = filter("MIN_NOTIONAL", minNotional);
    return {
      symbol: s.symbol,
      status: s.status,
      baseAsset: s.baseAsset,
      quoteAsset: s.quoteAsset,
      tickSize: price.tickSize,
      stepSize: lot.stepSize,
      minQuantity: lot.minQty,
      maxQuantity: lot.maxQty,
      marketStepSize: marketLot.stepSize,
      marketMinQuantity: marketLot.minQty,
      marketMaxQuantity: marketLot.maxQty,
      minNotional: notional.notional,
    };
  });
}

const markPriceUpdate = z
  .object({ e: z.literal("markPriceUpdate"), E: z.number().int(), s: z.string(), p: decimal })
  .loose();

/**
 * The mark price ticks in one market-stream message: a combined-stream wrapper
 * ({ stream, data }) around one markPriceUpdate (<symbol>@markPrice@1s) or an array of them
 * (!markPrice@arr@1s); anything else carries none.
 */
export function toMarkPriceTicks(message: unknown): MarkPriceTick[] {
  const data = (message as { data?: unknown } | null)?.data ?? message;
  const updates = Array.isArray(data) ? data : [data];
  return updates
    .filter((u) => (u as { e?: unknown } | null)?.e === "markPriceUpdate")
    .map((u) => {
      const { s, p, E } = markPriceUpdate.parse(u);
      return { symbol: s, markPrice: p, at: E };
    });
}

/** Batch answers: per order either the cancelled order or Binance's error object. */
export const batchCancelSchema = z.array(
  z.union([
    z.object({ code: z.number(), msg: z.string() }).transform((e) => ({ ok: false as const, msg: e.msg })),
    z
      .object({ status: z.string() })
      .loose()
      .transform((o) => ({ ok: true as const, status: o.status })),
  ]),
);

const orderTypes: readonly OrderType[] = ["MARKET", "LIMIT", "STOP_MARKET", "TAKE_PROFIT_MARKET"];
const orderStatuses: readonly OrderStatus[] = [
  "NEW",
  "PARTIALLY_FILLED",
  "FILLED",
  "CANCELED",
  "REJECTED",
  "EXPIRED",
];

/** Whether a Binance order type is one the gateway models (others are placed by hand on Binance). */
export function isModelledOrderType(value: unknown): boolean {
  return typeof value === "string" && (orderTypes as readonly string[]).includes(value);
}

function orderType(value: string): OrderType {
  if ((orderTypes as readonly string[]).includes(value)) return value as OrderType;
  throw new Error(`unsupported Binance order type ${value}`);
}

function orderStatus(value: string): OrderStatus {
  // EXPIRED_IN_MATCH (self-trade prevention) is an expiry for our purposes.
  if (value === "EXPIRED_IN_MATCH") return "EXPIRED";
  if ((orderStatuses as readonly string[]).includes(value)) return value as OrderStatus;
  throw new Error(`unsupported Binance order status ${value}`);
}

export function toOrder(raw: unknown): ExchangeOrder {
  const o = orderSchema.loose().parse(raw);
  const type = orderType(o.type);
  return {
    exchangeOrderId: o.orderId,
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type,
    status: orderStatus(o.status),
    quantity: o.origQty,
    filledQuantity: o.executedQty,
    averagePrice: o.executedQty.isZero() ? null : o.avgPrice,
    price: type === "LIMIT" ? o.price : null,
    triggerPrice: o.stopPrice && !o.stopPrice.isZero() ? o.stopPrice : null,
    reduceOnly: o.reduceOnly,
  };
}

/**
 * Algo (conditional) orders have their own lifecycle: NEW -> TRIGGERING -> TRIGGERED -> FINISHED,
 * or CANCELED / EXPIRED / REJECTED. Until the triggered order has finished it is still working.
 */
export function algoStatus(value: string, executed: Decimal): OrderStatus {
  switch (value) {
    case "NEW":
    case "TRIGGERING":
    case "TRIGGERED":
      return "NEW";
    case "FINISHED":
      return executed.isZero() ? "CANCELED" : "FILLED";
    case "CANCELED":
    case "EXPIRED":
    case "REJECTED":
      return value;
    default:
      throw new Error(`unsupported Binance algo status ${value}`);
  }
}

export function toAlgoOrder(raw: unknown): ExchangeOrder {
  const o = algoOrderSchema.loose().parse(raw);
  const executed = o.executedQty ?? new Decimal(0);
  return {
    exchangeOrderId: o.algoId,
    clientOrderId: o.clientAlgoId,
    symbol: o.symbol,
    side: o.side,
    type: orderType(o.orderType),
    status: algoStatus(o.algoStatus, executed),
    quantity: o.quantity,
    filledQuantity: executed,
    averagePrice: executed.isZero() || !o.avgPrice ? null : o.avgPrice,
    price: null,
    triggerPrice: o.triggerPrice,
    reduceOnly: o.reduceOnly,
  };
}

export function toTrade(raw: unknown): ExchangeTrade {
  const t = userTradeSchema.parse(raw);
  return {
    tradeId: t.id,
    exchangeOrderId: t.orderId,
    symbol: t.symbol,
    side: t.side,
    quantity: t.qty,
    price: t.price,
    realizedPnl: t.realizedPnl,
    // USD-M futures charge in the margin asset, or in BNB with the BNB discount: not valued here.
    fee: t.commissionAsset === MARGIN_ASSET ? t.commission : new Decimal(0),
    time: t.time,
  };
}

/** POST /fapi/v1/leverage's answer: `{ leverage, maxNotionalValue, symbol }`. */
export const leverageSchema = z.object({
  symbol: z.string(),
  leverage: z.number().int().positive(),
  maxNotionalValue: decimal,
});

export function toLeverageSetting(raw: unknown): LeverageSetting {
  const { symbol, leverage, maxNotionalValue } = leverageSchema.parse(raw);
  return { symbol, leverage, maxNotional: maxNotionalValue };
}

export function toBalances(raw: unknown): AssetBalance[] {
  return accountSchema
    .loose()
    .parse(raw)
    .assets.filter((a) => !a.walletBalance.isZero() || !a.availableBalance.isZero())
    .map((a) => ({ asset: a.asset, walletBalance: a.walletBalance, availableBalance: a.availableBalance }));
}

/**
 * positionRisk v3 carries no leverage field; a position's initial margin is its notional over
 * its leverage, so the ratio gives it back without another weighted call (/fapi/v1/symbolConfig).
 */
export function toPositions(raw: unknown): ExchangePosition[] {
  return positionRiskSchema
    .parse(raw)
    .filter((p) => !p.positionAmt.isZero())
    .map((p) => ({
      symbol: p.symbol,
      side: positionSide(p.positionSide, p.positionAmt),
      quantity: p.positionAmt.abs(),
      entryPrice: p.entryPrice,
      leverage: p.positionInitialMargin.isZero()
        ? 1
        : p.notional.abs().div(p.positionInitialMargin).toDecimalPlaces(0).toNumber(),
      markPrice: p.markPrice,
    }));
}

export function positionSide(declared: "BOTH" | "LONG" | "SHORT", amount: Decimal): "LONG" | "SHORT" {
  if (declared !== "BOTH") return declared;
  return amount.isNegative() ? "SHORT" : "LONG";
}

export function opposite(side: OrderSide): OrderSide {
  return side === "BUY" ? "SELL" : "BUY";
}
