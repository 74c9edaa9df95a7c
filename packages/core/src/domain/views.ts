/**
 * What the domain hands out: plain, JSON-safe read models. Every amount is a decimal
 * string (Decimal.toFixed(), never an exponent) and every time an ISO string, so the API
 * can return them as they are and the web app reads the same types through AppRouter.
 */

import type { OrderSide, PositionSide } from "../exchange/gateway.ts";

export type DecimalString = string;
export type IsoTime = string;

export type ExchangeName = "SIMULATED" | "BINANCE_USDM";
/** The gateway's names: the domain hands out what the exchanges speak. */
export type PositionSideName = PositionSide;
export type OrderSideName = OrderSide;
export type OrderTypeName = "MARKET" | "LIMIT" | "STOP_MARKET" | "TAKE_PROFIT_MARKET";
/** EXTERNAL: placed outside the desk (found by reconciliation); shown, never cancelled by the desk. */
export type OrderRoleName = "ENTRY" | "EXIT" | "STOP_LOSS" | "TAKE_PROFIT" | "EXTERNAL";
/**
 * The exchange's statuses, plus the desk's own two: PENDING (recorded before it was sent, the
 * outcome not known yet) and PENDING_CANCEL (the desk asked the exchange to cancel it).
 */
export type OrderStatusName =
  | "PENDING"
  | "NEW"
  | "PARTIALLY_FILLED"
  | "FILLED"
  | "PENDING_CANCEL"
  | "CANCELED"
  | "REJECTED"
  | "EXPIRED";
export type PositionCloseReasonName = "TRADER" | "STOP_LOSS" | "TAKE_PROFIT" | "EXCHANGE";

export interface UserView {
  id: string;
  email: string;
  role: "TRADER" | "ADMIN";
}

export interface AccountView {
  id: string;
  exchange: ExchangeName;
  label: string;
  testnet: boolean;
}

export interface AssetBalanceView {
  asset: string;
  walletBalance: DecimalString;
  availableBalance: DecimalString;
}

export interface AccountBalancesView extends AccountView {
  balances: AssetBalanceView[];
}

/** A stop-loss or take-profit: the open trigger order protecting a position. */
export interface ProtectionView {
  orderId: string;
  clientOrderId: string;
  triggerPrice: DecimalString;
}

/** What every view of a position shows. */
export interface PositionBasics {
  id: string;
  accountId: string;
  symbol: string;
  side: PositionSideName;
  quantity: DecimalString;
  entryPrice: DecimalString;
  leverage: number;
  openedAt: IsoTime;
}

export interface PositionView extends PositionBasics {
  stopLoss: ProtectionView | null;
  takeProfit: ProtectionView | null;
  /** The price feed's latest tick on every read; null when the exchange has no price for the symbol. */
  markPrice: DecimalString | null;
  /** How old that tick was when read, ms. */
  markPriceAgeMs: number | null;
  /** Older than the feed's bound (the stream is late and a refresh did not help): say so. */
  markPriceStale: boolean;
  unrealizedPnl: DecimalString | null;
  notional: DecimalString | null;
  /** Its live orders placed outside the desk (role EXTERNAL, NEW or PARTIALLY_FILLED). */
  externalOrders: number;
}

/** Why a position closed when the trader did not close it. */
export type ExchangeCloseReasonName = Exclude<PositionCloseReasonName, "TRADER">;

/** A position the exchange closed (liquidation, a fired stop-loss or take-profit, ...) lately. */
export interface RecentlyClosedView {
  positionId: string;
  accountId: string;
  symbol: string;
  side: PositionSideName;
  quantity: DecimalString;
  closedBy: ExchangeCloseReasonName;
  closedAt: IsoTime;
  realizedPnl: DecimalString;
}

export interface TotalsView {
  /** Totals are in this asset; balances in other assets are listed but not summed. */
  currency: "USDT";
  walletBalance: DecimalString;
  unrealizedPnl: DecimalString;
  equity: DecimalString;
  notional: DecimalString;
}

export interface BalancesSummaryView {
  accounts: AccountBalancesView[];
  positions: PositionView[];
  totals: TotalsView;
  /** Positions closed not by the trader in the last 24 hours, newest first, at most 10. */
  recentlyClosed: RecentlyClosedView[];
  /** When the mark prices were read (now-ish). */
  pricesAt: IsoTime;
  /** Some position's mark price is older than the feed's bound. */
  pricesStale: boolean;
}

export interface BalancesRead {
  data: BalancesSummaryView;
  /** true when the structural part (accounts, balances, positions) came from the cache. */
  fromCache: boolean;
  /** When the structural part was loaded. */
  asOf: IsoTime;
  ageMs: number;
  /** true when the exchange failed and a bounded-age cached value was served instead. */
  stale: boolean;
}

export interface OrderView {
  id: string;
  accountId: string;
  positionId: string | null;
  role: OrderRoleName;
  clientOrderId: string;
  exchangeOrderId: string | null;
  symbol: string;
  side: OrderSideName;
  type: OrderTypeName;
  status: OrderStatusName;
  quantity: DecimalString;
  price: DecimalString | null;
  triggerPrice: DecimalString | null;
  reduceOnly: boolean;
  filledQuantity: DecimalString;
  averagePrice: DecimalString | null;
  /** Why it was rejected, cancelled or expired, when the desk knows. */
  statusReason: string | null;
  createdAt: IsoTime;
}

/** A position as our database records it (no prices). */
export interface PositionRecordView extends PositionBasics {
  status: "OPEN" | "CLOSED";
  realizedPnl: DecimalString;
  /** true while realizedPnl is the desk's estimate, before it is booked from the exchange's trades. */
  realizedPnlPending: boolean;
  closedAt: IsoTime | null;
  closedBy: PositionCloseReasonName | null;
}

export interface CreateOrderResult {
  /** false when this clientOrderId was seen before: the first order is returned, nothing was placed. */
  created: boolean;
  order: OrderView;
  /** The position the order opened; null for a LIMIT order still resting on the book. */
  position: PositionRecordView | null;
  protectiveOrders: OrderView[];
  /** Problems that did not undo the order (e.g. a take-profit the exchange refused). */
  warnings: string[];
}

export interface ClosePositionResult {
  closed: boolean;
  position: PositionRecordView;
  order: OrderView;
  canceledOrderIds: string[];
  warnings: string[];
}

export interface ModifySlTpResult {
  positionId: string;
  stopLoss: ProtectionView | null;
  takeProfit: ProtectionView | null;
  placed: OrderView[];
  canceledOrderIds: string[];
  warnings: string[];
}

export interface OrderPage {
  items: OrderView[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export type DeskEvent =
  | { type: "balances-changed"; reason: string }
  | { type: "mark-prices"; prices: Record<string, DecimalString>; at: IsoTime };

/** A tradable symbol and the filters an order must meet (decimal strings). */
export interface SymbolView {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: DecimalString;
  stepSize: DecimalString;
  minQuantity: DecimalString;
  maxQuantity: DecimalString;
  marketStepSize: DecimalString;
  marketMinQuantity: DecimalString;
  marketMaxQuantity: DecimalString;
  /** The smallest order value (quantity x price) that is not reduce-only. */
  minNotional: DecimalString;
}

export interface SymbolsView {
  symbols: SymbolView[];
  /** When the exchange's rules were loaded; refreshed every 5 minutes. */
  asOf: IsoTime;
  ageMs: number;
  /** The last refresh failed: these rules are older than 5 minutes. */
  stale: boolean;
}

export interface CancelOrdersResult {
  /** The orders as they ended: CANCELED, or what they had already become (a stop that fired is FILLED). */
  orders: OrderView[];
  /** A cancel the exchange could not take yet (reconciliation finishes it). */
  warnings: string[];
}

export interface OpenOrdersView {
  items: OrderView[];
  /** More than the panel shows. */
  truncated: boolean;
}

export interface PositionPage {
  items: PositionRecordView[];
  nextCursor: string | null;
}

export interface QuoteView {
  symbol: string;
  /** null when the exchange has no price for the symbol. */
  markPrice: DecimalString | null;
  ageMs: number | null;
  stale: boolean;
}

/** Realized PnL, fees and traded volume (USDT), summed over accounts and symbols. */
export interface HistoryTotalsView {
  realizedPnl: DecimalString;
  fees: DecimalString;
  /** realizedPnl - fees. */
  net: DecimalString;
  /** Filled quantity x average price of the orders placed. */
  volume: DecimalString;
  closedPositions: number;
  /** Closed positions that made money (realized PnL above 0): the win rate's numerator. */
  winningPositions: number;
  filledOrders: number;
}

/** One UTC day: PnL on the day a position closed, fees and volume on the day the order was placed. */
export interface DailyPnlDayView extends HistoryTotalsView {
  day: string;
}

/**
 * How fresh a history answer is. Days before `liveFrom` come from the daily view, as of
 * `viewRefreshedAt` (a fill or settlement since shows at its next refresh); from `liveFrom` on
 * (today, and every day since that refresh) they are aggregated live, exact as of `asOf`.
 */
export interface HistoryFreshness {
  asOf: IsoTime;
  liveFrom: string;
  /** null: no refresh is recorded, every day is aggregated live. */
  viewRefreshedAt: IsoTime | null;
}

export interface HistorySummaryView extends HistoryFreshness {
  /** The range read: null from the first day with history. */
  from: string | null;
  to: string;
  totals: HistoryTotalsView;
}

export interface DailyPnlView extends HistorySummaryView {
  /** Days with any activity, oldest first (days without are left out). */
  days: DailyPnlDayView[];
}

/** The symbols with history (a position closed, an order filled), delisted ones included; in order. */
export interface HistorySymbolsView {
  symbols: string[];
}
