import type { AppRouter } from "@tradedesk/api";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.ts";
import { orderWithLostAnswer } from "./testing/lost-answer.ts";
import { startTestApp } from "./testing/test-app.ts";
import { createTestClient } from "./testing/trpc-client.ts";

/**
 * Reconciliation as the server runs it: a repair is audited (reconcile_runs / reconcile_repairs),
 * logged, and counted on /metrics. The whole server on 127.0.0.1, logs captured as JSON lines.
 */

let app: App;
let url: string;
const logLines: { level: number; msg: string; [field: string]: unknown }[] = [];

beforeAll(async () => {
  ({ app, url } = await startTestApp(
    // An intent left PENDING is the dead process's: settled by the next run, no grace.
    { RECONCILE_INTENT_GRACE_MS: "0" },
    { logger: pino({ level: "warn" }, { write: (line: string) => logLines.push(JSON.parse(line)) }) },
  ));
});

afterAll(async () => {
  await app?.close();
});

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

const INTENT_RESOLVED = /tradedesk_reconcile_repairs_total\{kind="INTENT_RESOLVED"\} (\d+)/;
const MANUAL_OK = /tradedesk_reconcile_runs_total\{trigger="MANUAL",outcome="OK"\} (\d+)/;

describe("reconciliation in the server", () => {
  it("has run once at start-up, and /readyz is 200 after it", async () => {
    expect(await metric(/tradedesk_reconcile_runs_total\{trigger="STARTUP",outcome="OK"\} (\d+)/)).toBe(
      await app.db.prisma.exchangeAccount.count(),
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it("audits, logs and counts a repair", async () => {
    const { token } = await createTestClient<AppRouter>(url).auth.login.mutate({
      email: "demo@example.com",
      password: "tradedesk-demo",
    });
    const trader = createTestClient<AppRouter>(url, { authorization: `Bearer ${token}`, token });
    const accountId = (await trader.accounts.list.query())[0]!.id;
    const clientOrderId = await orderWithLostAnswer(app, trader, accountId);
    const repairsBefore = await metric(INTENT_RESOLVED);
    const runsBefore = await metric(MANUAL_OK);

    const report = await app.desk.reconciler.run(accountId, "MANUAL");

    expect(report?.outcome).toBe("OK");
    expect(report?.repairs.map((repair) => [repair.kind, repair.clientOrderId])).toEqual([
      ["INTENT_RESOLVED", clientOrderId],
    ]);
    // The record follows the exchange again.
    expect((await app.db.prisma.order.findFirstOrThrow({ where: { accountId, clientOrderId } })).status).toBe(
      "NEW",
    );
    // Counted...
    expect(await metric(INTENT_RESOLVED)).toBe(repairsBefore + 1);
    expect(await metric(MANUAL_OK)).toBe(runsBefore + 1);
    // ...audited...
    const run = await app.db.prisma.reconcileRun.findUniqueOrThrow({ where: { id: report!.runId } });
    expect(run).toMatchObject({ accountId, trigger: "MANUAL", outcome: "OK", repairCount: 1 });
    expect(run.finishedAt).not.toBeNull();
    const audited = await app.db.prisma.reconcileRepair.findMany({ where: { runId: report!.runId } });
    expect(audited).toMatchObject([{ accountId, kind: "INTENT_RESOLVED", clientOrderId, symbol: "BNBUSDT" }]);
    // ...and logged.
    const logged = logLines.filter(
      (line) =>
        line.msg.startsWith("reconciliation repaired the record: ") && line.clientOrderId === clientOrderId,
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: pino.levels.values.warn,
      accountId,
      runId: report!.runId,
      trigger: "MANUAL",
      repair: "INTENT_RESOLVED",
    });
  });
});
