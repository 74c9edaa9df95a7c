import { createHash } from "node:crypto";
import type { Order, Prisma } from "@tradedesk/db";
import { ExchangeError, ExchangeOrderStatusUnknownError } from "../exchange/errors.ts";
import type {
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  PlaceOrderRequest,
} from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { placeOrAdoptOrder } from "./exchange-accounts.ts";
import { toWire, toWireOrNull } from "./money.ts";
import { errorMessage, exchangeOrderRow } from "./order-rows.ts";
import type { OrderStatusName } from "./views.ts";

/**
 * Intent before effect: every order the desk sends is first recorded as a PENDING row with its
 * clientOrderId, then resolved with the exchange's answer. A crash between the two leaves the
 * row, from which a retry (same clientOrderId) or the reconciler finishes the job; nothing the
 * desk placed can be live on the exchange without a row.
 */

export type OrderRole = "ENTRY" | "EXIT" | "STOP_LOSS" | "TAKE_PROFIT";

/** Rows the exchange may hold live, or whose outcome is not settled yet. */
export const UNSETTLED_STATUSES = ["PENDING", "NEW", "PARTIALLY_FILLED", "PENDING_CANCEL"] as const;

/** Orders that protect (or may protect: PENDING) a position. */
export const PROTECTING_STATUSES = ["PENDING", "NEW", "PARTIALLY_FILLED"] as const;

/** The PENDING row recording an order about to be sent. */
export function intentRow(
  accountId: string,
  positionId: string | null,
  role: OrderRole,
  request: PlaceOrderRequest,
  /** The desk's clock: the reconciler's grace for intents in flight is measured on it. */
  recordedAt: Date,
): Prisma.OrderUncheckedCreateInput {
  return {
    createdAt: recordedAt,
    updatedAt: recordedAt,
    accountId,
    positionId,
    role,
    clientOrderId: request.clientOrderId,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    quantity: toWire(request.quantity),
    price: toWireOrNull(request.price),
    triggerPrice: toWireOrNull(request.triggerPrice),
    reduceOnly: request.reduceOnly ?? false,
    status: "PENDING",
  };
}

/**
 * The stored statuses an exchange status may overwrite. Updates arrive late and out of order (a
 * stream event queued behind the desk's own write), so a row only moves forward: a final status
 * is never changed, and a live one never undoes the desk's PENDING_CANCEL.
 */
export function statusesReplaceableBy(status: ExchangeOrder["status"]): OrderStatusName[] {
  return status === "NEW" || status === "PARTIALLY_FILLED"
    ? ["PENDING", "NEW", "PARTIALLY_FILLED"]
    : [...UNSETTLED_STATUSES];
}

/** The exchange's answer written into the intent's row. */
export function resolvedRow(order: ExchangeOrder) {
  const { clientOrderId: _, ...fields } = exchangeOrderRow(order);
  return { ...fields, statusReason: null };
}

/**
 * A row whose order the exchange never took may be sent again under its clientOrderId: a
 * PENDING intent (a crash, a lost answer) or one refused before reaching the book.
 */
export function canResend(order: Pick<Order, "status" | "exchangeOrderId">): boolean {
  return order.status === "PENDING" || (order.status === "REJECTED" && order.exchangeOrderId === null);
}

/** The exchange answered, and the order certainly does not exist (refused, rate limited, not sent). */
export function definitelyNotPlaced(error: unknown): boolean {
  return error instanceof ExchangeError && !(error instanceof ExchangeOrderStatusUnknownError);
}

/**
 * Sends a recorded intent (place, or adopt the order the exchange already holds under its
 * clientOrderId). The caller writes the answer, usually with the rest of its transaction. On
 * failure the row is resolved REJECTED when the order certainly does not exist; otherwise it
 * stays PENDING and the reconciler is asked to settle it.
 */
export async function sendIntent(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  intent: Pick<Order, "id" | "accountId">,
  request: PlaceOrderRequest,
  /**
   * An earlier send of this row had an unknown outcome (a crash, a lost answer): this send failing
   * proves nothing about that one, so the row stays PENDING for the retry or the reconciler.
   */
  earlierOutcomeUnknown = false,
): Promise<ExchangeOrder> {
  try {
    return await placeOrAdoptOrder(gateway, account, request);
  } catch (error) {
    if (definitelyNotPlaced(error) && !earlierOutcomeUnknown) {
      await deps.prisma.order.updateMany({
        where: { id: intent.id, status: "PENDING" },
        data: { status: "REJECTED", statusReason: reasonText(error) },
      });
    } else {
      deps.requestReconcile(intent.accountId);
    }
    throw error;
  }
}

/** A stop-loss / take-profit's clientOrderId derived from its parent order's: a retry finds the same one. */
export function protectiveClientOrderId(parentClientOrderId: string, role: "STOP_LOSS" | "TAKE_PROFIT") {
  const digest = createHash("sha256")
    .update(`${parentClientOrderId}:${role}`)
    .digest("base64url")
    .slice(0, 32);
  return `${role === "STOP_LOSS" ? "sl" : "tp"}-${digest}`;
}

export function reasonText(error: unknown): string {
  return errorMessage(error).slice(0, 300);
}
