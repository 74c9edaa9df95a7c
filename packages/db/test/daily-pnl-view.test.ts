import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DAILY_PNL_VIEW,
  DAILY_USER_PNL_BY_MONTH_VIEW,
  DAILY_USER_PNL_VIEW,
  type Database,
  refreshDailyPnlView,
} from "../src/index.ts";
import { createTestAccount, createTestDatabase } from "../src/testing/index.ts";

let db: Database;
let accountId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  accountId = await createTestAccount(db, "daily-pnl@example.com");
});
afterAll(() => db.close());

const closePosition = (realizedPnl: string, closedAt: Date, on = { accountId, symbol: "BTCUSDT" }) =>
  db.prisma.position.create({
    data: {
      ...on,
      side: "LONG",
      quantity: "1",
      entryPrice: "60000",
      status: "CLOSED",
      realizedPnl,
      openedAt: closedAt,
      closedAt,
    },
  });

const viewPnl = async () => {
  const rows = await db.prisma.$queryRawUnsafe<{ pnl: string | null }[]>(
    `SELECT sum(realized_pnl)::text AS pnl FROM ${DAILY_PNL_VIEW} WHERE account_id = $1::uuid`,
    accountId,
  );
  return rows[0]?.pnl ?? null;
};
const recorded = async () =>
  (await db.prisma.materializedViewRefresh.findUniqueOrThrow({ where: { viewName: DAILY_PNL_VIEW } }))
    .refreshedAt;

describe("refreshing daily_account_pnl", () => {
  it("is recorded by the migration that tracks it", async () => {
    expect(await recorded()).toBeInstanceOf(Date);
  });

  it("brings in what was committed before it, and records the time it is as of", async () => {
    const before = await recorded();
    await closePosition("12.5", new Date("2026-03-04T10:00:00Z"));
    expect(await viewPnl()).toBeNull();

    const result = await refreshDailyPnlView(db);

    expect(result.refreshed).toBe(true);
    expect(result.refreshedAt.getTime()).toBeGreaterThan(before.getTime());
    expect(await recorded()).toEqual(result.refreshedAt);
    expect(await viewPnl()).toBe("12.500000000000000000");
  });

  it("skips when a refresh started at or after notBefore is recorded, and runs when none is", async () => {
    const last = await recorded();
    await closePosition("-2.5", new Date("2026-03-05T10:00:00Z"));

    const skipped = await refreshDailyPnlView(db, { notBefore: last });
    expect(skipped).toEqual({ refreshed: false, refreshedAt: last, durationMs: 0 });
    expect(await viewPnl()).toBe("12.500000000000000000");

    const ran = await refreshDailyPnlView(db, { notBefore: new Date(last.getTime() + 1) });
    expect(ran.refreshed).toBe(true);
    expect(await viewPnl()).toBe("10.000000000000000000");
  });

  it("runs one refresh for two callers at once that need the same change", async () => {
    const notBefore = new Date((await recorded()).getTime() + 1);
    const results = await Promise.all([
      refreshDailyPnlView(db, { notBefore }),
      refreshDailyPnlView(db, { notBefore }),
    ]);
    expect(results.map((r) => r.refreshed).sort()).toEqual([false, true]);
    expect(results[0]!.refreshedAt).toEqual(results[1]!.refreshedAt);
  });

  it("refreshes the per-user rollup and its months with it: a day's row sums the user's accounts and symbols", async () => {
    const { userId } = await db.prisma.exchangeAccount.findUniqueOrThrow({ where: { id: accountId } });
    const second = await db.prisma.exchangeAccount.create({
      data: { userId, exchange: "SIMULATED", label: "Second" },
    });
    const day = new Date("2026-04-01T08:00:00Z");
    await closePosition("1.25", day);
    await closePosition("0.5", day, { accountId, symbol: "ETHUSDT" });
    await closePosition("-3", day, { accountId: second.id, symbol: "BTCUSDT" });
    const userDays = () =>
      db.prisma.$queryRawUnsafe<{ day: string; pnl: string; closed: number; won: number }[]>(
        `SELECT day::text AS day, realized_pnl::text AS pnl, closed_positions AS closed,
                winning_positions AS won
           FROM ${DAILY_USER_PNL_VIEW} WHERE user_id = $1::uuid AND day = '2026-04-01'`,
        userId,
      );
    const aprilByMonth = () =>
      db.prisma.$queryRawUnsafe<{ days: unknown }[]>(
        `SELECT days FROM ${DAILY_USER_PNL_BY_MONTH_VIEW} WHERE user_id = $1::uuid AND month = '2026-04-01'`,
        userId,
      );
    expect(await userDays()).toEqual([]);
    expect(await aprilByMonth()).toEqual([]);

    await refreshDailyPnlView(db);

    // Three (account, symbol) rows in daily_account_pnl, one in the rollup; no trailing zeros;
    // two of the three positions made money.
    expect(await userDays()).toEqual([{ day: "2026-04-01", pnl: "-1.25", closed: 3, won: 2 }]);
    // And the rollup's day in its month's row: [day, realized PnL, fees, net, volume, closed, won, filled].
    expect(await aprilByMonth()).toEqual([{ days: [["2026-04-01", "-1.25", "0", "-1.25", "0", 3, 2, 0]] }]);
  });
});
