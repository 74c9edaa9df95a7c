import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture, limit, market } from "../testing/desk-fixture.ts";
import { ConflictError, InvalidCommandError, NotFoundError } from "./errors.ts";

describe("orders.cancel, open orders, trades and closed positions", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
  });
  afterAll(() => f.close());

  it("cancels one resting LIMIT order on the exchange and records it CANCELED; another user's order is not found", async () => {
    const { userId, accountId } = await f.createTrader();
    const other = await f.createTrader();
    const placed = await f.desk.orders.create(userId, limit(accountId, "BTCUSDT", "BUY", "0.01", "60000"));
    expect(placed.order.status).toBe("NEW");
    expect((await f.desk.orders.open(userId)).items.map((o) => o.id)).toEqual([placed.order.id]);

    await expect(f.desk.orders.cancel(other.userId, { orderId: placed.order.id })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const result = await f.desk.orders.cancel(userId, { orderId: placed.order.id });
    expect(result.warnings).toEqual([]);
    expect(result.orders.map((o) => [o.id, o.status])).toEqual([[placed.order.id, "CANCELED"]]);
    expect(await f.exchange.openOrders({ id: accountId })).toEqual([]);
    expect((await f.desk.orders.open(userId)).items).toEqual([]);
    // Once cancelled, it cannot be cancelled again.
    await expect(f.desk.orders.cancel(userId, { orderId: placed.order.id })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("cancels every open order of a symbol on an account (entries and protection), no other symbol's", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("ETHUSDT", "3000");
    await f.desk.orders.create(userId, limit(accountId, "BTCUSDT", "BUY", "0.01", "60000"));
    await f.desk.orders.create(userId, limit(accountId, "BTCUSDT", "BUY", "0.02", "59000"));
    const eth = await f.desk.orders.create(userId, limit(accountId, "ETHUSDT", "BUY", "0.1", "2500"));

    const result = await f.desk.orders.cancel(userId, { accountId, symbol: "BTCUSDT" });
    expect(result.orders.map((o) => o.status)).toEqual(["CANCELED", "CANCELED"]);
    expect((await f.desk.orders.open(userId)).items.map((o) => o.id)).toEqual([eth.order.id]);
    await expect(f.desk.orders.cancel(userId, { accountId, symbol: "BTCUSDT" })).rejects.toBeInstanceOf(
      InvalidCommandError,
    );
    const other = await f.createTrader();
    await expect(f.desk.orders.cancel(other.userId, { accountId, symbol: "ETHUSDT" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("lists trades and closed positions with their realized PnL, page by page", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    for (let i = 0; i < 3; i++) {
      const opened = await f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.01"));
      await f.exchange.setMarkPrice("BTCUSDT", "66000");
      await f.desk.positions.close(userId, { positionId: opened.position!.id, clientOrderId: randomUUID() });
      await f.exchange.setMarkPrice("BTCUSDT", "65000");
    }
    const first = await f.desk.positions.closed(userId, { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await f.desk.positions.closed(userId, { limit: 2, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    for (const position of [...first.items, ...second.items]) {
      expect(position).toMatchObject({ status: "CLOSED", closedBy: "TRADER" });
      expect(new Decimal(position.realizedPnl).eq(10)).toBe(true); // (66,000 - 65,000) x 0.01
    }
    const tradesPage = await f.desk.orders.trades(userId, { limit: 4 });
    expect(tradesPage.items).toHaveLength(4);
    expect(tradesPage.items.every((o) => new Decimal(o.filledQuantity).gt(0))).toBe(true);
    const rest = await f.desk.orders.trades(userId, { limit: 4, cursor: tradesPage.nextCursor! });
    expect(rest.items).toHaveLength(2);
    // Another user's cursor lists nothing.
    const other = await f.createTrader();
    expect(await f.desk.positions.closed(other.userId, { limit: 2, cursor: first.nextCursor! })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("open orders: the newest 200 of every account, any month, newest first (ties by id), and whether more are open", async () => {
    const { userId, accountId } = await f.createTrader();
    const second = await f.addAccount(userId, "Second");
    const now = Date.parse("2026-11-24T10:00:00.000Z");
    // 201 open orders over two accounts and 14 months (resting for months), a few at the same
    // instant; and orders no longer open, newer than all of them.
    const live = ["NEW", "PENDING", "PARTIALLY_FILLED", "PENDING_CANCEL"] as const;
    const open = Array.from({ length: 201 }, (_, i) => ({
      accountId: i % 2 ? accountId : second,
      status: live[i % 4]!,
      createdAt: new Date(now - Math.floor(i / 3) * 6.5 * 86_400_000),
    }));
    const closed = (["FILLED", "CANCELED", "REJECTED", "EXPIRED"] as const).map((status) => ({
      accountId,
      status,
      createdAt: new Date(now + 60_000),
    }));
    await f.prisma.order.createMany({
      data: [...open, ...closed].map((order) => ({
        ...order,
        id: randomUUID(),
        symbol: "BTCUSDT",
        role: "ENTRY" as const,
        clientOrderId: randomUUID(),
        side: "BUY" as const,
        type: "LIMIT" as const,
        price: "5",
        quantity: "2",
      })),
    });
    const newestFirst = await f.prisma.order.findMany({
      where: { accountId: { in: [accountId, second] }, status: { in: [...live] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(newestFirst).toHaveLength(201);

    const all = await f.desk.orders.open(userId);
    expect(all.truncated).toBe(true);
    expect(all.items.map((order) => order.id)).toEqual(newestFirst.slice(0, 200).map((order) => order.id));
    await f.prisma.order.update({ where: { id: newestFirst[0]!.id }, data: { status: "FILLED" } });
    const rest = await f.desk.orders.open(userId);
    expect(rest.truncated).toBe(false);
    expect(rest.items.map((order) => order.id)).toEqual(newestFirst.slice(1).map((order) => order.id));
  });
});
