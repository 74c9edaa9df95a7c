import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPositionsCache } from "../cache/index.ts";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";
import { createTradingDesk } from "./desk.ts";
import type { BalancesRead } from "./views.ts";

describe("cache invalidation happens after the commit", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
  });
  afterAll(() => f.close());

  /**
   * Runs `mutation` while a balances read races it: the read starts the moment the user's
   * entry is invalidated. Had the invalidation come before the commit, that read would load
   * (and cache) the data as it was before the mutation, and the next read would serve it.
   */
  async function racedBy(userId: string, mutation: () => Promise<unknown>): Promise<BalancesRead> {
    await f.desk.balances.read(userId); // a cached entry to invalidate
    let racing: Promise<BalancesRead> | null = null;
    const stop = f.cache.onInvalidate((event) => {
      if (event.userId === userId && !racing) racing = f.desk.balances.read(userId);
    });
    try {
      await mutation();
    } finally {
      stop();
    }
    expect(racing).not.toBeNull();
    await racing;
    const next = await f.desk.balances.read(userId);
    expect(next.fromCache).toBe(true);
    return next;
  }

  it("orders.create: a read racing the invalidation caches the new position", async () => {
    const { userId, accountId } = await f.createTrader();
    const read = await racedBy(userId, () =>
      f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.1", { stopLoss: "60000" })),
    );
    expect(read.data.positions).toEqual([
      expect.objectContaining({
        quantity: "0.1",
        stopLoss: expect.objectContaining({ triggerPrice: "60000" }),
      }),
    ]);
  });

  it("orders.create adding to a position: the cached quantity is the new one", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.1"));
    const read = await racedBy(userId, () =>
      f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.2")),
    );
    expect(read.data.positions).toEqual([expect.objectContaining({ quantity: "0.3" })]);
  });

  it("positions.modifySlTp: the cached stop-loss is the new one", async () => {
    const { userId, accountId } = await f.createTrader();
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "BTCUSDT", "BUY", "0.1", { stopLoss: "60000" }),
    );
    const read = await racedBy(userId, () =>
      f.desk.positions.modifySlTp(userId, {
        positionId: opened.position!.id,
        stopLoss: new Decimal("61000"),
      }),
    );
    expect(read.data.positions[0]?.stopLoss?.triggerPrice).toBe("61000");
  });

  it("positions.close: the cached summary has no position left", async () => {
    const { userId, accountId } = await f.createTrader();
    const opened = await f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.1"));
    const read = await racedBy(userId, () =>
      f.desk.positions.close(userId, { positionId: opened.position!.id, clientOrderId: crypto.randomUUID() }),
    );
    expect(read.data.positions).toEqual([]);
  });
});

describe("idempotency survives a restart of the desk", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());

  it("a new desk on the same database answers a repeated clientOrderId with the first order, and a repeated close with the first close", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("ETHUSDT", "3400");
    const command = market(accountId, "ETHUSDT", "BUY", "1", { stopLoss: "3000" });
    const first = await f.desk.orders.create(userId, command);
    const closeCommand = { positionId: first.position!.id, clientOrderId: crypto.randomUUID() };
    const closed = await f.desk.positions.close(userId, closeCommand);

    // The process restarts: a new desk and cache, nothing in memory, the same database and exchange.
    const cache = createPositionsCache({ ttlMs: 3_000 });
    const restarted = createTradingDesk({
      prisma: f.prisma,
      cache,
      gateways: { SIMULATED: f.exchange },
      logger: { warn: () => {}, error: () => {} },
    });
    const calls = f.exchange.stats().calls.placeOrder;
    try {
      const again = await restarted.orders.create(userId, command);
      expect(again).toMatchObject({ created: false, order: { id: first.order.id } });
      const closedAgain = await restarted.positions.close(userId, closeCommand);
      expect(closedAgain).toMatchObject({ closed: false, order: { id: closed.order.id } });
      expect(f.exchange.stats().calls.placeOrder).toBe(calls);
      expect(await f.prisma.order.count({ where: { accountId } })).toBe(3);
    } finally {
      cache.stop();
    }
  });

  it("a retry after the exchange accepted the order but the desk recorded nothing records the exchange's order, without placing another", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    const command = market(accountId, "SOLUSDT", "BUY", "4");
    // The desk placed it, then stopped before its transaction (a crash, a lost answer).
    await f.exchange.placeOrder({ id: accountId }, { ...command, type: "MARKET" });

    const entry = await f.desk.orders.create(userId, command);

    expect(entry).toMatchObject({
      created: true,
      order: { clientOrderId: command.clientOrderId, status: "FILLED", averagePrice: "150" },
      position: { quantity: "4", entryPrice: "150", status: "OPEN" },
    });
    expect(await f.exchange.openOrders({ id: accountId })).toEqual([]);
    const snapshot = await f.exchange.getAccountSnapshot({ id: accountId });
    expect(snapshot.positions.map((p) => p.quantity.toFixed())).toEqual(["4"]);

    // The same for a close whose exit filled but was never recorded.
    const exit = { positionId: entry.position!.id, clientOrderId: crypto.randomUUID() };
    await f.exchange.placeOrder(
      { id: accountId },
      {
        clientOrderId: exit.clientOrderId,
        symbol: "SOLUSDT",
        side: "SELL",
        type: "MARKET",
        quantity: new Decimal("4"),
        reduceOnly: true,
      },
    );
    const closed = await f.desk.positions.close(userId, exit);
    expect(closed).toMatchObject({ closed: true, position: { status: "CLOSED" }, order: { role: "EXIT" } });
    expect((await f.exchange.getAccountSnapshot({ id: accountId })).positions).toEqual([]);
  });

  it("a clientOrderId the exchange knows for a different order stays a rejection, recorded as one", async () => {
    const { userId, accountId } = await f.createTrader();
    const command = market(accountId, "SOLUSDT", "BUY", "4");
    await f.exchange.placeOrder({ id: accountId }, { ...command, quantity: new Decimal("1") });
    await expect(f.desk.orders.create(userId, command)).rejects.toMatchObject({
      name: "ExchangeRejectedError",
      code: -4116,
    });
    const rows = await f.prisma.order.findMany({ where: { accountId } });
    expect(rows.map((o) => [o.clientOrderId, o.status, o.exchangeOrderId])).toEqual([
      [command.clientOrderId, "REJECTED", null],
    ]);
    expect(await f.prisma.position.count({ where: { accountId } })).toBe(0);
  });
});
