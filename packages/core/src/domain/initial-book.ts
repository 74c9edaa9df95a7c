import type { PrismaClient } from "@tradedesk/db";
import type { InitialBook } from "../exchange/simulated/index.ts";
import { toWire } from "./money.ts";

/**
 * For the simulated exchange's `initialBook` option: an account's book starts from what our
 * database records (open positions and their open stop-loss/take-profit orders), so seeded
 * data and the exchange agree after a restart with an empty book store.
 */
export function loadInitialBook(prisma: PrismaClient) {
  return async (accountId: string): Promise<InitialBook | null> => {
    const positions = await prisma.position.findMany({
      where: { accountId, status: "OPEN" },
      include: { orders: { where: { status: "NEW", role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } } } },
      orderBy: { openedAt: "asc" },
    });
    if (positions.length === 0) return null;
    return {
      positions: positions.map((position) => ({
        symbol: position.symbol,
        side: position.side,
        quantity: toWire(position.quantity),
        entryPrice: toWire(position.entryPrice),
        leverage: position.leverage,
      })),
      triggerOrders: positions.flatMap((position) =>
        position.orders.flatMap((order) =>
          order.triggerPrice && (order.type === "STOP_MARKET" || order.type === "TAKE_PROFIT_MARKET")
            ? [
                {
                  clientOrderId: order.clientOrderId,
                  symbol: order.symbol,
                  side: order.side,
                  type: order.type,
                  quantity: toWire(order.quantity),
                  triggerPrice: toWire(order.triggerPrice),
                },
              ]
            : [],
        ),
      ),
    };
  };
}
