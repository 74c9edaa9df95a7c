import type { Order, Position } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { PlaceOrderRequest } from "../exchange/gateway.ts";
import type { CreateOrderCommand, ListOrdersQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { ConflictError, InvalidCommandError, NotFoundError } from "./errors.ts";
import { accountRef, gatewayFor, positionSideOf } from "./exchange-accounts.ts";
import { orderPage } from "./history.ts";
import {
  canResend,
  intentRow,
  type OrderRole,
  PROTECTING_STATUSES,
  protectiveClientOrderId,
  resolvedRow,
  sendIntent,
  UNSETTLED_STATUSES,
} from "./intents.ts";
import { DEFAULT_LEVERAGE, leverageForEntry } from "./leverage.ts";
import { toWire, ZERO } from "./money.ts";
import { errorMessage } from "./order-rows.ts";
import { checkOrderRules } from "./order-rules.ts";
import { findOwnedPosition } from "./owned-position.ts";
import { recordAdd } from "./position-adds.ts";
import { presentOrder, presentPosition } from "./presenters.ts";
import {
  checkProtection,
  markPriceOf,
  type ProtectionRole,
  protectionWarning,
  protectiveRequest,
  sendProtection,
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
            status: { in: [...PROTECTING_STATUSES] },
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
   * Records the order as a PENDING intent (or re-opens the one a crash or a refusal left under
   * this clientOrderId), then sends it. The caller writes the exchange's answer into the row.
   * `leverage` is the symbol's, as the exchange confirmed it for this entry: a fill reported later
   * (a resting LIMIT) carries none, and opens its position at this one.
   */
  async function sendEntryIntent(
    account: { id: string; exchange: Parameters<typeof gatewayFor>[1] } & Parameters<typeof accountRef>[1],
    positionId: string | null,
    role: OrderRole,
    request: PlaceOrderRequest,
    previous: Order | undefined,
    leverage: number,
  ) {
    if (previous && !sameOrder(previous, request)) {
      throw new ConflictError("this clientOrderId was already used for another order");
    }
    const intent = previous
      ? await prisma.order.update({
          where: { id: previous.id },
          data: { status: "PENDING", statusReason: null, positionId, leverage, updatedAt: deps.now() },
        })
      : await prisma.order.create({
          data: { ...intentRow(account.id, positionId, role, request, deps.now()), leverage },
        });
    const placed = await sendIntent(
      deps,
      gatewayFor(deps, account.exchange),
      accountRef(deps, account),
      intent,
      request,
      previous?.status === "PENDING",
    );
    return { intent, placed };
  }

  /**
   * A MARKET order on the side of an open position adds to it: quantity and average entry
   * change as the exchange books them; then its stop-loss / take-profit are re-placed for the
   * new quantity (the order's levels, else the current ones). An order naming another leverage
   * changes the position's first, as on Binance (the leverage is the symbol's); none keeps it.
   */
  async function addToPosition(
    userId: string,
    positionId: string,
    command: CreateOrderCommand,
    previous: Order | undefined,
  ): Promise<CreateOrderResult> {
    const added = await findOwnedPosition(prisma, userId, positionId);
    if (!added) throw new NotFoundError("position");
    const leverage = await leverageForEntry(
      deps,
      gatewayFor(deps, added.account.exchange),
      accountRef(deps, added.account),
      { symbol: command.symbol, wanted: command.leverage ?? added.leverage, held: added.leverage },
    );
    // Recorded at once: the exchange's position has it now, whatever becomes of the order.
    if (leverage !== added.leverage) {
      await prisma.position.update({ where: { id: positionId }, data: { leverage } });
    }
    const { intent, placed: entry } = await sendEntryIntent(
      added.account,
      positionId,
      "ENTRY",
      {
        clientOrderId: command.clientOrderId,
        symbol: command.symbol,
        side: command.side,
        type: "MARKET",
        quantity: command.quantity,
      },
      previous,
      leverage,
    );
    const quantity = entry.filledQuantity;
    const price = entry.averagePrice ?? ZERO;
    const order = await prisma.$transaction(async (tx) => {
      await recordAdd(tx, positionId, { quantity, price });
      return tx.order.update({ where: { id: intent.id }, data: resolvedRow(entry) });
    });

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
        const replaced = await replaceProtection(deps, grown, changes, command.clientOrderId);
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
      // Ownership, idempotency and the one-direction-per-symbol rules in one read: the order of
      // this clientOrderId (a repeat), and any resting entry of the other side.
      const account = await prisma.exchangeAccount.findFirst({
        where: { id: command.accountId, userId },
        include: {
          orders: {
            where: {
              OR: [
                { clientOrderId: command.clientOrderId },
                {
                  symbol: command.symbol,
                  role: "ENTRY",
                  side: { not: command.side },
                  status: { in: [...UNSETTLED_STATUSES] },
                },
              ],
            },
            include: { position: true },
          },
          positions: { where: { symbol: command.symbol, status: "OPEN" }, select: { id: true, side: true } },
        },
      });
      if (!account) throw new NotFoundError("account");
      const first = account.orders.find((order) => order.clientOrderId === command.clientOrderId);
      // A repeat answers with the first order, unless the exchange never took it: then it is sent again.
      if (first && !canResend(first)) return repeatOf(first);

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
      // One direction per symbol, resting entries included: in one-way mode the exchange nets a
      // fill of the other side against this entry's position, where the record would hold two.
      const against = account.orders.find((order) => order !== first);
      if (against) {
        throw new InvalidCommandError(
          "side",
          `this account has a resting ${against.side} ${against.type} entry on ${command.symbol}; cancel it first`,
        );
      }

      const gateway = gatewayFor(deps, account.exchange);
      const ref = accountRef(deps, account);
      // The exchange's filters and the protection's side of the mark, before anything is sent.
      const rules = (await deps.rules(account.exchange).get()).symbols.get(command.symbol);
      if (!rules) throw new InvalidCommandError("symbol", `${command.symbol} is not listed on this exchange`);
      const needsMark = command.type === "MARKET" || command.stopLoss || command.takeProfit;
      const mark = needsMark ? await markPriceOf(deps, account.exchange, command.symbol) : null;
      checkOrderRules(rules, command.symbol, command, mark);
      if (mark && (command.stopLoss || command.takeProfit)) checkProtection(side, mark, command);
      if (open) return addToPosition(userId, open.id, command, first);

      const leverage = await leverageForEntry(deps, gateway, ref, {
        symbol: command.symbol,
        wanted: command.leverage ?? DEFAULT_LEVERAGE,
      });
      const { intent, placed: entry } = await sendEntryIntent(
        account,
        null,
        "ENTRY",
        {
          clientOrderId: command.clientOrderId,
          symbol: command.symbol,
          side: command.side,
          type: command.type,
          quantity: command.quantity,
          ...(command.price ? { price: command.price } : {}),
        },
        first,
        leverage,
      );
      const filled = entry.filledQuantity.gt(0) && entry.averagePrice !== null;
      const levels = [
        ...(command.stopLoss ? [{ role: "STOP_LOSS" as const, triggerPrice: command.stopLoss }] : []),
        ...(command.takeProfit ? [{ role: "TAKE_PROFIT" as const, triggerPrice: command.takeProfit }] : []),
      ];
      const protection = filled
        ? levels.map((level) => ({
            role: level.role,
            request: protectiveRequest(
              { symbol: command.symbol, side, quantity: entry.filledQuantity },
              level,
              protectiveClientOrderId(command.clientOrderId, level.role),
            ),
          }))
        : [];

      // The fill, its position and the protective intents in one transaction; then the
      // protective orders are sent, each resolving its own row.
      const recorded = await prisma.$transaction(async (tx) => {
        const position = filled
          ? await tx.position.create({
              data: {
                accountId: account.id,
                symbol: command.symbol,
                side,
                quantity: toWire(entry.filledQuantity),
                entryPrice: toWire(entry.averagePrice as Decimal),
                leverage,
                openedAt: deps.now(),
              },
            })
          : null;
        const order = await tx.order.update({
          where: { id: intent.id },
          data: { ...resolvedRow(entry), positionId: position?.id ?? null },
        });
        const intents =
          position && protection.length > 0
            ? await tx.order.createManyAndReturn({
                data: protection.map(({ role, request }) =>
                  intentRow(account.id, position.id, role, request, deps.now()),
                ),
              })
            : [];
        return { position, order, intents };
      });
      const { placed, failures } = await sendProtection(
        deps,
        gateway,
        ref,
        recorded.intents.map((row, index) => ({ row, request: protection[index]!.request })),
      );
      const warnings = failures.map(protectionWarning);
      for (const failure of failures) {
        deps.logger.warn(
          { err: failure.error, clientOrderId: command.clientOrderId, role: failure.role },
          "placing a protective order failed",
        );
      }
      await deps.userDataChanged(userId);
      return {
        created: true,
        order: presentOrder(recorded.order),
        position: recorded.position ? presentPosition(recorded.position) : null,
        protectiveOrders: placed.map(presentOrder),
        warnings,
      };
    },

    list: (userId: string, query: ListOrdersQuery): Promise<OrderPage> => orderPage(deps, userId, query),
  };

  // Concurrent repeats of one clientOrderId never overlap: the desk runs a user's mutations one
  // at a time (one-at-a-time.ts), so a repeat finds the first order in the database.
  return service;
}

/** A resent clientOrderId must carry the same order it was first recorded with. */
function sameOrder(row: Order, request: PlaceOrderRequest): boolean {
  const samePrice = (a: { toString(): string } | null, b: Decimal | undefined) =>
    a === null ? b === undefined : (b?.eq(a.toString()) ?? false);
  return (
    row.symbol === request.symbol &&
    row.side === request.side &&
    row.type === request.type &&
    request.quantity.eq(row.quantity.toString()) &&
    samePrice(row.price, request.price)
  );
}
