// The exchange tells us: with the account's stream live, reads ask the exchange for nothing;
// balances move with its events; a cold burst costs one call of each kind.
import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";
import { createAccountBalances } from "./account-balances.ts";

describe("state kept by the exchange's streams", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());
  const calls = (name: string) => f.exchange.stats().calls[name] ?? 0;

  async function coldTraderWithPosition() {
    const trader = await f.createTrader();
    await f.exchange.setMarkPrice("ETHUSDT", "3400");
    const opened = await f.desk.orders.create(trader.userId, market(trader.accountId, "ETHUSDT", "BUY", "1"));
    // Streams (re)started: nothing kept yet; the cache is empty and every price is stale.
    f.desk.accountEvents.stop();
    await f.desk.accountEvents.start();
    await f.desk.cache.invalidate(trader.userId);
    f.advance(10_000);
    f.exchange.resetStats();
    return { ...trader, position: opened.position! };
  }

  it("1,000 concurrent cold reads of one user: one snapshot and one price refresh", async () => {
    const { userId } = await coldTraderWithPosition();
    const reads = await Promise.all(Array.from({ length: 1_000 }, () => f.desk.balances.read(userId)));
    expect(reads.every((read) => read.data.positions[0]?.markPrice === "3400")).toBe(true);
    expect(calls("getAccountSnapshot")).toBe(1);
    expect(calls("getMarkPrices")).toBe(1);
  });

  it("then reads past the TTL, after the stream's ticks, ask the exchange for nothing", async () => {
    const { userId } = await coldTraderWithPosition();
    await f.desk.balances.read(userId);
    f.exchange.resetStats();
    for (let poll = 0; poll < 20; poll++) {
      f.advance(4_000); // past the 3 s TTL every time
      await f.exchange.setMarkPrice("ETHUSDT", String(3400 + poll)); // the stream ticks
      const read = await f.desk.balances.read(userId);
      expect(read).toMatchObject({ fromCache: false });
      expect(read.data.positions[0]).toMatchObject({ markPrice: String(3400 + poll), markPriceStale: false });
    }
    expect(f.exchange.stats().calls).toEqual({});
  });

  it("moves the balances with the exchange's events, with no snapshot", async () => {
    const { userId, position } = await coldTraderWithPosition();
    await f.desk.balances.read(userId);
    await f.exchange.setMarkPrice("ETHUSDT", "3500");
    f.exchange.resetStats();
    await f.desk.positions.close(userId, { positionId: position.id, clientOrderId: randomUUID() });
    await f.desk.accountEvents.idle();
    const read = await f.desk.balances.read(userId);
    expect(read.data.accounts[0]?.balances[0]?.walletBalance).toBe("100100"); // +100 realized
    expect(calls("getAccountSnapshot")).toBe(0);
  });
});

describe("account balances kept by events", () => {
  const usdt = (wallet: string) => [
    { asset: "USDT", walletBalance: new Decimal(wallet), availableBalance: new Decimal(wallet) },
  ];

  it("are current only while the stream is live and once a snapshot seeded them", () => {
    const kept = createAccountBalances();
    kept.seed("a", usdt("100"), 10);
    expect(kept.current("a")).toBeNull(); // no stream: nothing kept
    kept.streaming("a");
    kept.seed("a", usdt("100"), 10);
    expect(kept.current("a")?.balances[0]?.walletBalance.toFixed()).toBe("100");
    kept.apply("a", usdt("120"), 12);
    kept.seed("a", usdt("100"), 11); // a snapshot older than the event: ignored
    kept.apply("a", usdt("110"), 11); // a late event: ignored
    expect(kept.current("a")).toMatchObject({ at: 12 });
    expect(kept.current("a")?.balances[0]?.walletBalance.toFixed()).toBe("120");
    kept.lost("a");
    expect(kept.current("a")).toBeNull();
  });

  it("refuse a snapshot taken before an event seen while unseeded", () => {
    const kept = createAccountBalances();
    kept.streaming("a");
    kept.apply("a", usdt("90"), 20); // nothing to move yet
    expect(kept.current("a")).toBeNull();
    kept.seed("a", usdt("100"), 15); // older than what the stream already said
    expect(kept.current("a")).toBeNull();
    kept.seed("a", usdt("90"), 21);
    expect(kept.current("a")?.balances[0]?.walletBalance.toFixed()).toBe("90");
  });
});
