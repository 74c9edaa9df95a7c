import type { AppRouter } from "@tradedesk/api";
import { SAFETY_NET_MS } from "@tradedesk/core/testing";
import { DAILY_PNL_VIEW, orderPartitions } from "@tradedesk/db";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../src/app.ts";
import { orderWithLostAnswer } from "./testing/lost-answer.ts";
import { startTestApp } from "./testing/test-app.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/**
 * The database's upkeep as the server runs it: the orders' partitions made ahead before serving,
 * the daily PnL view refreshed after a reconciliation repair, both on /metrics, and the history
 * procedures over HTTP saying how fresh they are and which symbols have history.
 */

let app: App;
let url: string;

beforeAll(async () => {
  ({ app, url } = await startTestApp({ ORDERS_PARTITIONS_AHEAD: "5", RECONCILE_INTENT_GRACE_MS: "0" }));
});
afterAll(async () => {
  await app?.close();
});

async function metric(pattern: RegExp): Promise<number | null> {
  const match = pattern.exec(await (await fetch(`${url}/metrics`)).text());
  return match ? Number(match[1]) : null;
}
const REFRESHED =
  /tradedesk_materialized_view_refreshes_total\{view="daily_account_pnl",outcome="refreshed"\} (\d+)/;
const REFRESHED_AT =
  /tradedesk_materialized_view_refreshed_timestamp_seconds\{view="daily_account_pnl"\} ([\d.e+]+)/;
const recordedRefresh = async () =>
  (await app.db.prisma.materializedViewRefresh.findUniqueOrThrow({ where: { viewName: DAILY_PNL_VIEW } }))
    .refreshedAt;

async function signIn() {
  const { token } = await createTestClient<AppRouter>(url).auth.login.mutate({
    email: "demo@example.com",
    password: "tradedesk-demo",
  });
  const trader = createTestClient<AppRouter>(url, { authorization: `Bearer ${token}`, token });
  return { trader, accountId: (await trader.accounts.list.query())[0]!.id };
}

describe("the database's upkeep in the server", () => {
  it("made the orders partitions ORDERS_PARTITIONS_AHEAD months ahead before serving", async () => {
    expect(await metric(/^tradedesk_order_partitions_months_ahead (-?\d+)$/m)).toBe(5);
    expect(await metric(/^tradedesk_order_partitions_default_rows (\d+)$/m)).toBe(0);
    const now = new Date();
    const fifth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 5, 1));
    expect((await orderPartitions(app.db)).months.map((m) => m.from.getTime())).toContain(fifth.getTime());
  });

  it("has the seeded demo desk's closed positions, days old, in the history at once", async () => {
    const { trader } = await signIn();
    const closed = await app.db.prisma.position.findMany({
      where: { account: { user: { email: "demo@example.com" } }, status: "CLOSED" },
    });
    expect(closed.length).toBeGreaterThan(0);
    const summary = await trader.history.summary.query();
    expect(summary.totals.closedPositions).toBe(closed.length);
    // Read from the view, not live: each closed on a day before the live ones.
    for (const position of closed)
      expect(position.closedAt!.toISOString().slice(0, 10) < summary.liveFrom).toBe(true);
    // The history's symbols, for the picker: each once, every one closed or filled on.
    const filled = await app.db.prisma.order.findMany({
      where: { account: { user: { email: "demo@example.com" } }, filledQuantity: { gt: 0 } },
    });
    expect((await trader.history.symbols.query()).symbols).toEqual(
      [...new Set([...closed, ...filled].map((row) => row.symbol))].sort(),
    );
  });

  it("refreshes the daily PnL view after a repair; the history says as of when", async () => {
    // The start-up check has answered: the gauge shows the recorded refresh.
    await vi.waitFor(async () => expect(await metric(REFRESHED_AT)).not.toBeNull(), {
      timeout: SAFETY_NET_MS,
    });
    const before = await recordedRefresh();
    expect(await metric(REFRESHED_AT)).toBe(before.getTime() / 1000);
    const refreshedBefore = (await metric(REFRESHED)) ?? 0;

    const { trader, accountId } = await signIn();
    const opened = await trader.orders.create.mutate({
      accountId,
      symbol: "XRPUSDT",
      side: "BUY",
      type: "MARKET",
      quantity: "10",
    });
    const { position } = await trader.positions.close.mutate({ positionId: opened.position!.id });
    // Today is live: the closed position counts before any refresh.
    const live = await trader.history.daily.query({ lastDays: 1 });
    expect(live.days).toEqual([expect.objectContaining({ realizedPnl: position.realizedPnl })]);

    // A repair: an order whose answer was lost, settled by a reconcile run.
    await orderWithLostAnswer(app, trader, accountId);
    const report = await app.desk.reconciler.run(accountId, "MANUAL");
    expect(report?.repairs.length).toBeGreaterThan(0);

    await vi.waitFor(async () => expect(await metric(REFRESHED)).toBe(refreshedBefore + 1), {
      timeout: SAFETY_NET_MS,
      interval: 200,
    });
    const after = await recordedRefresh();
    expect(after.getTime()).toBeGreaterThan(before.getTime());
    expect(await metric(REFRESHED_AT)).toBe(after.getTime() / 1000);
    expect(
      await metric(
        /tradedesk_materialized_view_refresh_duration_seconds_count\{view="daily_account_pnl"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(1);

    // The view now holds today too; the history still counts it once (today is live).
    const summary = await trader.history.summary.query({ lastDays: 1 });
    expect(summary).toMatchObject({ viewRefreshedAt: after.toISOString() });
    expect(summary.totals).toEqual(live.totals);
  });
});
