import type { Database } from "@tradedesk/db";
import { createTestDatabase } from "@tradedesk/db/testing";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlaceOrderRequest } from "../gateway.ts";
import { createMemoryBookStore, createPrismaBookStore, type SimulatedBookStore } from "./book-store.ts";
import { createSimulatedExchange } from "./simulated-exchange.ts";

const account = { id: "5b0f2a52-3f4e-4a55-9d3c-1d2f3a4b5c6d" };
const stopLoss: PlaceOrderRequest = {
  clientOrderId: "sl-1",
  symbol: "BTCUSDT",
  side: "SELL",
  type: "STOP_MARKET",
  quantity: new Decimal("0.5"),
  triggerPrice: new Decimal("64000"),
  reduceOnly: true,
};

/** The books outlive the exchange that wrote them: a new instance on the same store carries on. */
async function booksSurviveARestart(store: SimulatedBookStore) {
  const before = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
  await before.placeOrder(account, {
    clientOrderId: "entry-1",
    symbol: "BTCUSDT",
    side: "BUY",
    type: "MARKET",
    quantity: new Decimal("0.5"),
  });
  await before.placeOrder(account, stopLoss);
  await before.close();

  const after = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
  const snapshot = await after.getAccountSnapshot(account);
  expect(
    snapshot.positions.map((p) => [p.symbol, p.side, p.quantity.toFixed(), p.entryPrice.toFixed()]),
  ).toEqual([["BTCUSDT", "LONG", "0.5", "65000"]]);
  // the clientOrderId is still taken, and the stop-loss still protects the position
  await expect(after.placeOrder(account, stopLoss)).rejects.toThrow(/duplicated/);
  await after.setMarkPrice("BTCUSDT", "63000");
  expect((await after.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "sl-1" }))?.status).toBe(
    "FILLED",
  );
  expect((await after.getAccountSnapshot(account)).positions).toEqual([]);
  await after.close();

  const third = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
  const balance = (await third.getAccountSnapshot(account)).balances.find((b) => b.asset === "USDT");
  expect(balance?.walletBalance.toFixed()).toBe("99000");
  await third.close();
}

describe("the in-memory book store", () => {
  it("keeps books across exchange instances", () => booksSurviveARestart(createMemoryBookStore()));
});

describe("persistMarkPrices", () => {
  const btc = async (exchange: ReturnType<typeof createSimulatedExchange>) =>
    (await exchange.getMarkPrices(["BTCUSDT"])).get("BTCUSDT")?.toFixed();

  it("carries the walk on after a restart instead of jumping back to the initial prices", async () => {
    const store = createMemoryBookStore();
    const options = { latencyMs: 0, priceTickMs: 0, store, persistMarkPrices: true, seed: 9 };
    const first = createSimulatedExchange(options);
    for (let i = 0; i < 5; i++) await first.tick();
    await first.setMarkPrice("ETHUSDT", "3500");
    const before = await btc(first);
    await first.close();

    const second = createSimulatedExchange(options);
    expect(await btc(second)).toBe(before);
    expect((await second.getMarkPrices(["ETHUSDT"])).get("ETHUSDT")?.toFixed()).toBe("3500");
    await second.tick();

    const uninterrupted = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, seed: 9 });
    for (let i = 0; i < 6; i++) await uninterrupted.tick();
    expect(await btc(second)).toBe(await btc(uninterrupted));
    expect(await btc(second)).not.toBe(before);
    await Promise.all([second.close(), uninterrupted.close()]);
  });

  it("is off by default: a restart starts from the configured prices", async () => {
    const store = createMemoryBookStore();
    const first = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
    await first.setMarkPrice("BTCUSDT", "70000");
    await first.close();
    const second = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
    expect(await btc(second)).toBe("65000");
    await second.close();
  });
});

describe("the Prisma book store (table simulated_books)", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.close());

  it("keeps books across exchange instances", () => booksSurviveARestart(createPrismaBookStore(db.prisma)));

  it("stores one JSON row per account with amounts as decimal strings", async () => {
    const store = createPrismaBookStore(db.prisma);
    const exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
    await exchange.placeOrder({ id: "json-account" }, { ...stopLoss, clientOrderId: "sl-json" });
    await exchange.close();
    const row = await db.prisma.simulatedBook.findUnique({ where: { accountKey: "json-account" } });
    expect(row?.state).toMatchObject({
      balances: [{ asset: "USDT", walletBalance: "100000" }],
      orders: [{ clientOrderId: "sl-json", triggerPrice: "64000", quantity: "0.5", status: "NEW" }],
    });
  });

  it("refuses a stored book that is not one, rather than starting it afresh", async () => {
    await db.prisma.simulatedBook.create({
      data: { accountKey: "broken", state: { version: 1, balances: "x" } },
    });
    const exchange = createSimulatedExchange({
      latencyMs: 0,
      priceTickMs: 0,
      store: createPrismaBookStore(db.prisma),
    });
    await expect(exchange.getAccountSnapshot({ id: "broken" })).rejects.toThrow(/balances/);
    await exchange.close();
  });
});
