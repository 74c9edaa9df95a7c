import { type CancellableOrder, requestCancelStatement, settleCancellations } from "./cancellations.ts";
import type { CancelOrdersCommand } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { ConflictError, InvalidCommandError, NotFoundError } from "./errors.ts";
import { accountRef, gatewayFor } from "./exchange-accounts.ts";
import { presentOrder } from "./presenters.ts";
import type { CancelOrdersResult } from "./views.ts";

/** Orders the trader may cancel: live on the exchange, or sent and not yet answered. */
const CANCELLABLE = ["PENDING", "NEW", "PARTIALLY_FILLED"] as const;

const ACCOUNT_COLUMNS = {
  id: true,
  exchange: true,
  testnet: true,
  apiKeyEncrypted: true,
  apiSecretEncrypted: true,
} as const;

/**
 * `orders.cancel`: one order (by id), or every open order of a symbol on an account (resting
 * LIMIT entries and the positions' stop-loss / take-profit, as the exchange's "cancel all"
 * does). Orders placed outside the desk (EXTERNAL) are never cancelled by it. The intent comes
 * first (PENDING_CANCEL in one statement), then the exchange, then what each order became
 * (cancellations.ts); then the user's cache is invalidated.
 */
export async function cancelOrders(
  deps: DeskDeps,
  userId: string,
  command: CancelOrdersCommand,
): Promise<CancelOrdersResult> {
  const { prisma } = deps;
  let accountId: string;
  let orders: CancellableOrder[];
  if ("orderId" in command) {
    const order = await prisma.order.findFirst({
      where: { id: command.orderId, account: { userId } },
      select: {
        id: true,
        accountId: true,
        symbol: true,
        clientOrderId: true,
        type: true,
        role: true,
        status: true,
      },
    });
    if (!order) throw new NotFoundError("order");
    if (order.role === "EXTERNAL")
      throw new ConflictError("this order was placed outside the desk; cancel it where it was placed");
    if (!(CANCELLABLE as readonly string[]).includes(order.status))
      throw new ConflictError(
        `this order is ${order.status.toLowerCase().replace("_", " ")}; only open orders can be cancelled`,
      );
    accountId = order.accountId;
    orders = [order];
  } else {
    const owned = await prisma.exchangeAccount.findFirst({
      where: { id: command.accountId, userId },
      select: { id: true },
    });
    if (!owned) throw new NotFoundError("account");
    accountId = owned.id;
    orders = await prisma.order.findMany({
      where: {
        accountId,
        symbol: command.symbol,
        status: { in: [...CANCELLABLE] },
        role: { not: "EXTERNAL" },
      },
      select: { id: true, accountId: true, symbol: true, clientOrderId: true, type: true },
      orderBy: { createdAt: "asc" },
    });
    if (orders.length === 0)
      throw new InvalidCommandError("symbol", `no open ${command.symbol} orders to cancel`);
  }
  const account = await prisma.exchangeAccount.findUniqueOrThrow({
    where: { id: accountId },
    select: ACCOUNT_COLUMNS,
  });
  const gateway = gatewayFor(deps, account.exchange);
  const ids = orders.map((o) => o.id);
  await requestCancelStatement(prisma, ids);
  const warnings = await settleCancellations(deps, gateway, accountRef(deps, account), orders);
  await deps.userDataChanged(userId);
  const settled = await prisma.order.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: "asc" } });
  return { orders: settled.map(presentOrder), warnings };
}
