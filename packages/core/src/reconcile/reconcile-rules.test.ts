// Each repair rule of the reconciler on its own, with its audit row and log line.
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPositionsCache } from "../cache/index.ts";
import { createTradingDesk } from "../domain/desk.ts";
import { toDecimal } from "../domain/money.ts";
import type { AccountEvent, ExchangeGateway } from "../exchange/gateway.ts";
import { createDeskFixture, type DeskFixture, market } from "../testing/index.ts";

let f: DeskFixture;
beforeAll(async () => {
  f = await createDeskFixture();
});
afterAll(() => f.close());

async function reconcile(accountId: string) {
  f.advance(60_000); // past the intents' grace
  const report = await f.desk.reconciler.run(accountId, "MANUAL");
  expect(report?.outcome).toBe("OK");
  const audit = await f.prisma.reconcileRepair.findMany({ where: { runId: report!.runId } });
  return { report: report!, audit };
}

describe("a position the desk made is what the exchange holds: nothing to repair", () => {
  const onExchange = async (accountId: string, symbol: string) =>
    (await f.exchange.getAccountSnapshot({ id: accountId })).positions.find((p) => p.symbol === symbol);

  it("a market entry at 5x: a 5x position on the exchange and in the record", async () => {
    const { userId, accountId } = await f.createTrader();
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "ETHUSDT", "BUY", "1", { leverage: 5 }),
    );
    expect(opened.position).toMatchObject({ leverage: 5 });
    expect((await onExchange(accountId, "ETHUSDT"))?.leverage).toBe(5);
    expect((await reconcile(accountId)).audit).toEqual([]);
  });

  it("an add: the entry price the exchange books (8 decimals), in the record too", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("ETHUSDT", "3400");
    await f.desk.orders.create(userId, market(accountId, "ETHUSDT", "BUY", "0.3", { leverage: 10 }));
    await f.exchange.setMarkPrice("ETHUSDT", "3401.17");
    const added = await f.desk.orders.create(userId, market(accountId, "ETHUSDT", "BUY", "0.4"));
    // (0.3 x 3400 + 0.4 x 3401.17) / 0.7 = 3400.668571428...
    expect(added.position).toMatchObject({ quantity: "0.7", entryPrice: "3400.66857143", leverage: 10 });
    expect((await onExchange(accountId, "ETHUSDT"))?.entryPrice.toFixed()).toBe("3400.66857143");
    expect((await reconcile(accountId)).audit).toEqual([]);
  });

  it("an add at another leverage: the open position takes it, on the exchange and in the record", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    await f.desk.orders.create(userId, market(accountId, "SOLUSDT", "SELL", "10", { leverage: 3 }));
    const added = await f.desk.orders.create(
      userId,
      market(accountId, "SOLUSDT", "SELL", "5", { leverage: 8 }),
    );
    expect(added.position).toMatchObject({ quantity: "15", leverage: 8 });
    expect((await onExchange(accountId, "SOLUSDT"))?.leverage).toBe(8);
    expect((await reconcile(accountId)).audit).toEqual([]);
  });
});

describe("reconciliation repairs", () => {
  it("records an order placed outside the desk as EXTERNAL, audits and logs it, and never cancels it", async () => {
    const { accountId } = await f.createTrader();
    await f.exchange.placeOrder(
      { id: accountId },
      {
        clientOrderId: "web-ui-1",
        symbol: "ETHUSDT",
        side: "BUY",
        type: "LIMIT",
        quantity: new Decimal("1"),
        price: new Decimal("3000"),
      },
    );
    const { report, audit } = await reconcile(accountId);
    expect(audit.map((row) => [row.kind, row.clientOrderId])).toEqual([
      ["ORDER_RECORDED_EXTERNAL", "web-ui-1"],
    ]);
    expect(await f.prisma.order.findFirst({ where: { accountId } })).toMatchObject({
      role: "EXTERNAL",
      status: "NEW",
    });
    expect(f.logged).toContainEqual({
      level: "warn",
      message: expect.stringMatching(/^reconciliation repaired the record: recorded an order placed outside/),
    });
    const run = await f.prisma.reconcileRun.findUniqueOrThrow({ where: { id: report.runId } });
    expect(run).toMatchObject({ outcome: "OK", repairCount: 1, trigger: "MANUAL" });
    // A second run finds nothing to do, and the order is still live on the exchange.
    expect((await reconcile(accountId)).audit).toEqual([]);
    expect((await f.exchange.getOpenOrders({ id: accountId })).map((o) => o.clientOrderId)).toEqual([
      "web-ui-1",
    ]);
  });

  it("records a position the exchange holds and the record lacks", async () => {
    const { accountId } = await f.createTrader();
    await f.exchange.placeOrder(
      { id: accountId },
      {
        clientOrderId: "elsewhere-1",
        symbol: "SOLUSDT",
        side: "SELL",
        type: "MARKET",
        quantity: new Decimal("3"),
      },
    );
    const { audit } = await reconcile(accountId);
    expect(audit.map((row) => row.kind)).toEqual(["POSITION_OPENED"]);
    const position = await f.prisma.position.findFirstOrThrow({ where: { accountId, status: "OPEN" } });
    expect([position.symbol, position.side, toDecimal(position.quantity).toFixed()]).toEqual([
      "SOLUSDT",
      "SHORT",
      "3",
    ]);
  });

  it("makes quantity, entry price and leverage follow the exchange", async () => {
    const { userId, accountId } = await f.createTrader();
    const opened = await f.desk.orders.create(userId, market(accountId, "BNBUSDT", "BUY", "2"));
    await f.prisma.position.update({
      where: { id: opened.position!.id },
      data: { quantity: "5", leverage: 3 },
    });
    const { audit } = await reconcile(accountId);
    expect(audit.map((row) => row.kind)).toEqual(["POSITION_UPDATED"]);
    expect(audit[0]?.recorded).toMatchObject({ quantity: "5", leverage: 3 });
    const position = await f.prisma.position.findUniqueOrThrow({ where: { id: opened.position!.id } });
    expect([toDecimal(position.quantity).toFixed(), position.leverage]).toEqual(["2", 1]);
  });

  it("closes a position whose stop-loss fired unheard, with the exchange's realized PnL, and records the stop FILLED", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("XRPUSDT", "0.5");
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "XRPUSDT", "BUY", "1000", { stopLoss: "0.45" }),
    );
    f.desk.accountEvents.stop(); // the stream is down: nobody hears the stop fire
    await f.exchange.setMarkPrice("XRPUSDT", "0.4");
    await f.exchange.setMarkPrice("XRPUSDT", "0.5");
    const { audit } = await reconcile(accountId);
    await f.desk.accountEvents.start();
    expect(audit.map((row) => row.kind).sort()).toEqual(["ORDER_STATUS_UPDATED", "POSITION_CLOSED"]);
    const position = await f.prisma.position.findUniqueOrThrow({ where: { id: opened.position!.id } });
    const trades = await f.exchange.getTrades({ id: accountId }, { symbol: "XRPUSDT", startTime: 0 });
    expect(position).toMatchObject({ status: "CLOSED", closedBy: "STOP_LOSS" });
    expect(toDecimal(position.realizedPnl).toFixed()).toBe(
      trades.reduce((total, t) => total.plus(t.realizedPnl), new Decimal(0)).toFixed(),
    );
    expect(toDecimal(position.realizedPnl).toFixed()).toBe("-100");
    expect(await f.prisma.order.findFirst({ where: { accountId, role: "STOP_LOSS" } })).toMatchObject({
      status: "FILLED",
    });
  });

  it("cancels an order the desk no longer wants, and leaves a recent intent to the mutation that owns it", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("DOGEUSDT", "0.2");
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "DOGEUSDT", "BUY", "100", { stopLoss: "0.1" }),
    );
    const stop = opened.protectiveOrders[0]!;
    // The record says cancelled (a replace whose exchange cancel was lost); the exchange still holds it.
    await f.prisma.order.update({ where: { id: stop.id }, data: { status: "CANCELED" } });
    // And a fresh intent on another symbol, as a mutation in flight on another instance left it
    // (recorded now on the desk's clock, as the desk records intents).
    const { createdAt: recordedAt } = await f.prisma.order.findUniqueOrThrow({ where: { id: stop.id } });
    await f.prisma.order.create({
      data: {
        createdAt: recordedAt,
        updatedAt: recordedAt,
        accountId,
        role: "ENTRY",
        clientOrderId: "in-flight-1",
        symbol: "BTCUSDT",
        side: "BUY",
        type: "MARKET",
        quantity: "0.01",
        status: "PENDING",
      },
    });
    const report = await f.desk.reconciler.run(accountId, "MANUAL"); // within the grace
    const audit = await f.prisma.reconcileRepair.findMany({ where: { runId: report!.runId } });
    expect(audit.map((row) => [row.kind, row.clientOrderId])).toEqual([
      ["ORDER_CANCELED", stop.clientOrderId],
    ]);
    expect(await f.exchange.getOpenOrders({ id: accountId })).toEqual([]);
    expect(await f.prisma.order.findFirst({ where: { clientOrderId: "in-flight-1" } })).toMatchObject({
      status: "PENDING",
    });
    // Past the grace, the intent that never reached the exchange is resolved.
    const later = await reconcile(accountId);
    expect(later.audit.map((row) => [row.kind, row.action])).toEqual([
      ["INTENT_RESOLVED", "never reached the exchange"],
    ]);
  });

  it("reconciles an account when its event stream comes back", async () => {
    const { accountId } = await f.createTrader();
    let deliver: ((event: AccountEvent) => void) | undefined;
    const gateway: ExchangeGateway = {
      ...f.exchange,
      subscribeAccountEvents: (account, listener) => {
        if (account.id === accountId) deliver = listener;
        return () => {};
      },
    };
    const desk = createTradingDesk({
      prisma: f.prisma,
      cache: createPositionsCache({ ttlMs: 3_000 }),
      gateways: { SIMULATED: gateway },
      logger: { warn: () => {}, error: () => {} },
      reconcile: { requestDelayMs: 0 },
    });
    const runs: string[] = [];
    desk.reconciler.onRun((report) => runs.push(`${report.accountId} ${report.trigger}`));
    await desk.accountEvents.start();
    deliver?.({ type: "stream-restarted", accountId, at: Date.now() });
    await desk.accountEvents.idle();
    await desk.reconciler.idle();
    desk.accountEvents.stop();
    expect(runs).toEqual([`${accountId} STREAM_RECONNECT`]);
  });

  it("never lets two runs of one account overlap", async () => {
    const { accountId } = await f.createTrader();
    const [first, second] = await Promise.all([
      f.desk.reconciler.run(accountId, "MANUAL"),
      f.desk.reconciler.run(accountId, "SCHEDULE"),
    ]);
    expect([first?.outcome, second?.outcome]).toEqual(["OK", "OK"]);
    // Held by another instance (a lease that has not expired): the run is skipped.
    await f.prisma.exchangeAccount.update({
      where: { id: accountId },
      data: { reconcileLeaseUntil: new Date(Date.parse("2030-01-01")) },
    });
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toBeNull();
  });
});
