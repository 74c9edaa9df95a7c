import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { ExchangeUnavailableError } from "../exchange/errors.ts";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";
import type { SnapshotPosition } from "./balances-snapshot.ts";

describe("balances.read", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());

  async function traderWithLong() {
    const trader = await f.createTrader();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    const opened = await f.desk.orders.create(
      trader.userId,
      market(trader.accountId, "BTCUSDT", "BUY", "0.5", { stopLoss: "60000", leverage: 5 }),
    );
    return { ...trader, position: opened.position! };
  }

  it("loads accounts, balances and positions with their protection, then serves them from the cache within the TTL", async () => {
    const { userId, accountId, position } = await traderWithLong();

    const first = await f.desk.balances.read(userId);
    expect(first).toMatchObject({
      fromCache: false,
      stale: false,
      ageMs: 0,
      asOf: "2026-11-24T10:00:00.000Z",
    });
    expect(first.data.accounts).toEqual([
      {
        id: accountId,
        exchange: "SIMULATED",
        label: "Simulated",
        testnet: false,
        balances: [{ asset: "USDT", walletBalance: "100000", availableBalance: expect.any(String) }],
      },
    ]);
    expect(first.data.positions).toEqual([
      expect.objectContaining({
        id: position.id,
        symbol: "BTCUSDT",
        side: "LONG",
        quantity: "0.5",
        entryPrice: "65000",
        leverage: 5,
        stopLoss: expect.objectContaining({ triggerPrice: "60000" }),
        takeProfit: null,
        markPrice: "65000",
        unrealizedPnl: "0",
        notional: "32500",
      }),
    ]);

    f.advance(2_999);
    const second = await f.desk.balances.read(userId);
    expect(second).toMatchObject({ fromCache: true, ageMs: 2_999, asOf: first.asOf });

    f.advance(2);
    expect((await f.desk.balances.read(userId)).fromCache).toBe(false);
  });

  it("overlays fresh mark prices and PnL on every read, even from the cache", async () => {
    const { userId } = await traderWithLong();
    await f.desk.balances.read(userId);
    await f.exchange.setMarkPrice("BTCUSDT", "66000.1");

    const read = await f.desk.balances.read(userId);

    expect(read.fromCache).toBe(true);
    expect(read.data.positions[0]).toMatchObject({
      markPrice: "66000.1",
      unrealizedPnl: "500.05",
      notional: "33000.05",
    });
    expect(read.data.totals).toEqual({
      currency: "USDT",
      walletBalance: "100000",
      unrealizedPnl: "500.05",
      equity: "100500.05",
      notional: "33000.05",
    });
  });

  it("never lets a price into the cached snapshot (by type)", () => {
    expectTypeOf<SnapshotPosition["markPrice"]>().toEqualTypeOf<undefined>();
    expectTypeOf<SnapshotPosition["unrealizedPnl"]>().toEqualTypeOf<undefined>();
    const withPrice = {
      id: "p",
      accountId: "a",
      exchange: "SIMULATED",
      symbol: "BTCUSDT",
      side: "LONG",
      quantity: new Decimal(1),
      entryPrice: new Decimal(1),
      leverage: 1,
      openedAt: new Date(0),
      stopLoss: null,
      takeProfit: null,
      externalOrders: 0,
      markPrice: new Decimal(1),
    } as const;
    // typecheck fails here if a cached position could ever carry a mark price
    // @ts-expect-error markPrice is `never` on SnapshotPosition
    const cached: SnapshotPosition = withPrice;
    expect(cached).toBe(withPrice);
  });

  it("reflects a mutation at once: the mutation invalidates the user's entry after it commits", async () => {
    const { userId, accountId } = await traderWithLong();
    await f.desk.balances.read(userId);
    await f.desk.orders.create(userId, market(accountId, "ETHUSDT", "SELL", "1"));
    const read = await f.desk.balances.read(userId);
    expect(read.fromCache).toBe(false);
    expect(read.data.positions.map((p) => p.symbol).sort()).toEqual(["BTCUSDT", "ETHUSDT"]);
  });

  it("fails clearly when the exchange is down and nothing may stand in", async () => {
    const { userId } = await f.createTrader();
    f.exchange.injectFault({ kind: "server-error" }, { operation: "getAccountSnapshot" });
    await expect(f.desk.balances.read(userId)).rejects.toThrow(ExchangeUnavailableError);
  });

  it("keeps users apart: one user's read never shows another's accounts or positions", async () => {
    const a = await traderWithLong();
    const b = await f.createTrader();
    const read = await f.desk.balances.read(b.userId);
    expect(read.data.accounts.map((account) => account.id)).toEqual([b.accountId]);
    expect(read.data.positions).toEqual([]);
    expect(JSON.stringify(read)).not.toContain(a.position.id);
  });
});

describe("balances.read with stale-if-error", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture({ staleIfErrorMs: 30_000 });
  });
  afterAll(() => f.close());

  it("serves the last snapshot, marked stale with its age, when the exchange fails after the TTL", async () => {
    const { userId } = await f.createTrader();
    await f.desk.balances.read(userId);
    f.advance(10_000);
    f.exchange.injectFault({ kind: "timeout" }, { operation: "getAccountSnapshot" });

    const read = await f.desk.balances.read(userId);

    expect(read).toMatchObject({ stale: true, fromCache: true, ageMs: 10_000 });
    expect(read.data.accounts).toHaveLength(1);
  });
});

describe("balances.read: what reconciliation found", () => {
  let f: DeskFixture;
  const NOW = Date.parse("2026-11-24T10:00:00.000Z"); // the fixture's clock, never advanced here
  const ago = (ms: number) => new Date(NOW - ms);
  const HOUR = 60 * 60 * 1000;
  beforeAll(async () => {
    f = await createDeskFixture();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
  });
  afterAll(() => f.close());

  async function externalOrder(
    accountId: string,
    positionId: string | null,
    status: "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED",
  ) {
    await f.prisma.order.create({
      data: {
        accountId,
        positionId,
        role: "EXTERNAL",
        clientOrderId: randomUUID(),
        exchangeOrderId: randomUUID(),
        symbol: "BTCUSDT",
        side: "SELL",
        type: "LIMIT",
        quantity: "0.1",
        price: "70000",
        status,
      },
    });
  }

  async function closedPosition(
    accountId: string,
    closedBy: "TRADER" | "EXCHANGE" | "STOP_LOSS" | "TAKE_PROFIT",
    closedAt: Date,
    realizedPnl = "-12.3",
  ) {
    return f.prisma.position.create({
      data: {
        accountId,
        symbol: "BTCUSDT",
        side: "LONG",
        quantity: "0.5",
        entryPrice: "65000",
        status: "CLOSED",
        closedBy,
        closedAt,
        openedAt: ago(48 * HOUR),
        realizedPnl,
      },
    });
  }

  it("counts each open position's live EXTERNAL orders, and only those", async () => {
    const { userId, accountId } = await f.createTrader();
    const long = await f.desk.orders.create(
      userId,
      market(accountId, "BTCUSDT", "BUY", "0.5", { stopLoss: "60000" }),
    );
    const short = await f.desk.orders.create(userId, market(accountId, "ETHUSDT", "SELL", "1"));
    const before = await f.desk.balances.read(userId);
    expect(before.data.positions.map((p) => p.externalOrders)).toEqual([0, 0]);

    await externalOrder(accountId, long.position!.id, "NEW");
    // Not live, or not on this position: not counted.
    await externalOrder(accountId, long.position!.id, "FILLED");
    await externalOrder(accountId, long.position!.id, "CANCELED");
    await externalOrder(accountId, null, "NEW");
    await f.cache.invalidate(userId); // rows written behind the desk's back, as the reconciler does

    const read = await f.desk.balances.read(userId);
    const byId = new Map(read.data.positions.map((p) => [p.id, p]));
    expect(byId.get(long.position!.id)).toMatchObject({ externalOrders: 1, stopLoss: expect.anything() });
    expect(byId.get(short.position!.id)).toMatchObject({ externalOrders: 0 });

    await externalOrder(accountId, long.position!.id, "PARTIALLY_FILLED");
    await f.cache.invalidate(userId);
    expect(
      (await f.desk.balances.read(userId)).data.positions.find((p) => p.id === long.position!.id)
        ?.externalOrders,
    ).toBe(2);
  });

  it("lists the user's positions the exchange closed in the last 24 hours, not the trader's", async () => {
    const { userId, accountId } = await f.createTrader();
    const other = await f.createTrader();
    const byExchange = await closedPosition(accountId, "EXCHANGE", ago(HOUR), "-12.3");
    await closedPosition(accountId, "TRADER", ago(HOUR / 2));
    await closedPosition(accountId, "STOP_LOSS", ago(25 * HOUR)); // outside the window
    const othersClose = await closedPosition(other.accountId, "EXCHANGE", ago(HOUR / 4));

    const read = await f.desk.balances.read(userId);

    expect(read.data.recentlyClosed).toEqual([
      {
        positionId: byExchange.id,
        accountId,
        symbol: "BTCUSDT",
        side: "LONG",
        quantity: "0.5",
        closedBy: "EXCHANGE",
        closedAt: ago(HOUR).toISOString(),
        realizedPnl: "-12.3",
      },
    ]);
    expect(JSON.stringify(read)).not.toContain(othersClose.id);
    const theirs = await f.desk.balances.read(other.userId);
    expect(theirs.data.recentlyClosed.map((p) => p.positionId)).toEqual([othersClose.id]);
  });

  it("shows at most 10, newest first, stop-loss and take-profit closes included", async () => {
    const { userId, accountId } = await f.createTrader();
    const closed = [];
    for (let index = 0; index < 12; index++) {
      const reason = index % 2 === 0 ? "STOP_LOSS" : "TAKE_PROFIT";
      closed.push(await closedPosition(accountId, reason, ago((index + 1) * HOUR), `${index}.5`));
    }

    const { recentlyClosed } = (await f.desk.balances.read(userId)).data;

    expect(recentlyClosed.map((p) => p.positionId)).toEqual(closed.slice(0, 10).map((p) => p.id));
    expect(recentlyClosed.slice(0, 2).map((p) => [p.closedBy, p.realizedPnl])).toEqual([
      ["STOP_LOSS", "0.5"],
      ["TAKE_PROFIT", "1.5"],
    ]);
  });
});
