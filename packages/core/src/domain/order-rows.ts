import type { ExchangeOrder } from "../exchange/gateway.ts";
import { toWire, toWireOrNull } from "./money.ts";

/** The Order columns that record what the exchange said about an order. */
export function exchangeOrderRow(order: ExchangeOrder) {
  return {
    clientOrderId: order.clientOrderId,
    exchangeOrderId: order.exchangeOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    status: order.status,
    quantity: toWire(order.quantity),
    price: toWireOrNull(order.price),
    triggerPrice: toWireOrNull(order.triggerPrice),
    reduceOnly: order.reduceOnly,
    filledQuantity: toWire(order.filledQuantity),
    averagePrice: toWireOrNull(order.averagePrice),
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
