import { randomUUID } from "node:crypto";
import { DAILY_PNL_VIEW, refreshDailyPnlView } from "@tradedesk/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture } from "../testing/index.ts";
import { InvalidCommandError } from "./errors.ts";

/**
 * The history read from daily_account_pnl plus the live days. The fixture's clock says
 * 2026-11-24T10:00Z ("today"); rows are written straight into the record, with their times.
 */

let f: DeskFixture;
let userId: string;
let main: string;
let second: string;
let otherUsersAccount: string;

beforeAll(async () => {
  f = await createDeskFixture();
  ({ userId, accountId: main } = await f.createTrader());
  second = await f.addAccount(userId, "Second");
  otherUsersAccount = (await f.createTrader()).accountId;
});
afterAll(() => f.close());

const closed = (accountId: string, symbol: string, realizedPnl: string, closedAt: string) =>
  f.prisma.position.create({
    data: {
      accountId,
      symbol,
      side: "LONG",
      quantity: "1",
      entryPrice: "100",
      status: "CLOSED",
      realizedPnl,
      openedAt: new Date(closedAt),
      closedAt: new Date(closedAt),
    },
  });

const filled = (
  accountId: string,
  symbol: string,
  quantity: string,
  price: string,
  fee: string,
  at: string,
) =>
  f.prisma.order.create({
    data: {
      accountId,
      role: "ENTRY",
      clientOrderId: randomUUID(),
      symbol,
      side: "BUY",
      type: "MARKET",
      status: "FILLED",
      quantity,
      filledQuantity: quantity,
      averagePrice: price,
      fee,
      createdAt: new Date(at),
    },
  });

/** The view's last refresh as if it had run at `at` (it holds at least what was committed by then). */
const recordRefreshAt = (at: string) =>
  f.prisma.materializedViewRefresh.update({
    where: { viewName: DAILY_PNL_VIEW },
    data: { refreshedAt: new Date(at) },
  });

/** The BTCUSDT position closed and its order filled on the 20th, as the view holds them. */
const btcOnThe20th = {
  day: "2026-11-20",
  realizedPnl: "100.5",
  fees: "12.25",
  net: "88.25",
  volume: "30000",
  closedPositions: 1,
  winningPositions: 1,
  filledOrders: 1,
};

describe("the daily PnL history", () => {
  beforeAll(async () => {
    await closed(main, "BTCUSDT", "100.5", "2026-11-20T09:00:00Z");
    await filled(main, "BTCUSDT", "0.5", "60000", "12.25", "2026-11-20T08:00:00Z");
    await closed(second, "ETHUSDT", "-30.25", "2026-11-22T23:59:59.999Z");
    await filled(second, "ETHUSDT", "2", "3000.5", "1.2", "2026-11-22T10:00:00Z");
    await closed(otherUsersAccount, "BTCUSDT", "999", "2026-11-22T12:00:00Z");
    await refreshDailyPnlView(f.db);
    // Today, after the refresh: only the live part can know.
    await closed(main, "SOLUSDT", "7", "2026-11-24T09:00:00Z");
    await filled(main, "SOLUSDT", "10", "150", "0.3", "2026-11-24T08:59:00Z");
  });

  it("sums the view's days over accounts and symbols, and today live, exactly", async () => {
    const history = await f.desk.history.daily(userId, {});

    expect(history.days).toEqual([
      btcOnThe20th,
      {
        day: "2026-11-22",
        realizedPnl: "-30.25",
        fees: "1.2",
        net: "-31.45",
        volume: "6001",
        closedPositions: 1,
        winningPositions: 0,
        filledOrders: 1,
      },
      {
        day: "2026-11-24",
        realizedPnl: "7",
        fees: "0.3",
        net: "6.7",
        volume: "1500",
        closedPositions: 1,
        winningPositions: 1,
        filledOrders: 1,
      },
    ]);
    expect(history.totals).toEqual({
      realizedPnl: "77.25",
      fees: "13.75",
      net: "63.5",
      volume: "37501",
      closedPositions: 3,
      // Two of the three made money: a win rate of 2/3.
      winningPositions: 2,
      filledOrders: 3,
    });
    expect(history).toMatchObject({ from: null, to: "2026-11-24", asOf: "2026-11-24T10:00:00.000Z" });
    // The refresh ran on the database's clock, days after the fixture's "today".
    expect(history.liveFrom).toBe("2026-11-24");
    expect(history.viewRefreshedAt).toBe(
      (
        await f.prisma.materializedViewRefresh.findUniqueOrThrow({ where: { viewName: DAILY_PNL_VIEW } })
      ).refreshedAt.toISOString(),
    );
  });

  it("reads one symbol: its days from the per-symbol view and live, with their totals", async () => {
    const btc = await f.desk.history.daily(userId, { symbol: "BTCUSDT" });
    expect(btc.days).toEqual([btcOnThe20th]);
    expect(btc.totals).toEqual({ ...btc.days[0], day: undefined });

    const sol = await f.desk.history.daily(userId, { symbol: "SOLUSDT" });
    expect(sol.days.map((d) => [d.day, d.realizedPnl, d.volume])).toEqual([["2026-11-24", "7", "1500"]]);

    const none = await f.desk.history.summary(userId, { symbol: "ETHUSDT", accountId: main });
    expect(none.totals).toEqual({
      realizedPnl: "0",
      fees: "0",
      net: "0",
      volume: "0",
      closedPositions: 0,
      winningPositions: 0,
      filledOrders: 0,
    });
  });

  it("reads every day since the view's last refresh live, and earlier days as the view holds them", async () => {
    await recordRefreshAt("2026-11-21T12:00:00Z");
    // Committed after the refresh, on a day before it: the view shows it at its next refresh.
    await closed(main, "BTCUSDT", "1", "2026-11-20T10:00:00Z");

    const history = await f.desk.history.daily(userId, {});

    expect(history.liveFrom).toBe("2026-11-21");
    expect(history.viewRefreshedAt).toBe("2026-11-21T12:00:00.000Z");
    expect(history.days.map((d) => [d.day, d.realizedPnl])).toEqual([
      ["2026-11-20", "100.5"],
      ["2026-11-22", "-30.25"],
      ["2026-11-24", "7"],
    ]);

    await refreshDailyPnlView(f.db);
    const refreshed = await f.desk.history.daily(userId, {});
    expect(refreshed.days[0]).toMatchObject({ day: "2026-11-20", realizedPnl: "101.5", closedPositions: 2 });
    expect(refreshed.liveFrom).toBe("2026-11-24");
  });

  it("reads one account, and another user's account as one without history", async () => {
    const one = await f.desk.history.daily(userId, { accountId: second });
    expect(one.days.map((d) => d.day)).toEqual(["2026-11-22"]);
    expect(one.totals.realizedPnl).toBe("-30.25");

    const others = await f.desk.history.daily(userId, { accountId: otherUsersAccount });
    expect(others.days).toEqual([]);
    expect(others.totals).toMatchObject({ realizedPnl: "0", fees: "0", net: "0", closedPositions: 0 });
  });

  it("reads the last N days, today included, or from / to inclusive", async () => {
    const lastThree = await f.desk.history.daily(userId, { lastDays: 3 });
    expect(lastThree).toMatchObject({ from: "2026-11-22", to: "2026-11-24" });
    expect(lastThree.days.map((d) => d.day)).toEqual(["2026-11-22", "2026-11-24"]);
    // The view's part of the totals is its running total at the range's end less the one before
    // its start: the 20th's stays out.
    expect(lastThree.totals).toEqual({
      realizedPnl: "-23.25",
      fees: "1.5",
      net: "-24.75",
      volume: "7501",
      closedPositions: 2,
      winningPositions: 1,
      filledOrders: 2,
    });
    const theTwentySecond = await f.desk.history.summary(userId, { from: "2026-11-22", to: "2026-11-22" });
    expect(theTwentySecond.totals).toMatchObject({ realizedPnl: "-30.25", volume: "6001", filledOrders: 1 });
    const beforeAnything = await f.desk.history.summary(userId, { from: "2026-11-01", to: "2026-11-19" });
    expect(beforeAnything.totals).toMatchObject({ realizedPnl: "0", volume: "0", closedPositions: 0 });

    const range = await f.desk.history.daily(userId, { from: "2026-11-20", to: "2026-11-22" });
    expect(range.days.map((d) => d.day)).toEqual(["2026-11-20", "2026-11-22"]);
    expect(range.totals.filledOrders).toBe(2);
    // The view's days come a month at a time: the month's days after the range stay out.
    const theTwentieth = await f.desk.history.daily(userId, { from: "2026-11-20", to: "2026-11-21" });
    expect(theTwentieth.days.map((d) => d.day)).toEqual(["2026-11-20"]);

    await expect(f.desk.history.daily(userId, { from: "2026-11-25", to: "2026-11-24" })).rejects.toThrow(
      InvalidCommandError,
    );
    await expect(f.desk.history.daily(userId, { lastDays: 0 })).rejects.toMatchObject({ field: "lastDays" });
  });

  it("summarizes the same range: its totals, and how fresh they are", async () => {
    const daily = await f.desk.history.daily(userId, { lastDays: 30 });
    const summary = await f.desk.history.summary(userId, { lastDays: 30 });
    expect(summary).toEqual({
      from: daily.from,
      to: daily.to,
      totals: daily.totals,
      asOf: daily.asOf,
      liveFrom: daily.liveFrom,
      viewRefreshedAt: daily.viewRefreshedAt,
    });
  });

  it("aggregates every day live when no refresh is recorded", async () => {
    await f.prisma.materializedViewRefresh.delete({ where: { viewName: DAILY_PNL_VIEW } });
    await closed(main, "BTCUSDT", "2", "2026-11-20T11:00:00Z");
    try {
      const history = await f.desk.history.daily(userId, {});
      expect(history).toMatchObject({ liveFrom: "1970-01-01", viewRefreshedAt: null });
      expect(history.days[0]).toMatchObject({ day: "2026-11-20", realizedPnl: "103.5" });
    } finally {
      await refreshDailyPnlView(f.db);
    }
  });
});
