import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@tradedesk/db";

// History written straight into the record, with its times: what the desk could not make now (a
// day gone by, a symbol the exchange has delisted since).

/** A LONG position closed at `closedAt` with this realized PnL. */
export function recordClosedPosition(
  prisma: PrismaClient,
  position: { accountId: string; symbol: string; realizedPnl: string; closedAt: Date },
) {
  return prisma.position.create({
    data: {
      ...position,
      side: "LONG",
      quantity: "100",
      entryPrice: "80",
      status: "CLOSED",
      openedAt: new Date(position.closedAt.getTime() - 60_000),
    },
  });
}

/** A LIMIT entry to buy 2 at 5 placed at `createdAt`: filled, or resting unfilled (NEW). */
export function recordOrder(
  prisma: PrismaClient,
  { filled, ...order }: { accountId: string; symbol: string; createdAt: Date; filled: boolean },
) {
  return prisma.order.create({
    data: {
      ...order,
      role: "ENTRY",
      clientOrderId: randomUUID(),
      side: "BUY",
      type: "LIMIT",
      price: "5",
      quantity: "2",
      status: filled ? "FILLED" : "NEW",
      filledQuantity: filled ? "2" : "0",
      averagePrice: filled ? "5" : null,
    },
  });
}
