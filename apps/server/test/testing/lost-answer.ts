import { randomUUID } from "node:crypto";
import type { AppRouter } from "@tradedesk/api";
import type { App } from "../../src/app.ts";
import type { createTestClient } from "./trpc-client.ts";

/**
 * A resting LIMIT order placed through `trader`, then its record as a crash between sending it and
 * writing the answer leaves it: PENDING, the exchange's answer lost. The next reconcile run of the
 * account repairs it (INTENT_RESOLVED). Returns its clientOrderId.
 */
export async function orderWithLostAnswer(
  app: App,
  trader: ReturnType<typeof createTestClient<AppRouter>>,
  accountId: string,
): Promise<string> {
  const clientOrderId = randomUUID();
  await trader.orders.create.mutate({
    accountId,
    clientOrderId,
    symbol: "BNBUSDT",
    side: "BUY",
    type: "LIMIT",
    quantity: "1",
    price: "300",
  });
  await app.db.prisma.order.updateMany({
    where: { accountId, clientOrderId },
    data: { status: "PENDING", exchangeOrderId: null },
  });
  return clientOrderId;
}
