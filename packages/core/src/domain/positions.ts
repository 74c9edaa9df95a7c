import type Decimal from "decimal.js";
import type { ExchangeAccountRef, ExchangeGateway, ExchangeOrder } from "../exchange/gateway.ts";
import { requestCancelStatement, settleCancellations } from "./cancellations.ts";
import type { ClosePositionCommand, ModifySlTpCommand } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { ConflictError, NotFoundError } from "./errors.ts";
import { accountRef, closingSide, gatewayFor } from "./exchange-accounts.ts";
import { canResend, intentRow, resolvedRow, sendIntent } from "./intents.ts";
import { pnl, toDecimal, toWire } from "./money.ts";
import { checkTriggerPrices } from "./order-rules.ts";
import { findOwnedPosition, type OwnedPosition } from "./owned-position.ts";
import { presentOrder, presentPosition } from "./presenters.ts";
import { checkProtection, markPriceOf, type ProtectionRole } from "./protection.ts";
import { realizedPnlFromExchange } from "./realized-pnl.ts";
import { type ProtectionChange, replaceProtection } from "./replace-protection.ts";
import type { ClosePositionResult, ModifySlTpResult, ProtectionView } from "./views.ts";

export function createPositionsService(deps: DeskDeps) {
  const { prisma } = deps;

  /**
   * The realized PnL the exchange booked for the position's fills; if its trade history cannot
   * be read now, the desk's estimate, marked pending for the reconciler to settle.
   */
  async function bookRealizedPnl(
    position: OwnedPosition,
    exit: ExchangeOrder,
    exitRow: { id: string; createdAt: Date; exchangeOrderId: string },
    gateway: ExchangeGateway,
    ref: ExchangeAccountRef,
    warnings: string[],
  ): Promise<{ amount: Decimal; pending: boolean }> {
    // The exit closed the whole recorded quantity and the exchange said what it realized: that is
    // the position's PnL (plus what earlier reductions booked), with no trade-history call.
    if (exit.realizedPnl && exit.filledQuantity.eq(position.quantity)) {
      return { amount: toDecimal(position.realizedPnl).plus(exit.realizedPnl), pending: false };
    }
    try {
      const amount = await realizedPnlFromExchange(deps, gateway, ref, position, exitRow);
      return { amount, pending: false };
    } catch (error) {
      deps.logger.warn(
        { err: error, positionId: position.id },
        "reading the realized PnL from the exchange failed",
      );
      deps.requestReconcile(position.account.id);
      warnings.push("the realized PnL is an estimate until the exchange's trade history is read");
      const exitPrice = exit.averagePrice ?? position.entryPrice;
      return {
        amount: pnl(position.side, exit.filledQuantity, position.entryPrice, exitPrice),
        pending: true,
      };
    }
  }

  async function ownedOpenPosition(userId: string, positionId: string): Promise<OwnedPosition> {
    const position = await findOwnedPosition(prisma, userId, positionId);
    if (!position) throw new NotFoundError("position");
    if (position.status !== "OPEN") throw new ConflictError("the position is already closed");
    return position;
  }

  return {
    async close(userId: string, command: ClosePositionCommand): Promise<ClosePositionResult> {
      const found = await findOwnedPosition(prisma, userId, command.positionId);
      if (!found) throw new NotFoundError("position");
      const repeat = await prisma.order.findUnique({
        where: {
          accountId_clientOrderId: { accountId: found.account.id, clientOrderId: command.clientOrderId },
        },
        include: { position: true },
      });
      if (repeat && (repeat.positionId !== found.id || repeat.role !== "EXIT" || !repeat.position)) {
        throw new ConflictError("this clientOrderId was already used for another order");
      }
      if (repeat?.position && !canResend(repeat)) {
        return {
          closed: false,
          position: presentPosition(repeat.position),
          order: presentOrder(repeat),
          canceledOrderIds: [],
          warnings: [],
        };
      }
      if (found.status !== "OPEN") throw new ConflictError("the position is already closed");
      const position = found;

      const gateway = gatewayFor(deps, position.account.exchange);
      const ref = accountRef(deps, position.account);
      const request = {
        clientOrderId: command.clientOrderId,
        symbol: position.symbol,
        side: closingSide(position.side),
        type: "MARKET" as const,
        quantity: position.quantity,
        reduceOnly: true,
      };
      const intent = repeat
        ? await prisma.order.update({
            where: { id: repeat.id },
            data: { status: "PENDING", statusReason: null },
          })
        : await prisma.order.create({
            data: intentRow(position.account.id, position.id, "EXIT", request, deps.now()),
          });
      const exit = await sendIntent(deps, gateway, ref, intent, request, repeat?.status === "PENDING");

      const warnings: string[] = [];
      const exitRow = { id: intent.id, createdAt: intent.createdAt, exchangeOrderId: exit.exchangeOrderId };
      const realized = await bookRealizedPnl(position, exit, exitRow, gateway, ref, warnings);
      const canceledIds = position.protectiveOrders.map((order) => order.id);
      const [closed, order] = await prisma.$transaction([
        prisma.position.update({
          where: { id: position.id },
          data: {
            status: "CLOSED",
            closedAt: deps.now(),
            closedBy: "TRADER",
            realizedPnl: toWire(realized.amount),
            realizedPnlPending: realized.pending,
          },
        }),
        prisma.order.update({ where: { id: intent.id }, data: resolvedRow(exit) }),
        requestCancelStatement(prisma, canceledIds),
      ]);
      warnings.push(
        ...(await settleCancellations(
          deps,
          gateway,
          ref,
          position.protectiveOrders.map((protective) => ({
            ...protective,
            accountId: position.account.id,
            symbol: position.symbol,
          })),
        )),
      );
      await deps.userDataChanged(userId);
      return {
        closed: true,
        position: presentPosition(closed),
        order: presentOrder(order),
        canceledOrderIds: canceledIds,
        warnings,
      };
    },

    /**
     * New protection is placed on the exchange before the old is cancelled, so the position
     * is over-protected for a moment, never unprotected.
     */
    async modifySlTp(userId: string, command: ModifySlTpCommand): Promise<ModifySlTpResult> {
      const position = await ownedOpenPosition(userId, command.positionId);
      if (command.stopLoss || command.takeProfit) {
        const rules = (await deps.rules(position.account.exchange).get()).symbols.get(position.symbol);
        checkTriggerPrices(rules, command);
        const mark = await markPriceOf(deps, position.account.exchange, position.symbol, "positionId");
        checkProtection(position.side, mark, command);
      }

      const changes: ProtectionChange[] = [];
      if (command.stopLoss !== undefined) changes.push({ role: "STOP_LOSS", level: command.stopLoss });
      if (command.takeProfit !== undefined) changes.push({ role: "TAKE_PROFIT", level: command.takeProfit });
      const { inserted, replaced, warnings } = await replaceProtection(deps, position, changes);
      await deps.userDataChanged(userId);

      const current = (role: ProtectionRole): ProtectionView | null => {
        const fresh = inserted.find((order) => order.role === role);
        if (fresh)
          return {
            orderId: fresh.id,
            clientOrderId: fresh.clientOrderId,
            triggerPrice: toWire(fresh.triggerPrice ?? 0),
          };
        if (changes.some((change) => change.role === role)) return null;
        const kept = position.protectiveOrders.find((order) => order.role === role);
        return kept
          ? { orderId: kept.id, clientOrderId: kept.clientOrderId, triggerPrice: toWire(kept.triggerPrice) }
          : null;
      };
      return {
        positionId: position.id,
        stopLoss: current("STOP_LOSS"),
        takeProfit: current("TAKE_PROFIT"),
        placed: inserted.map(presentOrder),
        canceledOrderIds: replaced.map((order) => order.id),
        warnings,
      };
    },
  };
}
