// Two server instances: two desks, each with its own simulated exchange and database client, on
// one database (on PostgreSQL in CI: two connection pools racing on the books' row locks).
import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPositionsCache } from "../cache/index.ts";
import { createPrismaBookStore } from "../exchange/simulated/book-store.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../exchange/simulated/simulated-exchange.ts";
import { openTwoClients, type TwoClients } from "../exchange/simulated/test-databases.ts";
import { createTradingDesk, type TradingDeskInstance } from "./desk.ts";
import { sum, toDecimal } from "./money.ts";

let clients: TwoClients;
const exchanges: SimulatedExchange[] = [];
const desks: TradingDeskInstance[] = [];

function instance(prisma: TwoClients["first"]) {
  const exchange = createSimulatedExchange({
    latencyMs: 0,
    priceTickMs: 0,
    persistMarkPrices: true,
    store: createPrismaBookStore(prisma),
  });
  const desk = createTradingDesk({
    prisma,
    cache: createPositionsCache({ ttlMs: 3_000 }),
    gateways: { SIMULATED: exchange },
    logger: { warn: () => {}, error: () => {} },
    reconcile: { setTimeout: () => null, clearTimeout: () => {} },
  });
  exchanges.push(exchange);
  desks.push(desk);
  return { exchange, desk };
}

beforeAll(async () => {
  clients = await openTwoClients();
});
afterAll(async () => {
  for (const desk of desks) desk.accountEvents.stop();
  await Promise.all(exchanges.map((exchange) => exchange.close()));
  await clients.close();
});

describe("two desks on one database", () => {
  it("place and close concurrently on one account: the exchange's book holds every change", async () => {
    const a = instance(clients.first);
    const b = instance(clients.second);
    const user = await clients.first.user.create({
      data: {
        email: `${randomUUID()}@example.com`,
        passwordHash: "x",
        accounts: { create: { exchange: "SIMULATED", label: "Simulated" } },
      },
      include: { accounts: true },
    });
    const accountId = user.accounts[0]!.id;
    await a.desk.accountEvents.start();
    await b.desk.accountEvents.start();

    // Each desk opens and closes positions on its own symbols, both at once, five rounds each.
    const rounds = async (desk: TradingDeskInstance, symbols: string[]) => {
      const placed: string[] = [];
      for (let round = 0; round < 5; round++) {
        for (const symbol of symbols) {
          const clientOrderId = randomUUID();
          const opened = await desk.orders.create(user.id, {
            accountId,
            clientOrderId,
            symbol,
            side: round % 2 === 0 ? "BUY" : "SELL",
            type: "MARKET",
            quantity: new Decimal(symbol === "SOLUSDT" ? "5" : "0.5"),
          });
          placed.push(clientOrderId);
          const exit = randomUUID();
          await desk.positions.close(user.id, { positionId: opened.position!.id, clientOrderId: exit });
          placed.push(exit);
        }
      }
      return placed;
    };
    const [byA, byB] = await Promise.all([
      rounds(a.desk, ["BTCUSDT", "ETHUSDT"]),
      rounds(b.desk, ["SOLUSDT", "BNBUSDT"]),
      // The market moves meanwhile, through both instances.
      (async () => {
        for (let step = 0; step < 5; step++) {
          await a.exchange.setMarkPrice("BTCUSDT", String(65000 + step * 10));
          await b.exchange.setMarkPrice("SOLUSDT", String(150 + step));
        }
      })(),
    ]);
    await Promise.all([a.desk.accountEvents.idle(), b.desk.accountEvents.idle()]);

    // Every order either desk placed is in the one book, filled; nothing is open; the positions
    // closed everywhere.
    const ref = { id: accountId };
    for (const clientOrderId of [...byA, ...byB]) {
      const symbol = (await clients.first.order.findFirstOrThrow({ where: { clientOrderId } })).symbol;
      expect(await a.exchange.getOrder(ref, { symbol, clientOrderId })).toMatchObject({ status: "FILLED" });
      expect(await b.exchange.getOrder(ref, { symbol, clientOrderId })).toMatchObject({ status: "FILLED" });
    }
    expect(byA.length + byB.length).toBe(40);
    expect(await b.exchange.getOpenOrders(ref)).toEqual([]);
    const snapshot = await a.exchange.getAccountSnapshot(ref);
    expect(snapshot.positions).toEqual([]);
    expect(await clients.second.position.count({ where: { accountId, status: "OPEN" } })).toBe(0);

    // The wallet moved by exactly the realized PnL the two desks booked.
    const trades = (
      await Promise.all(
        ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"].map((symbol) =>
          a.exchange.getTrades(ref, { symbol, startTime: 0 }),
        ),
      )
    ).flat();
    expect(trades).toHaveLength(40);
    const booked = sum(
      (await clients.first.position.findMany({ where: { accountId } })).map((p) => toDecimal(p.realizedPnl)),
    );
    const wallet = snapshot.balances.find((balance) => balance.asset === "USDT")!.walletBalance;
    expect(toDecimal(wallet).minus("100000").toFixed()).toBe(booked.toFixed());
    expect(booked.toFixed()).toBe(sum(trades.map((t) => toDecimal(t.realizedPnl))).toFixed());
  });
});
