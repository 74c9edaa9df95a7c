import Decimal from "decimal.js";
import { z } from "zod";
import type { ExchangeOrder, ExchangeTrade, OrderSide, PositionSide } from "../gateway.ts";
import { MARGIN_ASSET, ORDER_SIDES, POSITION_SIDES } from "../gateway.ts";

/** One account's books on the simulated exchange: balances, positions and every order it took. */
export interface Book {
  /** Wallet balance per asset (USDT is the margin asset). */
  balances: Map<string, Decimal>;
  /** One net position per symbol (one-way mode); flat positions are removed. */
  positions: Map<string, BookPosition>;
  /**
   * The account's leverage per symbol, as set (a symbol not in it trades at the exchange's
   * default): new positions open at it and an open position follows it, as on Binance. Every
   * open position's symbol is in it (a position opened at the default pins it).
   */
  leverage: Map<string, number>;
  /** Every order by clientOrderId, in the order they were placed (Map keeps insertion order). */
  orders: Map<string, ExchangeOrder>;
  nextOrderId: number;
  /** Fills, oldest first (the latest ones only, like the orders): the trade history. */
  trades: ExchangeTrade[];
  nextTradeId: number;
}

/** A position; its leverage is the symbol's (Book.leverage). */
export interface BookPosition {
  symbol: string;
  side: PositionSide;
  quantity: Decimal;
  entryPrice: Decimal;
}

/** What the server hands over to bootstrap an account that has no book yet. */
export interface InitialBook {
  balances?: { asset: string; walletBalance: string }[];
  positions: {
    symbol: string;
    side: PositionSide;
    quantity: string;
    entryPrice: string;
    leverage: number;
  }[];
  triggerOrders: {
    clientOrderId: string;
    symbol: string;
    side: OrderSide;
    type: "STOP_MARKET" | "TAKE_PROFIT_MARKET";
    quantity: string;
    triggerPrice: string;
  }[];
}

export function createBook(startingBalance: Decimal, initial: InitialBook | null): Book {
  const book: Book = {
    balances: new Map([[MARGIN_ASSET, startingBalance]]),
    positions: new Map(),
    leverage: new Map(),
    orders: new Map(),
    nextOrderId: 1,
    trades: [],
    nextTradeId: 1,
  };
  if (!initial) return book;
  for (const balance of initial.balances ?? []) {
    book.balances.set(balance.asset, new Decimal(balance.walletBalance));
  }
  for (const position of initial.positions) {
    book.positions.set(position.symbol, {
      symbol: position.symbol,
      side: position.side,
      quantity: new Decimal(position.quantity),
      entryPrice: new Decimal(position.entryPrice),
    });
    book.leverage.set(position.symbol, position.leverage);
  }
  for (const trigger of initial.triggerOrders) {
    book.orders.set(trigger.clientOrderId, {
      exchangeOrderId: String(book.nextOrderId++),
      clientOrderId: trigger.clientOrderId,
      symbol: trigger.symbol,
      side: trigger.side,
      type: trigger.type,
      status: "NEW",
      quantity: new Decimal(trigger.quantity),
      filledQuantity: new Decimal(0),
      averagePrice: null,
      price: null,
      triggerPrice: new Decimal(trigger.triggerPrice),
      reduceOnly: true,
    });
  }
  return book;
}

// Persisted form: plain JSON, every amount a decimal string.
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "a decimal string");
const persistedOrder = z.object({
  exchangeOrderId: z.string(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(ORDER_SIDES),
  type: z.enum(["MARKET", "LIMIT", "STOP_MARKET", "TAKE_PROFIT_MARKET"]),
  status: z.enum(["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED"]),
  quantity: decimalString,
  filledQuantity: decimalString,
  averagePrice: decimalString.nullable(),
  price: decimalString.nullable(),
  triggerPrice: decimalString.nullable(),
  reduceOnly: z.boolean(),
  realizedPnl: decimalString.optional(),
});
const persistedTrade = z.object({
  tradeId: z.string(),
  exchangeOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(ORDER_SIDES),
  quantity: decimalString,
  price: decimalString,
  realizedPnl: decimalString,
  // Books stored before fees were recorded have none: 0, as charged.
  fee: decimalString.default("0"),
  time: z.number().int(),
});
const leverage = z.number().int().positive();
const persistedBook = z.object({
  // Version 1 books (before trade history) read as books with no trades yet.
  version: z.union([z.literal(1), z.literal(2)]),
  balances: z.array(z.object({ asset: z.string(), walletBalance: decimalString })),
  positions: z.array(
    z.object({
      symbol: z.string(),
      side: z.enum(POSITION_SIDES),
      quantity: decimalString,
      entryPrice: decimalString,
      // The symbol's leverage, kept on each position too: what books before per-symbol
      // leverage held, and what a server of that version still reads.
      leverage,
    }),
  ),
  // Symbol -> leverage as set; absent in books written before it (their positions carry theirs).
  // An addition, not a new version: servers that do not know it read the book and ignore it.
  leverage: z.record(z.string(), leverage).optional(),
  orders: z.array(persistedOrder),
  nextOrderId: z.number().int().positive(),
  trades: z.array(persistedTrade).default([]),
  nextTradeId: z.number().int().positive().default(1),
});
export type PersistedBook = z.infer<typeof persistedBook>;

/**
 * Whether a stored book has an order the market can still fill (status NEW), read from the
 * persisted JSON without parsing the whole book: the stores keep this next to each row, so a
 * price move finds the books to match without reading every one.
 */
/** Still on the book: resting (or waiting for its trigger), whole or with part of it filled. */
export function isOpenOrder(order: { status?: unknown } | null): boolean {
  return order?.status === "NEW" || order?.status === "PARTIALLY_FILLED";
}

export function storedBookHasOpenOrders(stored: unknown): boolean {
  const orders = (stored as { orders?: unknown } | null)?.orders;
  return Array.isArray(orders) && orders.some((order) => isOpenOrder(order as { status?: unknown } | null));
}

export function serializeBook(book: Book): PersistedBook {
  const nullable = (value: Decimal | null) => (value === null ? null : value.toFixed());
  return {
    version: 2,
    balances: [...book.balances].map(([asset, wallet]) => ({ asset, walletBalance: wallet.toFixed() })),
    positions: [...book.positions.values()].map((p) => ({
      symbol: p.symbol,
      side: p.side,
      quantity: p.quantity.toFixed(),
      entryPrice: p.entryPrice.toFixed(),
      leverage: book.leverage.get(p.symbol)!,
    })),
    leverage: Object.fromEntries(book.leverage),
    orders: [...book.orders.values()].map(({ realizedPnl, ...o }) => ({
      ...o,
      quantity: o.quantity.toFixed(),
      filledQuantity: o.filledQuantity.toFixed(),
      averagePrice: nullable(o.averagePrice),
      price: nullable(o.price),
      triggerPrice: nullable(o.triggerPrice),
      ...(realizedPnl ? { realizedPnl: realizedPnl.toFixed() } : {}),
    })),
    nextOrderId: book.nextOrderId,
    trades: book.trades.map((t) => ({
      ...t,
      quantity: t.quantity.toFixed(),
      price: t.price.toFixed(),
      realizedPnl: t.realizedPnl.toFixed(),
      fee: t.fee.toFixed(),
    })),
    nextTradeId: book.nextTradeId,
  };
}

/** Reads a stored book back; a malformed one is an error (never silently replaced by a fresh book). */
export function parseBook(stored: unknown): Book {
  const state = persistedBook.parse(stored);
  const nullable = (value: string | null) => (value === null ? null : new Decimal(value));
  return {
    balances: new Map(state.balances.map((b) => [b.asset, new Decimal(b.walletBalance)])),
    positions: new Map(
      state.positions.map(({ leverage: _, ...p }) => [
        p.symbol,
        { ...p, quantity: new Decimal(p.quantity), entryPrice: new Decimal(p.entryPrice) },
      ]),
    ),
    // An open position's own leverage wins: it is what the position was opened or last set at.
    leverage: new Map([
      ...Object.entries(state.leverage ?? {}),
      ...state.positions.map((p): [string, number] => [p.symbol, p.leverage]),
    ]),
    orders: new Map(
      state.orders.map(({ realizedPnl, ...o }) => [
        o.clientOrderId,
        {
          ...o,
          quantity: new Decimal(o.quantity),
          filledQuantity: new Decimal(o.filledQuantity),
          averagePrice: nullable(o.averagePrice),
          price: nullable(o.price),
          triggerPrice: nullable(o.triggerPrice),
          ...(realizedPnl ? { realizedPnl: new Decimal(realizedPnl) } : {}),
        },
      ]),
    ),
    nextOrderId: state.nextOrderId,
    trades: state.trades.map((t) => ({
      ...t,
      quantity: new Decimal(t.quantity),
      price: new Decimal(t.price),
      realizedPnl: new Decimal(t.realizedPnl),
      fee: new Decimal(t.fee),
    })),
    nextTradeId: state.nextTradeId,
  };
}
