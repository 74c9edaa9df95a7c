import type {
  AccountEvent,
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  OrderRef,
  Unsubscribe,
} from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { accountRef, positionSideOf } from "./exchange-accounts.ts";
import { pnl, toDecimal, toWire, toWireOrNull } from "./money.ts";
import { cancelOrdersStatement } from "./owned-position.ts";

/**
 * Applies what the exchange tells us about an account: a stop-loss or take-profit that fired
 * closes our position (its siblings are cancelled), fills and cancellations update our orders,
 * a resting LIMIT entry that filled opens its position. Every event invalidates the owner's cache.
 */
export function createAccountEvents(deps: DeskDeps) {
  const { prisma } = deps;
  let subscriptions: Unsubscribe[] = [];
  // One account's events are applied one at a time, in order.
  const queues = new Map<string, Promise<void>>();

  async function apply(
    userId: string,
    account: ExchangeAccountRef,
    gateway: ExchangeGateway,
    event: AccountEvent,
  ) {
    if (event.type === "protective-triggered") {
      const siblings = await protectiveTriggered(event.accountId, event.order, event.at);
      // Exchanges differ on whether the other leg goes by itself; make sure it does.
      if (siblings.length > 0) {
        await gateway.cancelOrders(account, siblings).catch((error: unknown) => {
          deps.logger.warn(
            { err: error, accountId: account.id },
            "cancelling the other protective order failed",
          );
        });
      }
    } else if (event.type === "order") await orderUpdated(event.accountId, event.order);
    await deps.userDataChanged(userId);
  }

  /** Returns the position's other protective orders, now cancelled in the database. */
  async function protectiveTriggered(
    accountId: string,
    fired: ExchangeOrder,
    at: number,
  ): Promise<OrderRef[]> {
    const order = await prisma.order.findUnique({
      where: { accountId_clientOrderId: { accountId, clientOrderId: fired.clientOrderId } },
      include: {
        position: {
          include: { orders: { where: { status: "NEW", role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } } } },
        },
      },
    });
    if (!order) return [];
    const position = order.position;
    const siblings = position?.orders.filter((other) => other.id !== order.id) ?? [];
    const exitPrice = fired.averagePrice ?? toDecimal(order.triggerPrice ?? 0);
    await prisma.$transaction([
      prisma.order.update({ where: { id: order.id }, data: fillData(fired) }),
      ...(position && position.status === "OPEN"
        ? [
            prisma.position.update({
              where: { id: position.id },
              data: {
                status: "CLOSED",
                closedAt: new Date(at),
                realizedPnl: toWire(
                  pnl(position.side, fired.filledQuantity, toDecimal(position.entryPrice), exitPrice),
                ),
              },
            }),
          ]
        : []),
      cancelOrdersStatement(
        prisma,
        siblings.map((sibling) => sibling.id),
      ),
    ]);
    return siblings.map((sibling) => ({
      symbol: sibling.symbol,
      clientOrderId: sibling.clientOrderId,
      kind: "trigger",
    }));
  }

  async function orderUpdated(accountId: string, update: ExchangeOrder): Promise<void> {
    const order = await prisma.order.findUnique({
      where: { accountId_clientOrderId: { accountId, clientOrderId: update.clientOrderId } },
    });
    if (!order) return; // not ours yet (our own transaction records it) or placed elsewhere
    const opensPosition =
      order.role === "ENTRY" && !order.positionId && update.filledQuantity.gt(0) && update.averagePrice;
    await prisma.$transaction(async (tx) => {
      const position = opensPosition
        ? await tx.position.create({
            data: {
              accountId,
              symbol: update.symbol,
              side: positionSideOf(update.side),
              quantity: toWire(update.filledQuantity),
              entryPrice: toWire(update.averagePrice ?? 0),
            },
          })
        : null;
      await tx.order.update({
        where: { id: order.id },
        data: { ...fillData(update), ...(position ? { positionId: position.id } : {}) },
      });
    });
  }

  return {
    async start(): Promise<void> {
      const accounts = await prisma.exchangeAccount.findMany({
        select: {
          id: true,
          userId: true,
          exchange: true,
          testnet: true,
          apiKeyEncrypted: true,
          apiSecretEncrypted: true,
        },
      });
      for (const account of accounts) {
        const gateway = deps.gateways[account.exchange];
        if (!gateway) continue;
        const ref = accountRef(deps, account);
        subscriptions.push(
          gateway.subscribeAccountEvents(ref, (event) => {
            const previous = queues.get(account.id) ?? Promise.resolve();
            const next = previous
              .then(() => apply(account.userId, ref, gateway, event))
              .catch((error: unknown) => {
                deps.logger.error(
                  { err: error, accountId: account.id, event: event.type },
                  "applying an exchange event failed",
                );
              });
            queues.set(account.id, next);
          }),
        );
      }
    },
    stop(): void {
      for (const unsubscribe of subscriptions) unsubscribe();
      subscriptions = [];
    },
    /** Resolves when every event received so far has been applied (tests, shutdown). */
    async idle(): Promise<void> {
      await Promise.all(queues.values());
    },
  };
}

function fillData(order: ExchangeOrder) {
  return {
    status: order.status,
    filledQuantity: toWire(order.filledQuantity),
    averagePrice: toWireOrNull(order.averagePrice),
  };
}
