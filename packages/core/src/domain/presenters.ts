import type { Order, Position } from "@tradedesk/db";
import type { PositionSide } from "../exchange/gateway.ts";
import { type DecimalLike, toWire } from "./money.ts";
import { exchangeOrderRow } from "./order-rows.ts";
import type { OrderView, PositionBasics, PositionRecordView } from "./views.ts";

export function presentOrder(order: Order): OrderView {
  return {
    id: order.id,
    accountId: order.accountId,
    positionId: order.positionId,
    role: order.role,
    // A stored order has the same fields as the exchange's, so one mapping serves both.
    ...exchangeOrderRow(order),
    statusReason: order.statusReason,
    createdAt: order.createdAt.toISOString(),
  };
}

export function positionBasics(position: {
  id: string;
  accountId: string;
  symbol: string;
  side: PositionSide;
  quantity: DecimalLike;
  entryPrice: DecimalLike;
  leverage: number;
  openedAt: Date;
}): PositionBasics {
  return {
    id: position.id,
    accountId: position.accountId,
    symbol: position.symbol,
    side: position.side,
    quantity: toWire(position.quantity),
    entryPrice: toWire(position.entryPrice),
    leverage: position.leverage,
    openedAt: position.openedAt.toISOString(),
  };
}

export function presentPosition(position: Position): PositionRecordView {
  return {
    ...positionBasics(position),
    status: position.status,
    realizedPnl: toWire(position.realizedPnl),
    realizedPnlPending: position.realizedPnlPending,
    closedAt: position.closedAt?.toISOString() ?? null,
    closedBy: position.closedBy,
  };
}
