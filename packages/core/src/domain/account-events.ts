import type { Prisma } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type {
  AccountEvent,
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  Unsubscribe,
} from "../exchange/gateway.ts";
import { createKeyedQueue } from "../util/keyed-queue.ts";
import { requestCancelStatement, settleCancellations } from "./cancellations.ts";
import type { DeskDeps } from "./deps.ts";
import { ACCOUNT_ROW_SELECT, accountRef, positionSideOf } from "./exchange-accounts.ts";
import { PROTECTING_STATUSES, statusesReplaceableBy } from "./intents.ts";
import { DEFAULT_LEVERAGE } from "./leverage.ts";
import { pnl, toDecimal, toWire, toWireOrNull } from "./money.ts";
import { recordAdd, unrecordedFill } from "./position-adds.ts";
import { realizedPnlFromExchange } from "./realized-pnl.ts";
import type { OrderStatusName } from "./views.ts";

/**
 * Applies what the exchange tells us about an account: a stop-loss or take-profit that fired
 * closes our position (its siblings are cancelled), fills and cancellations update our orders,
 * each fill of a resting LIMIT entry opens or grows its position. Every event invalidates the
 * owner's cache.
 */
export function createAccountEvents(
  deps: DeskDeps,
  /** The owner's one-at-a-time queue: an event never interleaves with their mutation or a reconcile run. */
  runForUser: <T>(userId: string, task: () => Promise<T>) => Promise<T>,
) {
  const { prisma } = deps;
  let subscriptions: Unsubscribe[] = [];
  // One account's events are applied one at a time, in order.
  const inOrder = createKeyedQueue();

  async function apply(
    userId: string,
    account: ExchangeAccountRef,
    gateway: ExchangeGateway,
    event: AccountEvent,
  ) {
    if (event.type === "protective-triggered") {
      await protectiveTriggered(account, gateway, event.order, event.at);
    } else if (event.type === "order") {
      await orderUpdated(event.accountId, event.order);
    } else if (event.type === "balance") {
      deps.accountBalances.apply(account.id, event.balances, event.at);
    } else if (event.type === "stream-restarted") {
      // Events may have been missed while the stream was down: the balances it kept are not
      // current until the next snapshot, and the record is compared with the exchange.
      deps.accountBalances.lost(account.id);
      deps.accountBalances.streaming(account.id);
      deps.requestReconcile(account.id, "STREAM_RECONNECT");
    }
    await deps.userDataChanged(userId);
  }

  /**
   * A stop-loss / take-profit fired: its position is closed with the realized PnL the exchange
   * booked, and the other protective orders are asked to cancel (PENDING_CANCEL, then settled).
   */
  async function protectiveTriggered(
    account: ExchangeAccountRef,
    gateway: ExchangeGateway,
    fired: ExchangeOrder,
    at: number,
  ): Promise<void> {
    const order = await prisma.order.findUnique({
      where: { accountId_clientOrderId: { accountId: account.id, clientOrderId: fired.clientOrderId } },
      include: {
        position: {
          include: {
            orders: {
              where: { status: { in: [...PROTECTING_STATUSES] }, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } },
            },
          },
        },
      },
    });
    if (!order) return;
    const position = order.position;
    const siblings = position?.orders.filter((other) => other.id !== order.id) ?? [];
    const closes = position && position.status === "OPEN";
    let realized = { amount: toDecimal(0), pending: false };
    // A stop may fire beside another (an old one whose cancel was lost), so what this one order
    // realized need not be the position's: the trade history says.
    if (closes) {
      try {
        realized = {
          amount: await realizedPnlFromExchange(deps, gateway, account, position),
          pending: false,
        };
      } catch (error) {
        deps.logger.warn(
          { err: error, positionId: position.id },
          "reading the realized PnL from the exchange failed",
        );
        deps.requestReconcile(account.id);
        const exitPrice = fired.averagePrice ?? toDecimal(order.triggerPrice ?? 0);
        realized = {
          amount: pnl(position.side, fired.filledQuantity, toDecimal(position.entryPrice), exitPrice),
          pending: true,
        };
      }
    }
    await prisma.$transaction([
      prisma.order.updateMany({
        where: { id: order.id, status: { in: statusesReplaceableBy(fired.status) } },
        data: fillData(fired),
      }),
      ...(closes
        ? [
            prisma.position.update({
              where: { id: position.id },
              data: {
                status: "CLOSED",
                closedAt: new Date(at),
                closedBy: order.role === "TAKE_PROFIT" ? "TAKE_PROFIT" : "STOP_LOSS",
                realizedPnl: toWire(realized.amount),
                realizedPnlPending: realized.pending,
              },
            }),
          ]
        : []),
      requestCancelStatement(
        prisma,
        siblings.map((sibling) => sibling.id),
      ),
    ]);
    // Exchanges differ on whether the other leg goes by itself; make sure it does.
    await settleCancellations(deps, gateway, account, siblings);
  }

  /**
   * An order's update moves its row forward: never back to less filled, nor out of a final status
   * or the desk's PENDING_CANCEL. An entry's new fills reach the position exactly once each, by
   * the cumulative quantity the exchange reports against the one the row (locked) holds.
   */
  async function orderUpdated(accountId: string, update: ExchangeOrder): Promise<void> {
    await prisma.$transaction(async (tx) => {
      const [order] = await tx.$queryRaw<LockedOrder[]>`
        SELECT id, role, status, position_id, leverage,
               filled_quantity::text AS filled_quantity, average_price::text AS average_price
          FROM orders
         WHERE account_id = ${accountId}::uuid AND client_order_id = ${update.clientOrderId}
           FOR UPDATE`;
      if (!order) return; // not ours yet (our own transaction records it) or placed elsewhere
      const recorded = {
        filledQuantity: toDecimal(order.filled_quantity),
        averagePrice: order.average_price === null ? null : toDecimal(order.average_price),
      };
      const fill = order.role === "ENTRY" ? unrecordedFill(recorded, update) : null;
      const position = fill ? await recordEntryFill(tx, accountId, update, fill, order.leverage) : null;
      const forward =
        statusesReplaceableBy(update.status).includes(order.status) &&
        update.filledQuantity.gte(recorded.filledQuantity);
      const { status, ...amounts } = fillData(update);
      const data = {
        // The amounts go with the fills the position took even when the status may not move yet.
        ...(forward || fill ? amounts : {}),
        ...(forward ? { status } : {}),
        // The order follows its latest fill. Closing a position closes what filled, not the order
        // the trader still sees resting (the exchange keeps it too): its later fills open or grow
        // another position, and the row shows that one.
        ...(position && position.id !== order.position_id ? { positionId: position.id } : {}),
      };
      if (Object.keys(data).length > 0) await tx.order.update({ where: { id: order.id }, data });
    });
  }

  /**
   * An entry's new fills go to the open position of its side (one net position per symbol, as
   * the exchange keeps it: the entry's own, or one opened beside it), else open one at the
   * leverage the desk set for the entry: the exchange's fill does not say it.
   */
  async function recordEntryFill(
    tx: Prisma.TransactionClient,
    accountId: string,
    update: ExchangeOrder,
    fill: { quantity: Decimal; price: Decimal },
    leverage: number | null,
  ) {
    const side = positionSideOf(update.side);
    const open = await tx.position.findFirst({
      where: { accountId, symbol: update.symbol, status: "OPEN", side },
    });
    if (open) {
      await recordAdd(tx, open.id, fill);
      return open;
    }
    return tx.position.create({
      data: {
        accountId,
        symbol: update.symbol,
        side,
        quantity: toWire(fill.quantity),
        entryPrice: toWire(fill.price),
        leverage: leverage ?? DEFAULT_LEVERAGE,
        openedAt: deps.now(),
      },
    });
  }

  return {
    async start(): Promise<void> {
      const accounts = await prisma.exchangeAccount.findMany({
        select: ACCOUNT_ROW_SELECT,
      });
      for (const account of accounts) {
        const gateway = deps.gateways[account.exchange];
        if (!gateway) continue;
        const ref = accountRef(deps, account);
        deps.accountBalances.streaming(account.id);
        subscriptions.push(
          gateway.subscribeAccountEvents(ref, (event) => {
            void inOrder(account.id, () =>
              runForUser(account.userId, () => apply(account.userId, ref, gateway, event)),
            ).catch((error: unknown) => {
              deps.logger.error(
                { err: error, accountId: account.id, event: event.type },
                "applying an exchange event failed",
              );
            });
          }),
        );
      }
    },
    stop(): void {
      for (const unsubscribe of subscriptions) unsubscribe();
      deps.accountBalances.clear();
      subscriptions = [];
    },
    /** Resolves when every event received so far has been applied (tests, shutdown). */
    async idle(): Promise<void> {
      await inOrder.idle();
    },
  };
}

/** An order's row as orderUpdated reads (and locks) it. */
interface LockedOrder {
  id: string;
  role: string;
  status: OrderStatusName;
  position_id: string | null;
  leverage: number | null;
  filled_quantity: string;
  average_price: string | null;
}

function fillData(order: ExchangeOrder) {
  return {
    exchangeOrderId: order.exchangeOrderId,
    status: order.status,
    filledQuantity: toWire(order.filledQuantity),
    averagePrice: toWireOrNull(order.averagePrice),
  };
}
