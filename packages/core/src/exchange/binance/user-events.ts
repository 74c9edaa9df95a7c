import Decimal from "decimal.js";
import { z } from "zod";
import type { AccountEvent, ExchangeOrder, ExchangePosition } from "../gateway.ts";
import { toAlgoOrder, toOrder } from "./wire.ts";

/**
 * Maps Binance user-data stream events (ACCOUNT_UPDATE, ORDER_TRADE_UPDATE, ALGO_UPDATE) to the
 * gateway's AccountEvents. Field names are Binance's one-letter keys.
 */

const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .transform((s) => new Decimal(s));

const accountUpdate = z.object({
  e: z.literal("ACCOUNT_UPDATE"),
  E: z.number(),
  a: z.object({
    B: z.array(z.object({ a: z.string(), wb: decimal, cw: decimal }).loose()).default([]),
    P: z
      .array(
        z.object({ s: z.string(), pa: decimal, ep: decimal, ps: z.enum(["BOTH", "LONG", "SHORT"]) }).loose(),
      )
      .default([]),
  }),
});

const orderUpdate = z.object({
  e: z.literal("ORDER_TRADE_UPDATE"),
  E: z.number(),
  T: z.number().optional(),
  o: z
    .object({
      s: z.string(),
      c: z.string(),
      S: z.string(),
      o: z.string(),
      q: z.string(),
      p: z.string(),
      ap: z.string(),
      sp: z.string().optional(),
      X: z.string(),
      i: z.union([z.number(), z.string()]),
      z: z.string(),
      R: z.boolean(),
    })
    .loose(),
});

const algoUpdate = z.object({
  e: z.literal("ALGO_UPDATE"),
  E: z.number(),
  T: z.number().optional(),
  o: z
    .object({
      caid: z.string(),
      aid: z.union([z.number(), z.string()]),
      o: z.string(),
      s: z.string(),
      S: z.string(),
      q: z.string(),
      X: z.string(),
      tp: z.string().default("0"),
      R: z.boolean().default(false),
      aq: z.string().optional(),
      ap: z.string().optional(),
    })
    .loose(),
});

export interface UserEventContext {
  accountId: string;
  /** Leverage and mark price are not in ACCOUNT_UPDATE; the gateway fills in the last it knows. */
  leverageOf(symbol: string): number;
  markPriceOf(symbol: string): Decimal | null;
  /** Remembers which protective orders already fired, so a trigger is reported once. */
  triggered: Set<string>;
  /** The last update passed on per order (see inOrder); the stream's, kept across reconnects. */
  orders: Map<string, OrderProgress>;
}

export interface OrderProgress {
  /** Transaction time (T, else the event time E) of the last update passed on. */
  at: number;
  filled: Decimal;
  final: boolean;
}

// Orders remembered per stream; the oldest are forgotten first (Map keeps insertion order).
const TRACKED_ORDERS = 10_000;
const FINAL: ReadonlySet<string> = new Set(["FILLED", "CANCELED", "REJECTED", "EXPIRED"]);

/**
 * Whether an order update may be passed on: not if it is older than the last one passed on for
 * that order, nor, at the same time, if it would move the order back (less filled, or open again
 * after a final status). Binance's stream carries no sequence number, so a late or replayed update
 * is told by its time; passing it on would show a filled order as NEW again.
 */
function inOrder(ctx: UserEventContext, key: string, at: number, order: ExchangeOrder): boolean {
  const last = ctx.orders.get(key);
  const final = FINAL.has(order.status);
  if (last) {
    if (at < last.at) return false;
    if (at === last.at && (order.filledQuantity.lt(last.filled) || (last.final && !final))) return false;
    ctx.orders.delete(key);
  }
  ctx.orders.set(key, { at, filled: order.filledQuantity, final });
  if (ctx.orders.size > TRACKED_ORDERS) ctx.orders.delete(ctx.orders.keys().next().value as string);
  return true;
}

export function toAccountEvents(message: unknown, ctx: UserEventContext): AccountEvent[] {
  const type = (message as { e?: unknown } | null)?.e;
  if (type === "ACCOUNT_UPDATE") {
    const u = accountUpdate.parse(message);
    const events: AccountEvent[] = [];
    if (u.a.B.length > 0) {
      events.push({
        type: "balance",
        accountId: ctx.accountId,
        at: u.E,
        // The stream has no available balance; cross wallet balance is the closest it sends.
        balances: u.a.B.map((b) => ({ asset: b.a, walletBalance: b.wb, availableBalance: b.cw })),
      });
    }
    if (u.a.P.length > 0) {
      // A flat position stays in, with quantity 0: it is how a subscriber learns the symbol closed.
      const positions: ExchangePosition[] = u.a.P.map((p) => ({
        symbol: p.s,
        side: p.ps === "BOTH" ? (p.pa.isNegative() ? "SHORT" : "LONG") : p.ps,
        quantity: p.pa.abs(),
        entryPrice: p.ep,
        leverage: ctx.leverageOf(p.s),
        markPrice: ctx.markPriceOf(p.s) ?? p.ep,
      }));
      events.push({ type: "position", accountId: ctx.accountId, at: u.E, positions });
    }
    return events;
  }
  if (type === "ORDER_TRADE_UPDATE") {
    const { E, T, o } = orderUpdate.parse(message);
    const order = toOrder({
      orderId: o.i,
      clientOrderId: o.c,
      symbol: o.s,
      side: o.S,
      type: o.o,
      status: o.X,
      origQty: o.q,
      executedQty: o.z,
      avgPrice: o.ap,
      price: o.p,
      stopPrice: o.sp,
      reduceOnly: o.R,
    });
    if (!inOrder(ctx, `order:${order.exchangeOrderId}`, T ?? E, order)) return [];
    return [{ type: "order", accountId: ctx.accountId, at: E, order }];
  }
  if (type === "ALGO_UPDATE") {
    const { E, T, o } = algoUpdate.parse(message);
    const order = toAlgoOrder({
      algoId: o.aid,
      clientAlgoId: o.caid,
      orderType: o.o,
      symbol: o.s,
      side: o.S,
      quantity: o.q,
      algoStatus: o.X,
      triggerPrice: o.tp,
      reduceOnly: o.R,
      executedQty: o.aq,
      avgPrice: o.ap,
    });
    if (!inOrder(ctx, `algo:${order.exchangeOrderId}`, T ?? E, order)) return [];
    const events: AccountEvent[] = [{ type: "order", accountId: ctx.accountId, at: E, order }];
    // TRIGGERED only means the order went to the matching engine (nothing filled yet); the
    // position is closed when FINISHED reports an executed quantity, as the simulated exchange
    // reports it: the event carries the fill, so whoever books the close gets the real PnL.
    if (order.status === "FILLED" && !ctx.triggered.has(o.caid)) {
      ctx.triggered.add(o.caid);
      events.push({ type: "protective-triggered", accountId: ctx.accountId, at: E, order });
    }
    return events;
  }
  // Other events (listenKeyExpired, MARGIN_CALL, TRADE_LITE, ...) carry nothing we model.
  return [];
}
