import type { Order, Position } from "@tradedesk/db";
import { orderRefOf, requestCancelStatement, settleCancellations } from "../domain/cancellations.ts";
import type { DeskDeps } from "../domain/deps.ts";
import { resolvedRow, sendIntent, UNSETTLED_STATUSES } from "../domain/intents.ts";
import { toDecimal, toWire } from "../domain/money.ts";
import { exchangeOrderRow } from "../domain/order-rows.ts";
import { realizedPnlFromExchange } from "../domain/realized-pnl.ts";
import type {
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  ExchangePosition,
  PlaceOrderRequest,
} from "../exchange/gateway.ts";
import type { Repair } from "./repairs.ts";

export interface ReconcileAccountOptions {
  /**
   * A PENDING intent younger than this belongs to a mutation that may still be running (on this
   * or another instance): its symbol is left alone this run.
   */
  intentGraceMs: number;
}

/**
 * Makes one account's record follow the exchange. The rules, in the order they run:
 * 1. every open order on the exchange has a row: the desk's unresolved intents are resolved,
 *    an order placed elsewhere is recorded as EXTERNAL (never cancelled);
 * 2. every unsettled row the exchange no longer holds open takes the status the exchange reports;
 *    a PENDING stop-loss / take-profit of an open position that never reached the exchange is
 *    placed (the desk meant it, and its clientOrderId makes that idempotent); any other intent
 *    that never reached the exchange is REJECTED;
 * 3. orders of the desk it no longer wants (cancelled in the record, their position closed; a
 *    live entry stays) are cancelled on the exchange (after 2, so a position is never left
 *    unprotected);
 * 4. positions follow the exchange: closed when the exchange holds none (realized PnL from the
 *    exchange's trades), opened when only the exchange holds one, quantity / entry / leverage
 *    copied; 5. realized PnL still estimated is booked from the trades.
 * Returns the repairs made; the caller audits them.
 */
export async function reconcileAccount(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  options: ReconcileAccountOptions,
): Promise<Repair[]> {
  const { prisma } = deps;
  const repairs: Repair[] = [];
  const accountId = account.id;
  const [snapshot, open] = await Promise.all([
    gateway.getAccountSnapshot(account),
    gateway.getOpenOrders(account),
  ]);
  deps.accountBalances.seed(accountId, snapshot.balances, snapshot.asOf);
  const now = deps.now();
  const rows = await prisma.order.findMany({
    where: {
      accountId,
      OR: [
        { status: { in: [...UNSETTLED_STATUSES] } },
        { clientOrderId: { in: open.map((order) => order.clientOrderId) } },
      ],
    },
  });
  const positions = await mergeDuplicates(
    await prisma.position.findMany({ where: { accountId, status: "OPEN" }, orderBy: { openedAt: "asc" } }),
  );
  const openPositionOf = new Map(positions.map((position) => [position.symbol, position]));
  const busy = new Set(
    rows
      .filter(
        (row) => row.status === "PENDING" && now.getTime() - row.updatedAt.getTime() < options.intentGraceMs,
      )
      .map((row) => row.symbol),
  );
  const rowOf = new Map(rows.map((row) => [row.clientOrderId, row]));
  const positionIds = new Set(positions.map((position) => position.id));
  const unwanted: Order[] = [];

  // 1. Open on the exchange.
  for (const live of open) {
    if (busy.has(live.symbol)) continue;
    const row = rowOf.get(live.clientOrderId);
    if (!row) {
      const position = openPositionOf.get(live.symbol);
      await prisma.order.create({
        data: {
          ...exchangeOrderRow(live),
          accountId,
          positionId: position?.id ?? null,
          role: "EXTERNAL",
        },
      });
      repairs.push({
        kind: "ORDER_RECORDED_EXTERNAL",
        symbol: live.symbol,
        clientOrderId: live.clientOrderId,
        exchange: orderJson(live),
        action: "recorded an order placed outside the desk; it is shown and left alone",
      });
      continue;
    }
    // A live entry is the trader's until they cancel it, whatever became of the position its
    // first fills opened (closing a position leaves it resting, as the exchange does); the
    // orders that only serve a position go with it.
    const wanted =
      row.role === "EXTERNAL" ||
      ((row.status === "PENDING" || row.status === "NEW" || row.status === "PARTIALLY_FILLED") &&
        (row.role === "ENTRY" || row.positionId === null || positionIds.has(row.positionId)));
    if (!wanted) {
      unwanted.push(row);
      continue;
    }
    if (row.status !== live.status || !toDecimal(row.filledQuantity).eq(live.filledQuantity)) {
      await prisma.order.update({ where: { id: row.id }, data: resolvedRow(live) });
      repairs.push({
        kind: row.status === "PENDING" ? "INTENT_RESOLVED" : "ORDER_STATUS_UPDATED",
        symbol: live.symbol,
        clientOrderId: live.clientOrderId,
        recorded: rowJson(row),
        exchange: orderJson(live),
        action: `the exchange holds it ${live.status}: recorded`,
      });
    }
  }

  // 2. Unsettled in the record, not open on the exchange.
  const openIds = new Set(open.map((order) => order.clientOrderId));
  for (const row of rows) {
    if (openIds.has(row.clientOrderId) || busy.has(row.symbol)) continue;
    if (!(UNSETTLED_STATUSES as readonly string[]).includes(row.status)) continue;
    const found = await gateway.getOrder(account, orderRefOf(row));
    if (found && (found.status === "NEW" || found.status === "PARTIALLY_FILLED")) continue; // arrived since: next run
    if (found) {
      await prisma.order.update({ where: { id: row.id }, data: resolvedRow(found) });
      repairs.push({
        kind: row.status === "PENDING" ? "INTENT_RESOLVED" : "ORDER_STATUS_UPDATED",
        symbol: row.symbol,
        clientOrderId: row.clientOrderId,
        recorded: rowJson(row),
        exchange: orderJson(found),
        action: `the exchange reports it ${found.status}: recorded`,
      });
      continue;
    }
    const protective = row.role === "STOP_LOSS" || row.role === "TAKE_PROFIT";
    const protects =
      protective &&
      row.status === "PENDING" &&
      row.positionId !== null &&
      positionIds.has(row.positionId) &&
      snapshot.positions.some((p) => p.symbol === row.symbol && p.quantity.gt(0));
    if (protects) {
      try {
        const placed = await sendIntent(deps, gateway, account, row, requestOf(row));
        await prisma.order.update({ where: { id: row.id }, data: resolvedRow(placed) });
        repairs.push({
          kind: "INTENT_RESOLVED",
          symbol: row.symbol,
          clientOrderId: row.clientOrderId,
          ...(row.positionId ? { positionId: row.positionId } : {}),
          recorded: rowJson(row),
          exchange: orderJson(placed),
          action: `placed the ${row.role === "STOP_LOSS" ? "stop-loss" : "take-profit"} the desk recorded but never sent`,
        });
      } catch (error) {
        deps.logger.warn(
          { err: error, clientOrderId: row.clientOrderId },
          "placing a recorded protective order failed",
        );
      }
      continue;
    }
    const reason =
      row.status === "PENDING"
        ? "never reached the exchange"
        : "the exchange does not hold it (never placed, or forgotten)";
    await prisma.order.update({
      where: { id: row.id },
      data: { status: row.status === "PENDING" ? "REJECTED" : "CANCELED", statusReason: reason },
    });
    repairs.push({
      kind: row.status === "PENDING" ? "INTENT_RESOLVED" : "ORDER_STATUS_UPDATED",
      symbol: row.symbol,
      clientOrderId: row.clientOrderId,
      recorded: rowJson(row),
      action: reason,
    });
  }

  // 3. Orders the desk placed and no longer wants.
  if (unwanted.length > 0) {
    await requestCancelStatement(
      prisma,
      unwanted.map((row) => row.id),
    );
    await prisma.order.updateMany({
      where: { id: { in: unwanted.map((row) => row.id) }, status: { notIn: [...UNSETTLED_STATUSES] } },
      data: { status: "PENDING_CANCEL" },
    });
    await settleCancellations(deps, gateway, account, unwanted);
    // What could not be cancelled now stays PENDING_CANCEL: the next run tries again.
    const settled = await prisma.order.findMany({
      where: { id: { in: unwanted.map((row) => row.id) }, status: { not: "PENDING_CANCEL" } },
      select: { id: true },
    });
    const done = new Set(settled.map((row) => row.id));
    for (const row of unwanted.filter((candidate) => done.has(candidate.id))) {
      repairs.push({
        kind: "ORDER_CANCELED",
        symbol: row.symbol,
        clientOrderId: row.clientOrderId,
        recorded: rowJson(row),
        action:
          "cancelled on the exchange: the desk no longer wants it (replaced, cancelled, or its position closed)",
      });
    }
  }

  // 4. Positions.
  const held = new Map(snapshot.positions.filter((p) => p.quantity.gt(0)).map((p) => [p.symbol, p]));
  for (const position of positions) {
    if (busy.has(position.symbol)) continue;
    const onExchange = held.get(position.symbol);
    if (onExchange && onExchange.side === position.side) {
      await followPosition(position, onExchange);
    } else {
      await closePosition(position, onExchange);
    }
  }
  for (const [symbol, onExchange] of held) {
    if (busy.has(symbol)) continue;
    const recorded = openPositionOf.get(symbol);
    if (!recorded || recorded.side !== onExchange.side) await openPosition(onExchange);
  }

  // 5. Realized PnL still estimated.
  const estimated = await prisma.position.findMany({
    where: { accountId, status: "CLOSED", realizedPnlPending: true },
  });
  for (const position of estimated) {
    const realized = await realizedPnlFromExchange(deps, gateway, account, position);
    await prisma.position.update({
      where: { id: position.id },
      data: { realizedPnl: toWire(realized), realizedPnlPending: false },
    });
    repairs.push({
      kind: "REALIZED_PNL_SETTLED",
      symbol: position.symbol,
      positionId: position.id,
      recorded: { realizedPnl: toWire(position.realizedPnl) },
      exchange: { realizedPnl: toWire(realized) },
      action: "booked the realized PnL from the exchange's trades",
    });
  }
  return repairs;

  /**
   * The exchange keeps one net position per symbol; two open rows for one symbol (a resting entry
   * that filled beside a market one, recorded by two paths) become one: the oldest keeps the
   * orders of the others, which are closed as merged. Quantities then follow the exchange (rule 4).
   */
  async function mergeDuplicates(open: Position[]): Promise<Position[]> {
    const kept = new Map<string, Position>();
    for (const position of open) {
      const first = kept.get(position.symbol);
      if (!first) {
        kept.set(position.symbol, position);
        continue;
      }
      await prisma.$transaction([
        prisma.order.updateMany({ where: { positionId: position.id }, data: { positionId: first.id } }),
        prisma.position.update({
          where: { id: position.id },
          data: { status: "CLOSED", closedAt: now, closedBy: "EXCHANGE", realizedPnl: "0" },
        }),
      ]);
      repairs.push({
        kind: "POSITION_CLOSED",
        symbol: position.symbol,
        positionId: position.id,
        recorded: positionJson(position),
        action: `merged into position ${first.id}: the exchange holds one net position per symbol`,
      });
    }
    return [...kept.values()];
  }

  async function followPosition(position: Position, onExchange: ExchangePosition) {
    const same =
      toDecimal(position.quantity).eq(onExchange.quantity) &&
      toDecimal(position.entryPrice).eq(onExchange.entryPrice) &&
      position.leverage === onExchange.leverage;
    if (same) return;
    const reduced = onExchange.quantity.lt(toDecimal(position.quantity));
    const realized = reduced ? await realizedPnlFromExchange(deps, gateway, account, position) : null;
    await prisma.position.update({
      where: { id: position.id },
      data: {
        quantity: toWire(onExchange.quantity),
        entryPrice: toWire(onExchange.entryPrice),
        leverage: onExchange.leverage,
        ...(realized ? { realizedPnl: toWire(realized) } : {}),
      },
    });
    repairs.push({
      kind: "POSITION_UPDATED",
      symbol: position.symbol,
      positionId: position.id,
      recorded: positionJson(position),
      exchange: exchangePositionJson(onExchange),
      action: "quantity, entry price and leverage now follow the exchange",
    });
  }

  async function closePosition(position: Position, flippedTo: ExchangePosition | undefined) {
    const realized = await realizedPnlFromExchange(deps, gateway, account, position);
    const protection = await prisma.order.findMany({
      where: { positionId: position.id, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } },
      orderBy: { updatedAt: "desc" },
    });
    const fired = protection.find((order) => order.status === "FILLED");
    const live = protection.filter((order) =>
      (UNSETTLED_STATUSES as readonly string[]).includes(order.status),
    );
    await prisma.$transaction([
      prisma.position.update({
        where: { id: position.id },
        data: {
          status: "CLOSED",
          closedAt: now,
          closedBy: fired ? (fired.role as "STOP_LOSS" | "TAKE_PROFIT") : "EXCHANGE",
          realizedPnl: toWire(realized),
          realizedPnlPending: false,
        },
      }),
      requestCancelStatement(
        prisma,
        live.map((order) => order.id),
      ),
    ]);
    await settleCancellations(deps, gateway, account, live);
    repairs.push({
      kind: "POSITION_CLOSED",
      symbol: position.symbol,
      positionId: position.id,
      recorded: positionJson(position),
      ...(flippedTo ? { exchange: exchangePositionJson(flippedTo) } : {}),
      action: `closed: the exchange ${flippedTo ? `holds a ${flippedTo.side} position instead` : "holds none"}${
        fired ? ` (its ${fired.role === "STOP_LOSS" ? "stop-loss" : "take-profit"} fired)` : ""
      }; realized PnL ${toWire(realized)} from the exchange's trades`,
    });
  }

  async function openPosition(onExchange: ExchangePosition) {
    const created = await prisma.position.create({
      data: {
        accountId,
        symbol: onExchange.symbol,
        side: onExchange.side,
        quantity: toWire(onExchange.quantity),
        entryPrice: toWire(onExchange.entryPrice),
        leverage: onExchange.leverage,
        openedAt: now,
      },
    });
    // The filled entries that opened it (a resting LIMIT filled while nobody listened, a crash
    // after the fill) belong to it now.
    await prisma.order.updateMany({
      where: {
        accountId,
        symbol: onExchange.symbol,
        role: "ENTRY",
        positionId: null,
        status: { in: ["FILLED", "PARTIALLY_FILLED"] },
        side: onExchange.side === "LONG" ? "BUY" : "SELL",
      },
      data: { positionId: created.id },
    });
    repairs.push({
      kind: "POSITION_OPENED",
      symbol: onExchange.symbol,
      positionId: created.id,
      exchange: exchangePositionJson(onExchange),
      action: `recorded the ${onExchange.side} position the exchange holds`,
    });
  }
}

/** The request a recorded order was (or will be) sent with. */
function requestOf(row: Order): PlaceOrderRequest {
  return {
    clientOrderId: row.clientOrderId,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    quantity: toDecimal(row.quantity),
    ...(row.price ? { price: toDecimal(row.price) } : {}),
    ...(row.triggerPrice ? { triggerPrice: toDecimal(row.triggerPrice) } : {}),
    reduceOnly: row.reduceOnly,
  };
}

function orderJson(order: ExchangeOrder) {
  return exchangeOrderRow(order);
}

function rowJson(row: Order) {
  return { ...exchangeOrderRow(row), role: row.role };
}

function positionJson(position: Position) {
  return {
    side: position.side,
    quantity: toWire(position.quantity),
    entryPrice: toWire(position.entryPrice),
    leverage: position.leverage,
  };
}

function exchangePositionJson(position: ExchangePosition) {
  return {
    side: position.side,
    quantity: toWire(position.quantity),
    entryPrice: toWire(position.entryPrice),
    leverage: position.leverage,
  };
}
