import type { ExchangeOrder } from "../exchange/gateway.ts";
import { type DecimalLike, toWire, toWireOrNull } from "./money.ts";
import type { OrderStatusName } from "./views.ts";

type OrderAmounts = Omit<
  ExchangeOrder,
  "quantity" | "filledQuantity" | "averagePrice" | "price" | "triggerPrice" | "exchangeOrderId" | "status"
> & {
  /** The exchange's statuses, and the desk's PENDING / PENDING_CANCEL for a stored order. */
  status: OrderStatusName;
  exchangeOrderId: string | null;
  quantity: DecimalLike;
  filledQuantity: DecimalLike;
  averagePrice: DecimalLike | null;
  price: DecimalLike | null;
  triggerPrice: DecimalLike | null;
};

/** An order's exchange-side fields as decimal strings: the Order columns to write, and the wire view. */
export function exchangeOrderRow(order: OrderAmounts) {
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
