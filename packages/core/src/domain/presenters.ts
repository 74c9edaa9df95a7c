import type { Order, Position } from "@tradedesk/db";
import { toWire, toWireOrNull } from "./money.ts";
import type { OrderView, PositionRecordView } from "./views.ts";

export function presentOrder(order: Order): OrderView {
  return {
    id: order.id,
    accountId: order.accountId,
    positionId: order.positionId,
    role: order.role,
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
    createdAt: order.createdAt.toISOString(),
  };
}

export function presentPosition(position: Position): PositionRecordView {
  return {
    id: position.id,
    accountId: position.accountId,
    symbol: position.symbol,
    side: position.side,
    quantity: toWire(position.quantity),
    entryPrice: toWire(position.entryPrice),
    leverage: position.leverage,
    status: position.status,
    realizedPnl: toWire(position.realizedPnl),
    openedAt: position.openedAt.toISOString(),
    closedAt: position.closedAt?.toISOString() ?? null,
  };
}
