import { recordClosedPosition } from "@tradedesk/core/testing";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiFixture, createApiFixture, failureOf, shapeOf } from "./testing/api-fixture.ts";

/**
 * history.daily / history.summary / history.symbols over the API: the caller's days, live today,
 * the symbols with history, and input rules.
 */
describe("history.daily, history.summary and history.symbols", () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await createApiFixture();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
  });
  afterAll(() => f.close());

  /** The trader buys 0.01 BTCUSDT at market and closes it once the mark is at `closeAt`. */
  async function roundTrip(trader: Awaited<ReturnType<ApiFixture["signedInTrader"]>>, closeAt: string) {
    const { position } = await trader.api.orders.create({
      accountId: trader.accountId,
      symbol: "BTCUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "0.01",
    });
    await f.exchange.setMarkPrice("BTCUSDT", closeAt);
    return (await trader.api.positions.close({ positionId: position!.id })).position;
  }

  it("shows today's closed position and fills at once (live), to the caller only", async () => {
    const trader = await f.signedInTrader();
    const other = await f.signedInTrader();
    const closed = await roundTrip(trader, "65500");

    const history = await trader.api.history.daily();

    // The fixture's clock: 2026-11-24T10:00Z; the default range is the last 90 days.
    expect(history).toMatchObject({ from: "2026-08-27", to: "2026-11-24", liveFrom: "2026-11-24" });
    expect(history.days).toHaveLength(1);
    const [today] = history.days;
    expect(today).toMatchObject({
      day: "2026-11-24",
      realizedPnl: closed.realizedPnl,
      // The simulated exchange charges no fees.
      fees: "0",
      net: closed.realizedPnl,
      closedPositions: 1,
      filledOrders: 2,
    });
    const fills = (await trader.api.orders.trades()).items;
    const volume = fills.reduce(
      (total, o) => total.plus(new Decimal(o.filledQuantity).times(o.averagePrice!)),
      new Decimal(0),
    );
    expect(today!.volume).toBe(volume.toFixed());
    expect(history.viewRefreshedAt).toEqual(expect.any(String));

    const summary = await trader.api.history.summary();
    expect(summary.totals).toEqual(history.totals);
    // One symbol: the position's (the default range stays the last 90 days); another: nothing.
    expect(await trader.api.history.daily({ symbol: "BTCUSDT" })).toMatchObject({
      from: "2026-08-27",
      days: history.days,
    });
    expect((await trader.api.history.summary({ symbol: "ETHUSDT" })).totals.filledOrders).toBe(0);
    expect((await other.api.history.daily()).days).toEqual([]);
    expect((await other.api.history.summary({ accountId: trader.accountId })).totals.closedPositions).toBe(0);
  });

  it("lists the symbols the caller has history in, one the exchange delisted too, to the caller only", async () => {
    const trader = await f.signedInTrader();
    const other = await f.signedInTrader();
    await roundTrip(trader, "65000");
    // Traded before the exchange stopped listing it (no order for it would pass the rules now).
    await recordClosedPosition(f.prisma, {
      accountId: trader.accountId,
      symbol: "LUNAUSDT",
      realizedPnl: "-7990",
      closedAt: new Date("2026-11-24T09:00:00Z"),
    });

    expect(await trader.api.history.symbols()).toEqual({ symbols: ["BTCUSDT", "LUNAUSDT"] });
    expect(await other.api.history.symbols()).toEqual({ symbols: [] });
    const luna = await trader.api.history.summary({ symbol: "LUNAUSDT" });
    expect(luna.totals).toMatchObject({ realizedPnl: "-7990", closedPositions: 1 });
  });

  it("takes the last N days or from / to, and names the field at fault", async () => {
    const trader = await f.signedInTrader();
    expect(await trader.api.history.summary({ lastDays: 1 })).toMatchObject({
      from: "2026-11-24",
      to: "2026-11-24",
    });
    expect(await trader.api.history.daily({ from: "2024-02-29", to: "2024-03-01" })).toMatchObject({
      from: "2024-02-29",
      days: [],
    });

    const fieldsOf = async (input: unknown) => {
      const error = await failureOf(trader.api.history.daily(input as never));
      expect(error.code).toBe("BAD_REQUEST");
      return shapeOf(error).data.zodError?.fieldErrors ?? {};
    };
    expect(await fieldsOf({ lastDays: 7, from: "2026-11-01" })).toEqual({
      lastDays: ["give lastDays, or from / to, not both"],
    });
    expect(await fieldsOf({ from: "2026-11-20", to: "2026-11-10" })).toEqual({
      from: ["must not be after to"],
    });
    expect(await fieldsOf({ from: "2026-02-30" })).toEqual({ from: ["must be a date, YYYY-MM-DD"] });
    expect(await fieldsOf({ lastDays: 0 })).toEqual({ lastDays: ["must be at least 1"] });
    expect(await fieldsOf({ symbol: "btc" })).toEqual({
      symbol: ["must be a USDT-margined symbol such as BTCUSDT"],
    });
    expect(Object.keys(await fieldsOf({ userId: trader.userId }))).toEqual([]);
    // Only `from`, after today: the domain's rule, on the same field.
    expect(await fieldsOf({ from: "2026-12-01" })).toEqual({ from: ["must not be after 2026-11-24"] });
  });
});
