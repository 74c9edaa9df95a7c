import type { PrismaClient } from "@tradedesk/db";
import type { ExchangeAccountRef, ExchangeGateway, OrderRef } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { reasonText, resolvedRow } from "./intents.ts";
import { errorMessage } from "./order-rows.ts";

/** What settling a cancellation needs of an order row. */
export interface CancellableOrder {
  id: string;
  accountId: string;
  symbol: string;
  clientOrderId: string;
  type: string;
}

/**
 * Marks orders PENDING_CANCEL in one statement (the intent, inside the caller's transaction),
 * whatever their number. A PENDING one is included: if the exchange did take it, it must go.
 */
export function requestCancelStatement(prisma: PrismaClient, orderIds: string[]) {
  return prisma.$executeRaw`
    UPDATE orders SET status = 'PENDING_CANCEL', updated_at = now()
     WHERE id = ANY(${orderIds}::uuid[]) AND status IN ('PENDING', 'NEW', 'PARTIALLY_FILLED')`;
}

export function orderRefOf(order: Pick<CancellableOrder, "symbol" | "clientOrderId" | "type">): OrderRef {
  const trigger = order.type === "STOP_MARKET" || order.type === "TAKE_PROFIT_MARKET";
  return { symbol: order.symbol, clientOrderId: order.clientOrderId, kind: trigger ? "trigger" : "regular" };
}

/**
 * Cancels PENDING_CANCEL orders on the exchange and records what each became: CANCELED, or,
 * when the exchange no longer had it open, what its lookup says (a stop that fired is FILLED,
 * not cancelled). Never throws: whatever stays unsettled is left PENDING_CANCEL for the
 * reconciler, and the returned warnings say so.
 */
export async function settleCancellations(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  orders: CancellableOrder[],
): Promise<string[]> {
  if (orders.length === 0) return [];
  const { prisma } = deps;
  try {
    const results = await gateway.cancelOrders(account, orders.map(orderRefOf));
    const cancelled = new Set(results.filter((r) => r.cancelled).map((r) => r.clientOrderId));
    const notFound: string[] = [];
    const said = new Map(results.filter((r) => r.status).map((r) => [r.clientOrderId, r.status]));
    for (const order of orders.filter((o) => !cancelled.has(o.clientOrderId))) {
      const status = said.get(order.clientOrderId);
      if (status === "CANCELED" || status === "EXPIRED") {
        // The exchange said what became of it: no look-up.
        await prisma.order.updateMany({
          where: { id: order.id, status: "PENDING_CANCEL" },
          data: { status },
        });
        continue;
      }
      const found = await gateway.getOrder(account, orderRefOf(order));
      if (found) {
        // Gone before the cancel reached it: a stop that fired is FILLED, not cancelled.
        await prisma.order.updateMany({
          where: { id: order.id, status: "PENDING_CANCEL" },
          data: resolvedRow(found),
        });
      } else notFound.push(order.id);
    }
    // Cancelled, and unknown to the exchange, in one statement whatever their number.
    const settled = orders.filter((o) => cancelled.has(o.clientOrderId)).map((o) => o.id);
    if (settled.length + notFound.length > 0) {
      await prisma.$executeRaw`
        UPDATE orders
           SET status = 'CANCELED', updated_at = now(),
               status_reason = CASE WHEN id = ANY(${notFound}::uuid[])
                                    THEN 'the exchange does not hold it (never placed, or forgotten)' END
         WHERE id = ANY(${[...settled, ...notFound]}::uuid[]) AND status = 'PENDING_CANCEL'`;
    }
    return [];
  } catch (error) {
    deps.logger.warn(
      { err: error, accountId: account.id, orders: orders.map((o) => o.clientOrderId) },
      "cancelling orders on the exchange failed; reconciliation will finish it",
    );
    deps.requestReconcile(account.id);
    return [
      `orders could not be cancelled on the exchange yet (${reasonText(errorMessage(error))}); reconciliation will cancel them`,
    ];
  }
}
