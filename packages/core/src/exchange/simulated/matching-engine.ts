import Decimal from "decimal.js";
import { averageEntryPrice } from "../entry-price.ts";
import { ExchangeRejectedError } from "../errors.ts";
import type {
  AccountEvent,
  AccountSnapshot,
  AssetBalance,
  CancelResult,
  ExchangeOrder,
  ExchangePosition,
  ExchangeTrade,
  LeverageRequest,
  LeverageSetting,
  OrderRef,
  PlaceOrderRequest,
  TradeQuery,
} from "../gateway.ts";
import { MARGIN_ASSET } from "../gateway.ts";
import { type Book, type BookPosition, isOpenOrder } from "./book.ts";
import { maxLeverageOf, maxNotionalAt, symbolRulesFor } from "./symbol-rules.ts";

/**
 * The simulated exchange's trading rules, as pure functions over one account's Book.
 * One-way mode (one net position per symbol), fills at the mark price (market orders,
 * triggered stop-loss / take-profit) or at the limit price (resting limit orders, whole when the
 * mark crosses, or a part at a time by fillRestingPart), no fees.
 * Each function mutates the book and returns the account events it caused.
 */
export interface EngineContext {
  accountId: string;
  now: number;
  /** Current mark price; only called for listed symbols. */
  mark(symbol: string): Decimal;
  hasSymbol(symbol: string): boolean;
  /** Leverage of a symbol the account never set (Binance's default is 20). */
  defaultLeverage: number;
  /** How many finished (filled, cancelled, expired) orders a book remembers. */
  finishedOrdersKept: number;
}

const ZERO = new Decimal(0);
/** Binance keeps balances and PnL to 8 decimals. */
const MONEY_DP = 8;
const CLIENT_ORDER_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export function placeOrder(
  book: Book,
  request: PlaceOrderRequest,
  ctx: EngineContext,
): { order: ExchangeOrder; events: AccountEvent[] } {
  validate(book, request, ctx);
  const mark = ctx.mark(request.symbol);
  const isTrigger = request.type === "STOP_MARKET" || request.type === "TAKE_PROFIT_MARKET";
  const reduceOnly = request.reduceOnly ?? false;

  if (reduceOnly && !isTrigger) {
    // A reduce-only order never increases or flips the position.
    const reducible = reducibleQuantity(book, request.symbol, request.side);
    if (reducible.isZero() || request.quantity.gt(reducible)) {
      throw new ExchangeRejectedError(
        `reduceOnly: the order would increase or flip the ${request.symbol} position`,
        -2022,
      );
    }
  }
  if (isTrigger && triggerCrossed(request.type, request.side, request.triggerPrice!, mark)) {
    throw new ExchangeRejectedError(
      `triggerPrice: ${request.triggerPrice} would trigger immediately at mark ${mark}`,
      -2021,
    );
  }
  if (!reduceOnly && !isTrigger) {
    const fillPrice =
      request.type === "LIMIT" && !limitCrossed(request.side, request.price!, mark) ? request.price! : mark;
    requireMargin(book, request, fillPrice, ctx);
  }

  const order: ExchangeOrder = {
    exchangeOrderId: String(book.nextOrderId++),
    clientOrderId: request.clientOrderId,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    status: "NEW",
    quantity: request.quantity,
    filledQuantity: ZERO,
    averagePrice: null,
    price: request.type === "LIMIT" ? request.price! : null,
    triggerPrice: isTrigger ? request.triggerPrice! : null,
    reduceOnly,
  };
  book.orders.set(order.clientOrderId, order);

  const events: AccountEvent[] = [];
  if (
    request.type === "MARKET" ||
    (request.type === "LIMIT" && limitCrossed(request.side, request.price!, mark))
  ) {
    // A marketable order takes liquidity at the mark (a better price than a crossing limit).
    fill(book, { order, quantity: request.quantity, price: mark }, ctx, events);
  } else {
    events.push(orderEvent("order", order, ctx));
  }
  forgetOldOrders(book, ctx.finishedOrdersKept);
  return { order: { ...order }, events };
}

export function cancelOrders(
  book: Book,
  refs: readonly OrderRef[],
  ctx: EngineContext,
): { results: CancelResult[]; events: AccountEvent[] } {
  const events: AccountEvent[] = [];
  const results = refs.map((ref): CancelResult => {
    const order = findOrder(book, ref);
    if (!order) {
      return { clientOrderId: ref.clientOrderId, cancelled: false, reason: "unknown order" };
    }
    if (!isOpenOrder(order)) {
      return {
        clientOrderId: ref.clientOrderId,
        cancelled: false,
        reason: `order is ${order.status}`,
        status: order.status,
      };
    }
    order.status = "CANCELED";
    events.push(orderEvent("order", order, ctx));
    return { clientOrderId: ref.clientOrderId, cancelled: true };
  });
  return { results, events };
}

/**
 * Sets the symbol's leverage, as Binance does: it applies to the open position and the open orders
 * of the symbol at once. Lowering it is refused (-2028) when the margin at the new leverage would
 * exceed the available balance (cross margin: what is left of the wallet and unrealized PnL);
 * raising it is always taken. The bracket's notional is reported, not enforced. No event: Binance
 * tells a leverage change only by ACCOUNT_CONFIG_UPDATE, which the gateways do not model.
 */
export function setLeverage(book: Book, request: LeverageRequest, ctx: EngineContext): LeverageSetting {
  const { symbol, leverage } = request;
  if (!ctx.hasSymbol(symbol)) throw new ExchangeRejectedError(`symbol: ${symbol} is not listed`, -1121);
  const most = maxLeverageOf(symbol);
  if (!Number.isInteger(leverage) || leverage < 1 || leverage > most) {
    throw new ExchangeRejectedError(
      `leverage: ${leverage} is not valid for ${symbol} (a whole number from 1 to ${most})`,
      -4028,
    );
  }
  const before = leverageOf(book, symbol, ctx);
  book.leverage.set(symbol, leverage);
  if (leverage < before && availableMargin(book, ctx).lt(0)) {
    book.leverage.set(symbol, before);
    throw new ExchangeRejectedError(
      `leverage: ${leverage}x needs more margin for the open ${symbol} position and orders than is available`,
      -2028,
    );
  }
  return { symbol, leverage, maxNotional: maxNotionalAt(leverage) };
}

/** The leverage the symbol trades at for this account. */
function leverageOf(book: Book, symbol: string, ctx: EngineContext): number {
  return book.leverage.get(symbol) ?? ctx.defaultLeverage;
}

/** Runs resting limit orders and stop-loss / take-profit triggers against the current marks. */
export function matchOrders(book: Book, ctx: EngineContext, symbols?: ReadonlySet<string>): AccountEvent[] {
  const events: AccountEvent[] = [];
  for (const order of [...book.orders.values()]) {
    if (!isOpenOrder(order) || (symbols && !symbols.has(order.symbol))) continue;
    if (!ctx.hasSymbol(order.symbol)) continue;
    const mark = ctx.mark(order.symbol);
    if (order.type === "LIMIT") {
      if (limitCrossed(order.side, order.price!, mark)) fillResting(book, order, order.price!, ctx, events);
    } else if (order.type === "STOP_MARKET" || order.type === "TAKE_PROFIT_MARKET") {
      if (triggerCrossed(order.type, order.side, order.triggerPrice!, mark)) {
        fillResting(book, order, mark, ctx, events);
      }
    }
  }
  return events;
}

/**
 * A counterparty takes `quantity` of a resting LIMIT order (not reduce-only) at its price:
 * PARTIALLY_FILLED while some is left, FILLED by the last of it. The market alone fills a resting
 * order whole when it crosses (matchOrders); this is how a book sees the partial fills a thin
 * market gives.
 */
export function fillRestingPart(
  book: Book,
  ref: OrderRef,
  quantity: Decimal,
  ctx: EngineContext,
): AccountEvent[] {
  const order = findOrder(book, { ...ref, kind: "regular" });
  if (order?.type !== "LIMIT" || order.reduceOnly || !isOpenOrder(order)) {
    throw new ExchangeRejectedError(`${ref.clientOrderId}: no resting LIMIT order to fill`, -2013);
  }
  const left = order.quantity.minus(order.filledQuantity);
  if (!quantity.gt(0) || quantity.gt(left)) {
    throw new ExchangeRejectedError(`quantity: ${quantity} is not within the ${left} left of the order`);
  }
  const events: AccountEvent[] = [];
  fill(book, { order, quantity, price: order.price! }, ctx, events);
  return events;
}

/**
 * Keeps every open order and the latest finished ones, so a book (saved whole after every change)
 * stays small; Binance forgets old orders too. A forgotten clientOrderId can be used again.
 */
function forgetOldOrders(book: Book, kept: number): void {
  if (book.trades.length > kept) book.trades.splice(0, book.trades.length - kept);
  let finished = 0;
  for (const order of book.orders.values()) if (!isOpenOrder(order)) finished++;
  for (const [clientOrderId, order] of book.orders) {
    if (finished <= kept) return;
    if (!isOpenOrder(order)) {
      book.orders.delete(clientOrderId);
      finished--;
    }
  }
}

/**
 * An order by clientOrderId. Like Binance, trigger (algo) orders and regular orders are separate
 * books: a ref of one kind does not find an order of the other; a ref without a kind finds either.
 */
export function findOrder(book: Book, ref: OrderRef): ExchangeOrder | undefined {
  const order = book.orders.get(ref.clientOrderId);
  if (!order || order.symbol !== ref.symbol) return undefined;
  if (ref.kind && ref.kind !== orderKind(order.type)) return undefined;
  return order;
}

export function orderKind(type: ExchangeOrder["type"]): "regular" | "trigger" {
  return type === "STOP_MARKET" || type === "TAKE_PROFIT_MARKET" ? "trigger" : "regular";
}

export function snapshot(book: Book, ctx: EngineContext): AccountSnapshot {
  return {
    balances: balances(book, ctx),
    positions: [...book.positions.values()].map((p) => toExchangePosition(book, p, ctx)),
    asOf: ctx.now,
  };
}

/** Fills on a symbol since a time, oldest first. */
export function trades(book: Book, query: TradeQuery): ExchangeTrade[] {
  return book.trades
    .filter((trade) => trade.symbol === query.symbol && trade.time >= query.startTime)
    .map((trade) => ({ ...trade }));
}

export function openOrders(book: Book): ExchangeOrder[] {
  return [...book.orders.values()].filter(isOpenOrder).map((o) => ({ ...o }));
}

function validate(book: Book, request: PlaceOrderRequest, ctx: EngineContext): void {
  if (!CLIENT_ORDER_ID.test(request.clientOrderId)) {
    throw new ExchangeRejectedError("clientOrderId: 1-36 characters of [.A-Z:/a-z0-9_-]", -1100);
  }
  if (!ctx.hasSymbol(request.symbol))
    throw new ExchangeRejectedError(`symbol: ${request.symbol} is not listed`, -1121);
  if (!request.quantity.isFinite() || request.quantity.lte(0)) {
    throw new ExchangeRejectedError("quantity: must be greater than zero", -4003);
  }
  if (request.type === "LIMIT" && !(request.price?.isFinite() && request.price.gt(0))) {
    throw new ExchangeRejectedError("price: a LIMIT order needs a price greater than zero", -1102);
  }
  if (
    (request.type === "STOP_MARKET" || request.type === "TAKE_PROFIT_MARKET") &&
    !(request.triggerPrice?.isFinite() && request.triggerPrice.gt(0))
  ) {
    throw new ExchangeRejectedError(
      `triggerPrice: a ${request.type} order needs a triggerPrice greater than zero`,
      -1102,
    );
  }
  if (book.orders.has(request.clientOrderId)) {
    throw new ExchangeRejectedError(`clientOrderId: ${request.clientOrderId} is duplicated`, -4116);
  }
  checkFilters(request, ctx);
}

/** The symbol's filters, as Binance enforces them (the desk checks the same before sending). */
function checkFilters(request: PlaceOrderRequest, ctx: EngineContext): void {
  const rules = symbolRulesFor(request.symbol);
  const market = request.type === "MARKET";
  const step = market ? rules.marketStepSize : rules.stepSize;
  const min = market ? rules.marketMinQuantity : rules.minQuantity;
  const max = market ? rules.marketMaxQuantity : rules.maxQuantity;
  if (!request.quantity.mod(step).isZero() || request.quantity.lt(min) || request.quantity.gt(max)) {
    throw new ExchangeRejectedError(
      `quantity: Filter failure: ${market ? "MARKET_LOT_SIZE" : "LOT_SIZE"} (step ${step}, min ${min}, max ${max})`,
      -1013,
    );
  }
  for (const price of [request.price, request.triggerPrice]) {
    if (price && !price.mod(rules.tickSize).isZero()) {
      throw new ExchangeRejectedError(`price: Price not increased by tick size (${rules.tickSize}).`, -4014);
    }
  }
  const notional = request.quantity.mul(request.type === "LIMIT" ? request.price! : ctx.mark(request.symbol));
  if (!request.reduceOnly && notional.lt(rules.minNotional)) {
    throw new ExchangeRejectedError(
      `quantity: Order's notional must be no smaller than ${rules.minNotional} (unless you choose reduce only)`,
      -4164,
    );
  }
}

function limitCrossed(side: ExchangeOrder["side"], price: Decimal, mark: Decimal): boolean {
  return side === "BUY" ? mark.lte(price) : mark.gte(price);
}

/** A SELL stop protects a long (fires on the way down), a SELL take-profit fires on the way up; BUY mirrors. */
function triggerCrossed(
  type: ExchangeOrder["type"],
  side: ExchangeOrder["side"],
  trigger: Decimal,
  mark: Decimal,
) {
  const firesBelow = (type === "STOP_MARKET") === (side === "SELL");
  return firesBelow ? mark.lte(trigger) : mark.gte(trigger);
}

/** How much of the position an order on this side can close. */
function reducibleQuantity(book: Book, symbol: string, side: ExchangeOrder["side"]): Decimal {
  const position = book.positions.get(symbol);
  if (!position) return ZERO;
  const closes = (position.side === "LONG") === (side === "SELL");
  return closes ? position.quantity : ZERO;
}

function fillResting(
  book: Book,
  order: ExchangeOrder,
  price: Decimal,
  ctx: EngineContext,
  events: AccountEvent[],
) {
  let quantity = order.quantity.minus(order.filledQuantity);
  if (order.reduceOnly) {
    // Whatever is left of the position by now; the rest of a reduce-only order expires.
    quantity = Decimal.min(quantity, reducibleQuantity(book, order.symbol, order.side));
    if (quantity.isZero()) {
      order.status = "EXPIRED";
      events.push(orderEvent("order", order, ctx));
      return;
    }
  }
  fill(book, { order, quantity, price }, ctx, events);
}

/** Applies a fill to the order, the position and the wallet, and records the events. */
function fill(
  book: Book,
  { order, quantity, price }: { order: ExchangeOrder; quantity: Decimal; price: Decimal },
  ctx: EngineContext,
  events: AccountEvent[],
): void {
  const previousFill = order.averagePrice?.mul(order.filledQuantity) ?? ZERO;
  order.filledQuantity = order.filledQuantity.plus(quantity);
  order.averagePrice = previousFill
    .plus(price.mul(quantity))
    .div(order.filledQuantity)
    .toDecimalPlaces(MONEY_DP);
  // A part of a resting order leaves the rest on the book; a reduce-only order is done by what
  // was left to reduce (the rest expires with it).
  order.status = !order.reduceOnly && order.filledQuantity.lt(order.quantity) ? "PARTIALLY_FILLED" : "FILLED";

  const before = book.positions.get(order.symbol);
  const signedBefore = signed(before);
  const signedAfter = signedBefore.plus(order.side === "BUY" ? quantity : quantity.neg());
  // The part of the fill that closes the current position realizes PnL at the fill price.
  const closing =
    before && signedBefore.isPositive() !== (order.side === "BUY")
      ? Decimal.min(quantity, before.quantity)
      : ZERO;
  const realized = before && closing.gt(0) ? pnl(before, closing, price) : ZERO;

  const leverage = leverageOf(book, order.symbol, ctx);
  if (signedAfter.isZero()) {
    book.positions.delete(order.symbol);
  } else if (!before || signedBefore.isPositive() !== signedAfter.isPositive()) {
    book.positions.set(order.symbol, {
      symbol: order.symbol,
      side: signedAfter.isPositive() ? "LONG" : "SHORT",
      quantity: signedAfter.abs(),
      entryPrice: price,
    });
    // Pinned: the position keeps this leverage whatever the default is later.
    book.leverage.set(order.symbol, leverage);
  } else if (signedAfter.abs().gt(before.quantity)) {
    const entryPrice = averageEntryPrice(before, { quantity, price });
    book.positions.set(order.symbol, { ...before, quantity: signedAfter.abs(), entryPrice });
  } else {
    book.positions.set(order.symbol, { ...before, quantity: signedAfter.abs() });
  }
  const realizedPnl = realized.toDecimalPlaces(MONEY_DP);
  order.realizedPnl = (order.realizedPnl ?? ZERO).plus(realizedPnl);
  const wallet = book.balances.get(MARGIN_ASSET) ?? ZERO;
  book.balances.set(MARGIN_ASSET, wallet.plus(realizedPnl));
  book.trades.push({
    tradeId: String(book.nextTradeId++),
    exchangeOrderId: order.exchangeOrderId,
    symbol: order.symbol,
    side: order.side,
    quantity,
    price,
    realizedPnl,
    // The simulated exchange charges no commission.
    fee: ZERO,
    time: ctx.now,
  });

  const isTrigger = order.type === "STOP_MARKET" || order.type === "TAKE_PROFIT_MARKET";
  events.push(orderEvent(isTrigger && order.reduceOnly ? "protective-triggered" : "order", order, ctx));

  // The position went flat (or flipped): its stop-loss and take-profit have nothing left to protect.
  if (before && (signedAfter.isZero() || signedBefore.isPositive() !== signedAfter.isPositive())) {
    for (const other of book.orders.values()) {
      if (other !== order && other.symbol === order.symbol && isOpenOrder(other) && other.reduceOnly) {
        if (other.type === "STOP_MARKET" || other.type === "TAKE_PROFIT_MARKET") {
          other.status = "CANCELED";
          events.push(orderEvent("order", other, ctx));
        }
      }
    }
  }

  const after = book.positions.get(order.symbol);
  const position: ExchangePosition = after
    ? toExchangePosition(book, after, ctx)
    : {
        symbol: order.symbol,
        side: before?.side ?? (order.side === "BUY" ? "LONG" : "SHORT"),
        quantity: ZERO,
        entryPrice: ZERO,
        leverage,
        markPrice: ctx.mark(order.symbol),
      };
  events.push({ type: "position", accountId: ctx.accountId, positions: [position], at: ctx.now });
  events.push({ type: "balance", accountId: ctx.accountId, balances: balances(book, ctx), at: ctx.now });
}

function signed(position: BookPosition | undefined): Decimal {
  if (!position) return ZERO;
  return position.side === "LONG" ? position.quantity : position.quantity.neg();
}

function pnl(position: BookPosition, quantity: Decimal, price: Decimal): Decimal {
  const perUnit =
    position.side === "LONG" ? price.minus(position.entryPrice) : position.entryPrice.minus(price);
  return perUnit.mul(quantity);
}

/** Cross margin like Binance: wallet + unrealized PnL - initial margin of positions and open orders. */
function availableMargin(book: Book, ctx: EngineContext): Decimal {
  let available = book.balances.get(MARGIN_ASSET) ?? ZERO;
  for (const position of book.positions.values()) {
    const mark = ctx.mark(position.symbol);
    available = available
      .plus(pnl(position, position.quantity, mark))
      .minus(position.quantity.mul(mark).div(leverageOf(book, position.symbol, ctx)));
  }
  for (const order of book.orders.values()) {
    if (isOpenOrder(order) && order.type === "LIMIT" && !order.reduceOnly) {
      const resting = order.quantity.minus(order.filledQuantity);
      available = available.minus(resting.mul(order.price!).div(leverageOf(book, order.symbol, ctx)));
    }
  }
  return available;
}

function requireMargin(book: Book, request: PlaceOrderRequest, price: Decimal, ctx: EngineContext): void {
  const position = book.positions.get(request.symbol);
  const closes = position ? (position.side === "LONG") === (request.side === "SELL") : false;
  const opening = closes ? Decimal.max(ZERO, request.quantity.minus(position!.quantity)) : request.quantity;
  const required = opening.mul(price).div(leverageOf(book, request.symbol, ctx));
  if (required.gt(availableMargin(book, ctx))) {
    throw new ExchangeRejectedError(
      `quantity: margin is insufficient for ${request.quantity} ${request.symbol}`,
      -2019,
    );
  }
}

function balances(book: Book, ctx: EngineContext): AssetBalance[] {
  return [...book.balances].map(([asset, walletBalance]) => ({
    asset,
    walletBalance,
    availableBalance:
      asset === MARGIN_ASSET
        ? Decimal.max(ZERO, availableMargin(book, ctx)).toDecimalPlaces(MONEY_DP)
        : walletBalance,
  }));
}

function toExchangePosition(book: Book, position: BookPosition, ctx: EngineContext): ExchangePosition {
  return {
    ...position,
    leverage: leverageOf(book, position.symbol, ctx),
    markPrice: ctx.mark(position.symbol),
  };
}

function orderEvent(
  type: "order" | "protective-triggered",
  order: ExchangeOrder,
  ctx: EngineContext,
): AccountEvent {
  return { type, accountId: ctx.accountId, order: { ...order }, at: ctx.now };
}
