import type Decimal from "decimal.js";
import type { OrderSideName } from "./views.ts";

/**
 * What the domain's mutations take. Amounts are already Decimals (the API parses the
 * wire strings); the user id is always a separate argument taken from the authenticated
 * caller, never part of a command.
 */

export interface CreateOrderCommand {
  accountId: string;
  /** Idempotency key; a repeat returns the first order. */
  clientOrderId: string;
  symbol: string;
  side: OrderSideName;
  type: "MARKET" | "LIMIT";
  quantity: Decimal;
  /** LIMIT only. */
  price?: Decimal;
  stopLoss?: Decimal;
  takeProfit?: Decimal;
  leverage?: number;
}

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
  /** The id of the last order of the previous page. */
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
