import type { Order, Position } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { CreateOrderCommand, ListOrdersQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError, NotFoundError } from "./errors.ts";
import { accountRef, gatewayFor, placeOrAdoptOrder, positionSideOf } from "./exchange-accounts.ts";
import { toWire, ZERO } from "./money.ts";
import { errorMessage, exchangeOrderRow } from "./order-rows.ts";
import { findOwnedPosition } from "./owned-position.ts";
import { presentOrder, presentPosition } from "./presenters.ts";
import {
  checkProtection,
  markPriceOf,
  type ProtectionRole,
  placeProtection,
  protectiveOrderRows,
} from "./protection.ts";
import { replaceProtection } from "./replace-protection.ts";
import type { CreateOrderResult, OrderPage } from "./views.ts";

export function createOrdersService(deps: DeskDeps) {
  const { prisma } = deps;

  /** The answer to a repeated clientOrderId: the first order, as it is now. */
  async function repeatOf(order: Order & { position: Position | null }): Promise<CreateOrderResult> {
    const protective = order.positionId
      ? await prisma.order.findMany({
          where: {
            positionId: order.positionId,
            role: { in: ["STOP_LOSS", "TAKE_PROFIT"] },
            status: "NEW",
          },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        })
      : [];
    return {
      created: false,
      order: presentOrder(order),
      position: order.position ? presentPosition(order.position) : null,
      protectiveOrders: protective.map(presentOrder),
      warnings: [],
    };
  }

  /**
   * A MARKET order on the side of an open position adds to it: quantity and average entry
   * change in one statement; then its stop-loss / take-profit are re-placed for the new
   * quantity (the order's levels, else the current ones).
   */
  async function addToPosition(
    userId: string,
    positionId: string,
    command: CreateOrderCommand,
  ): Promise<CreateOrderResult> {
    const added = await findOwnedPosition(prisma, userId, positionId);
    if (!added) throw new NotFoundError("position");
    const gateway = gatewayFor(deps, added.account.exchange);
    const entry = await placeOrAdoptOrder(gateway, accountRef(deps, added.account), {
      clientOrderId: command.clientOrderId,
      symbol: command.symbol,
      side: command.side,
      type: "MARKET",
      quantity: command.quantity,
    });
    const quantity = entry.filledQuantity;
    const price = entry.averagePrice ?? ZERO;
    const [, order] = await prisma.$transaction([
      prisma.$executeRaw`
        UPDATE positions
           SET entry_price = round((entry_price * quantity + ${toWire(price)}::numeric * ${toWire(quantity)}::numeric)
                                   / (quantity + ${toWire(quantity)}::numeric), 18),
               quantity = quantity + ${toWire(quantity)}::numeric,
               updated_at = now()
         WHERE id = ${positionId}::uuid AND status = 'OPEN'`,
      prisma.order.create({
        data: { ...exchangeOrderRow(entry), accountId: added.account.id, positionId, role: "ENTRY" },
      }),
    ]);

    const warnings: string[] = [];
    let protectiveOrders: Order[] = [];
    const grown = await findOwnedPosition(prisma, userId, positionId);
    const current = (role: ProtectionRole) =>
      grown?.protectiveOrders.find((protective) => protective.role === role)?.triggerPrice ?? null;
    const changes = [
      { role: "STOP_LOSS" as const, level: command.stopLoss ?? current("STOP_LOSS") },
      { role: "TAKE_PROFIT" as const, level: command.takeProfit ?? current("TAKE_PROFIT") },
    ].filter((change) => change.level !== null);
    if (grown && changes.length > 0) {
      try {
        const replaced = await replaceProtection(deps, grown, changes);
        protectiveOrders = replaced.inserted;
        warnings.push(...replaced.warnings);
      } catch (error) {
        warnings.push(
          `the stop-loss/take-profit still cover the previous quantity: ${errorMessage(error)}; set them again with positions.modifySlTp`,
        );
        deps.logger.warn({ err: error, positionId }, "re-protecting an enlarged position failed");
      }
    }
    await deps.userDataChanged(userId);
    const position = await prisma.position.findUniqueOrThrow({ where: { id: positionId } });
    return {
      created: true,
      order: presentOrder(order),
      position: presentPosition(position),
      protectiveOrders: protectiveOrders.map(presentOrder),
      warnings,
    };
  }

  const service = {
    async create(userId: string, command: CreateOrderCommand): Promise<CreateOrderResult> {
      // Ownership, idempotency and the one-position-per-symbol rule in one read.
      const account = await prisma.exchangeAccount.findFirst({
        where: { id: command.accountId, userId },
        include: {
          orders: { where: { clientOrderId: command.clientOrderId }, include: { position: true } },
          positions: { where: { symbol: command.symbol, status: "OPEN" }, select: { id: true, side: true } },
        },
      });
      if (!account) throw new NotFoundError("account");
      const first = account.orders[0];
      if (first) return repeatOf(first);

      const side = positionSideOf(command.side);
      const open = account.positions[0];
      if (open && open.side !== side) {
        throw new InvalidCommandError(
          "side",
          `this account has an open ${open.side} position on ${command.symbol}; close it with positions.close first`,
        );
      }
      if (open && command.type !== "MARKET") {
        throw new InvalidCommandError(
          "type",
          `adding to the open ${open.side} position on ${command.symbol} takes a MARKET order`,
        );
      }
      if (command.type === "LIMIT" && !command.price) {
        throw new InvalidCommandError("price", "a LIMIT order needs a price");
      }
      if (command.type === "LIMIT" && (command.stopLoss || command.takeProfit)) {
        throw new InvalidCommandError(
          command.stopLoss ? "stopLoss" : "takeProfit",
          "only MARKET orders take a stop-loss or take-profit",
        );
      }

      const gateway = gatewayFor(deps, account.exchange);
      const ref = accountRef(deps, account);
      if (command.stopLoss || command.takeProfit) {
        checkProtection(side, await markPriceOf(gateway, command.symbol), command);
      }
      if (open) return addToPosition(userId, open.id, command);

      const entry = await placeOrAdoptOrder(gateway, ref, {
        clientOrderId: command.clientOrderId,
        symbol: command.symbol,
        side: command.side,
        type: command.type,
        quantity: command.quantity,
        ...(command.price ? { price: command.price } : {}),
      });
      const filled = entry.filledQuantity.gt(0) && entry.averagePrice !== null;

      const warnings: string[] = [];
      const levels = [
        ...(command.stopLoss ? [{ role: "STOP_LOSS" as const, triggerPrice: command.stopLoss }] : []),
        ...(command.takeProfit ? [{ role: "TAKE_PROFIT" as const, triggerPrice: command.takeProfit }] : []),
      ];
      const protection =
        filled && levels.length > 0
          ? await placeProtection(
              gateway,
              ref,
              { symbol: command.symbol, side, quantity: entry.filledQuantity },
              levels,
            )
          : { placed: [], failures: [] };
      for (const failure of protection.failures) {
        // The entry is filled on the exchange: record it anyway and say what is missing.
        const what = failure.role === "STOP_LOSS" ? "stop-loss" : "take-profit";
        warnings.push(
          `the ${what} was not placed: ${errorMessage(failure.error)}; set it again with positions.modifySlTp`,
        );
        deps.logger.warn(
          { err: failure.error, clientOrderId: command.clientOrderId },
          `${what} placement failed`,
        );
      }

      const result = await prisma.$transaction(async (tx) => {
        const position = filled
          ? await tx.position.create({
              data: {
                accountId: account.id,
                symbol: command.symbol,
                side,
                quantity: toWire(entry.filledQuantity),
                entryPrice: toWire(entry.averagePrice as Decimal),
                leverage: command.leverage ?? 1,
              },
            })
          : null;
        const order = await tx.order.create({
          data: {
            ...exchangeOrderRow(entry),
            accountId: account.id,
            positionId: position?.id ?? null,
            role: "ENTRY",
          },
        });
        const protectiveOrders =
          position && protection.placed.length > 0
            ? await tx.order.createManyAndReturn({
                data: protectiveOrderRows(account.id, position.id, protection.placed),
              })
            : [];
        return { position, order, protectiveOrders };
      });
      await deps.userDataChanged(userId);
      return {
        created: true,
        order: presentOrder(result.order),
        position: result.position ? presentPosition(result.position) : null,
        protectiveOrders: result.protectiveOrders.map(presentOrder),
        warnings,
      };
    },

    async list(userId: string, query: ListOrdersQuery): Promise<OrderPage> {
      // Prisma positions a cursor on its row without the where clause, so another user's order
      // id would page through the caller's orders (and tell that it exists): resolve it as ours first.
      const cursor = query.cursor
        ? await prisma.order.findFirst({
            where: { id: query.cursor, account: { userId } },
            select: { id: true, createdAt: true },
          })
        : null;
      if (query.cursor && !cursor) return { items: [], nextCursor: null };
      const orders = await prisma.order.findMany({
        where: {
          account: { userId },
          ...(query.accountId ? { accountId: query.accountId } : {}),
          ...(cursor
            ? {
                OR: [
                  { createdAt: { lt: cursor.createdAt } },
                  { createdAt: cursor.createdAt, id: { lt: cursor.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: query.limit + 1,
      });
      const page = orders.slice(0, query.limit);
      return {
        items: page.map(presentOrder),
        nextCursor: orders.length > query.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  };

  // Concurrent repeats of one clientOrderId never overlap: the desk runs a user's mutations one
  // at a time (one-at-a-time.ts), so a repeat finds the first order in the database.
  return service;
}
