import { formatPrice, formatQuantity } from "../money.ts";
import type { Order } from "../types.ts";

const ROLE: Record<Order["role"], string> = {
  ENTRY: "Entry",
  EXIT: "Exit",
  STOP_LOSS: "Stop-loss",
  TAKE_PROFIT: "Take-profit",
  EXTERNAL: "External",
};

export function roleLabel(order: Order): string {
  return order.role === "ENTRY" && order.type === "LIMIT" ? "Limit entry" : ROLE[order.role];
}

export function statusLabel(status: Order["status"]): string {
  return status.toLowerCase().replace("_", " ");
}

/** "BUY 0.01 BTCUSDT limit entry at 60,000.00" for names and messages. */
export function orderName(order: Order): string {
  const level = order.price ?? order.triggerPrice;
  return `${order.side} ${formatQuantity(order.quantity)} ${order.symbol} ${roleLabel(order).toLowerCase()}${level ? ` at ${formatPrice(level)}` : ""}`;
}
