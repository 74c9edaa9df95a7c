import type { Database } from "@tradedesk/db";
import { createTestDatabase } from "@tradedesk/db/testing";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlaceOrderRequest } from "../gateway.ts";
import { createMemoryBookStore, createPrismaBookStore, type SimulatedBookStore } from "./book-store.ts";
import { createSimulatedExchange } from "./simulated-exchange.ts";
import { openTwoClients, type TwoClients } from "./test-databases.ts";

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

  it("keeps each symbol's leverage in the book; a book stored before that reads its positions' own", async () => {
    const store = createMemoryBookStore();
    // As a server of the previous version stored it: leverage only on the positions.
    await store.update(account.id, () => ({
      state: {
        version: 2,
        balances: [{ asset: "USDT", walletBalance: "100000" }],
        positions: [{ symbol: "BTCUSDT", side: "LONG", quantity: "0.5", entryPrice: "65000", leverage: 7 }],
        orders: [],
        nextOrderId: 1,
      },
      result: undefined,
    }));
    const before = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
    expect((await before.getAccountSnapshot(account)).positions.map((p) => p.leverage)).toEqual([7]);
    await before.setLeverage(account, { symbol: "ETHUSDT", leverage: 3 });
    await before.close();

    const after = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, store });
    const buy = (clientOrderId: string, symbol: string, quantity: string) =>
      after.placeOrder(account, {
        clientOrderId,
        symbol,
        side: "BUY",
        type: "MARKET",
        quantity: new Decimal(quantity),
      });
    await buy("eth-1", "ETHUSDT", "1");
    await buy("sol-1", "SOLUSDT", "1");
    const leverage = Object.fromEntries(
      (await after.getAccountSnapshot(account)).positions.map((p) => [p.symbol, p.leverage]),
    );
    expect(leverage).toEqual({ BTCUSDT: 7, ETHUSDT: 3, SOLUSDT: 20 });
    await after.close();
  });
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

/** A yield to the event loop inside a change: a store without a real lock would let another change in here. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));
const counter = (stored: unknown) => (stored as { n: number } | null)?.n ?? 0;

/**
 * update() as the exchange relies on it, for each store. `stores()` gives two stores on one
 * backing: two Prisma clients of one database, or the one memory store twice.
 */
function describeStoreUpdate(
  name: string,
  open: () => Promise<{ stores: [SimulatedBookStore, SimulatedBookStore]; close: () => Promise<void> }>,
) {
  describe(`update() of ${name}`, () => {
    let stores: [SimulatedBookStore, SimulatedBookStore];
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ stores, close } = await open());
    });
    afterAll(() => close?.());

    it("creates a missing key from null, writes the change's state and returns its answer", async () => {
      const [store] = stores;
      const seen: unknown[] = [];
      const answer = await store.update("new-key", (stored) => {
        seen.push(stored);
        return { state: { n: 1 }, result: "created" };
      });
      expect([answer, seen]).toEqual(["created", [null]]);
      expect(await store.read(["new-key", "missing-key"])).toEqual(new Map([["new-key", { n: 1 }]]));
      await store.update("new-key", (stored) => ({ state: { n: counter(stored) + 1 }, result: undefined }));
      expect((await stores[1].read(["new-key"])).get("new-key")).toEqual({ n: 2 });
    });

    it("writes nothing when the change throws or returns no state", async () => {
      const [store] = stores;
      await store.update("kept", () => ({ state: { n: 5 }, result: undefined }));
      await expect(
        store.update("kept", () => {
          throw new Error("rejected");
        }),
      ).rejects.toThrow("rejected");
      await expect(
        store.update("never-made", async () => {
          throw new Error("rejected");
        }),
      ).rejects.toThrow("rejected");
      expect(await store.update("kept", () => ({ result: "read only" }))).toBe("read only");
      expect(await store.update("still-missing", () => ({ result: "nothing" }))).toBe("nothing");
      expect(await store.read(["kept", "never-made", "still-missing"])).toEqual(
        new Map([["kept", { n: 5 }]]),
      );
    });

    it("loses no update when both stores change one key at once (20 each, each yielding mid-change)", async () => {
      const increment = (store: SimulatedBookStore) =>
        store.update("contended", async (stored) => {
          const n = counter(stored);
          await yieldToOthers();
          return { state: { n: n + 1 }, result: n };
        });
      const seen = await Promise.all(
        Array.from({ length: 20 }, () => [increment(stores[0]), increment(stores[1])]).flat(),
      );
      // each change saw the one before it: every count from 0 to 39 exactly once
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect((await stores[1].read(["contended"])).get("contended")).toEqual({ n: 40 });
    });

    it("hands the change the other keys it asked for, as committed", async () => {
      const [first, second] = stores;
      await second.update("@other", () => ({ state: { marks: { BTCUSDT: "1" } }, result: undefined }));
      const also = await first.update("asks", (_stored, others) => ({ result: [...others] }), {
        alsoRead: ["@other", "absent"],
      });
      expect(also).toEqual([["@other", { marks: { BTCUSDT: "1" } }]]);
    });

    it("lists the books with an order still open, and drops one once its orders are done", async () => {
      const [first, second] = stores;
      const book = (...statuses: string[]) => ({ orders: statuses.map((status) => ({ status })) });
      await first.update("open-book", () => ({ state: book("FILLED", "NEW"), result: undefined }));
      await first.update("done-book", () => ({ state: book("FILLED", "CANCELED"), result: undefined }));
      await first.update("@market-like", () => ({ state: { marks: {} }, result: undefined }));
      const listed = async () =>
        (await second.accountsWithOpenOrders()).filter((key) => key.endsWith("-book"));
      expect(await listed()).toEqual(["open-book"]);
      await second.update("open-book", () => ({ state: book("FILLED", "CANCELED"), result: undefined }));
      await second.update("done-book", () => ({ state: book("NEW"), result: undefined }));
      expect(await listed()).toEqual(["done-book"]);
    });
  });
}

describeStoreUpdate("the memory store", async () => {
  const store = createMemoryBookStore();
  return { stores: [store, store], close: async () => {} };
});

let clients: TwoClients;
describeStoreUpdate("the Prisma store (two clients on PostgreSQL, one on PGlite)", async () => {
  clients = await openTwoClients();
  return {
    stores: [createPrismaBookStore(clients.first), createPrismaBookStore(clients.second)],
    close: () => clients.close(),
  };
});

describe("the Prisma store's rows", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.close());

  it("leaves no row behind for a key whose change wrote nothing, and keeps open_orders with the state", async () => {
    const store = createPrismaBookStore(db.prisma);
    await store.update("looked-at", () => ({ result: undefined }));
    await expect(
      store.update("failed", () => {
        throw new Error("no");
      }),
    ).rejects.toThrow();
    await store.update("with-orders", () => ({ state: { orders: [{ status: "NEW" }] }, result: undefined }));
    const rows = await db.prisma.$queryRaw<{ account_key: string; open_orders: boolean }[]>`
      SELECT account_key, open_orders FROM simulated_books ORDER BY account_key`;
    expect(rows).toEqual([{ account_key: "with-orders", open_orders: true }]);
  });
});
