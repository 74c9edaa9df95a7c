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
