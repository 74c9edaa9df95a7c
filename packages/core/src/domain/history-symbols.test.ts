import { randomUUID } from "node:crypto";
import { DAILY_PNL_VIEW, refreshDailyPnlView } from "@tradedesk/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture, recordClosedPosition, recordOrder } from "../testing/index.ts";

/**
 * The symbols a trader has history in, for the history's symbol picker: the daily view's (those
 * the exchange no longer lists included: the simulated exchange does not list LUNAUSDT) and the
 * live days'. The fixture's clock says 2026-11-24T10:00Z ("today"); rows are written straight
 * into the record, with their times.
 */

let f: DeskFixture;
/** The trader's id and two accounts; another trader's id. */
let trader: { userId: string; main: string; second: string };
let otherUserId: string;

beforeAll(async () => {
  f = await createDeskFixture();
  const { userId, accountId } = await f.createTrader();
  trader = { userId, main: accountId, second: await f.addAccount(userId, "Second") };
  const other = await f.createTrader();
  otherUserId = other.userId;

  await closedPosition(trader.main, "LUNAUSDT", "2026-05-10T12:00:00Z");
  await order(trader.main, "BTCUSDT", "2026-11-20T08:00:00Z", { filled: true });
  await closedPosition(trader.second, "BTCUSDT", "2026-11-22T09:00:00Z");
  await order(trader.second, "ETHUSDT", "2026-11-21T08:00:00Z", { filled: false });
  await closedPosition(other.accountId, "XRPUSDT", "2026-11-22T12:00:00Z");
  await refreshDailyPnlView(f.db);
  // Today, after the refresh: only the live part can know. An order filled, none closed yet.
  await order(trader.main, "SOLUSDT", "2026-11-24T08:00:00Z", { filled: true });
  await order(trader.second, "ADAUSDT", "2026-11-24T08:30:00Z", { filled: false });
});
afterAll(() => f.close());

const closedPosition = (accountId: string, symbol: string, at: string) =>
  recordClosedPosition(f.prisma, { accountId, symbol, realizedPnl: "-1", closedAt: new Date(at) });

/** An order of `symbol` placed at `at`: filled, or resting unfilled (no history). */
const order = (accountId: string, symbol: string, at: string, { filled }: { filled: boolean }) =>
  recordOrder(f.prisma, { accountId, symbol, createdAt: new Date(at), filled });

describe("the symbols a trader has history in", () => {
  it("lists each symbol closed or filled on any account once, in order: delisted ones and today's live ones too", async () => {
    // LUNAUSDT: months ago, no longer listed. BTCUSDT: on both accounts. SOLUSDT: today, an
    // order filled after the view's refresh. ETHUSDT and ADAUSDT: orders that never filled.
    expect(await f.desk.history.symbols(trader.userId)).toEqual({
      symbols: ["BTCUSDT", "LUNAUSDT", "SOLUSDT"],
    });
  });

  it("shows another user's history to nobody else: a trader without any sees none", async () => {
    expect(await f.desk.history.symbols(otherUserId)).toEqual({ symbols: ["XRPUSDT"] });
    const { userId: newcomer } = await f.createTrader();
    expect(await f.desk.history.symbols(newcomer)).toEqual({ symbols: [] });
    expect(await f.desk.history.symbols(randomUUID())).toEqual({ symbols: [] });
  });

  it("reads every day since the view's last refresh live, as the history does", async () => {
    await f.prisma.materializedViewRefresh.update({
      where: { viewName: DAILY_PNL_VIEW },
      data: { refreshedAt: new Date("2026-11-21T12:00:00Z") },
    });
    // Closed on the 22nd, committed after the view's refresh: the 22nd is live now.
    await closedPosition(trader.second, "DOGEUSDT", "2026-11-22T10:00:00Z");
    try {
      expect((await f.desk.history.symbols(trader.userId)).symbols).toEqual([
        "BTCUSDT",
        "DOGEUSDT",
        "LUNAUSDT",
        "SOLUSDT",
      ]);
    } finally {
      await refreshDailyPnlView(f.db);
    }
  });

  it("reads every day live when no refresh is recorded", async () => {
    await f.prisma.materializedViewRefresh.delete({ where: { viewName: DAILY_PNL_VIEW } });
    await closedPosition(trader.main, "NEARUSDT", "2026-03-01T12:00:00Z");
    try {
      expect((await f.desk.history.symbols(trader.userId)).symbols).toContain("NEARUSDT");
    } finally {
      await refreshDailyPnlView(f.db);
    }
  });
});
