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
});
