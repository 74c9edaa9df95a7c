import type Decimal from "decimal.js";
import type { OrderSideName } from "./views.ts";

/**
 * What the domain's mutations take. Amounts are already Decimals (the API parses the
 * wire strings); the user id is always a separate argument taken from the authenticated
 * caller, never part of a command.
 */

interface OrderCommandBase {
  accountId: string;
  /** Idempotency key; a repeat returns the first order. */
  clientOrderId: string;
  symbol: string;
  side: OrderSideName;
  quantity: Decimal;
  leverage?: number;
}

export interface MarketOrderCommand extends OrderCommandBase {
  type: "MARKET";
  price?: undefined;
  stopLoss?: Decimal;
  takeProfit?: Decimal;
}

/** A resting LIMIT order has no position to protect yet: SL/TP are set once it fills. */
export interface LimitOrderCommand extends OrderCommandBase {
  type: "LIMIT";
  price: Decimal;
  stopLoss?: undefined;
  takeProfit?: undefined;
}

/**
 * An order to place. Which fields go with which type is the API's input rule (zod names the
 * field); the union states it here, so the domain does not check it again.
 */
export type CreateOrderCommand = MarketOrderCommand | LimitOrderCommand;

export interface ClosePositionCommand {
  positionId: string;
  clientOrderId: string;
}

export interface ModifySlTpCommand {
  positionId: string;
  /** A Decimal sets it, null removes it, undefined keeps what is there. */
  stopLoss?: Decimal | null;
  takeProfit?: Decimal | null;
}

export interface ListOrdersQuery {
  accountId?: string;
  limit: number;
  /** The previous page's nextCursor (opaque: where that page ended). */
  cursor?: string;
}

/** One order by id, or every open order of a symbol on an account. */
export type CancelOrdersCommand = { orderId: string } | { accountId: string; symbol: string };

export interface ClosedPositionsQuery {
  accountId?: string;
  limit: number;
  /** The id of the last position of the previous page. */
  cursor?: string;
}

/** A range of UTC days of the user's history: the last N days, or from / to (inclusive). */
export interface DailyPnlQuery {
  /** Only this account; another user's reads as an account without history. */
  accountId?: string;
  /** Only this symbol (e.g. BTCUSDT). */
  symbol?: string;
  /** The last N UTC days, today included (instead of from / to). */
  lastDays?: number;
  /** "YYYY-MM-DD", the first day; absent: from the first day with history. */
  from?: string;
  /** "YYYY-MM-DD", the last day; absent: today. */
  to?: string;
}
