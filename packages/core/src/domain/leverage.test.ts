// The order's leverage reaches the exchange before the entry, once per change, and the record
// holds what the exchange confirmed; on Binance through POST /fapi/v1/leverage (the fake server).
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createDeskFixture, type DeskFixture, limit, market } from "../testing/desk-fixture.ts";

let f: DeskFixture;
beforeAll(async () => {
  f = await createDeskFixture();
});
afterAll(() => f.close());

const leverageOnExchange = async (accountId: string, symbol: string) =>
  (await f.exchange.getAccountSnapshot({ id: accountId })).positions.find((p) => p.symbol === symbol)
    ?.leverage;

describe("an order's leverage", () => {
  it("is set before the entry, and not again for an add at the position's leverage or naming none", async () => {
    const { userId, accountId } = await f.createTrader();
    f.calls.length = 0;
    await f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.1", { leverage: 5 }));
    expect(f.calls).toEqual(["setLeverage:5", "placeOrder:MARKET"]);
    f.calls.length = 0;
    await f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.1", { leverage: 5 }));
    await f.desk.orders.create(userId, market(accountId, "BTCUSDT", "BUY", "0.1"));
    expect(f.calls).toEqual(["placeOrder:MARKET", "placeOrder:MARKET"]);
    expect(await leverageOnExchange(accountId, "BTCUSDT")).toBe(5);
  });

  it("is 1x for a new position when the order names none (the exchange's default is 20x)", async () => {
    const { userId, accountId } = await f.createTrader();
    const opened = await f.desk.orders.create(userId, market(accountId, "XRPUSDT", "SELL", "100"));
    expect(opened.position?.leverage).toBe(1);
    expect(await leverageOnExchange(accountId, "XRPUSDT")).toBe(1);
  });

  /**
   * A new trader's resting SOLUSDT LIMIT BUY entry of 10 at 140 (the mark at 150), the desk applying
   * the account's events; `fill` moves the mark through it and answers the open position.
   */
  async function restingSolEntry(leverage: number) {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    await f.desk.accountEvents.start();
    onTestFinished(() => f.desk.accountEvents.stop());
    const placed = await f.desk.orders.create(
      userId,
      limit(accountId, "SOLUSDT", "BUY", "10", "140", { leverage }),
    );
    return {
      userId,
      accountId,
      placed,
      async fill() {
        await f.exchange.setMarkPrice("SOLUSDT", "139.5"); // the exchange fills it; its event says no leverage
        await f.desk.accountEvents.idle();
        return f.prisma.position.findFirstOrThrow({ where: { accountId, status: "OPEN" } });
      },
    };
  }

  it("set for a resting LIMIT entry is its position's when it fills later: a reconcile run repairs nothing", async () => {
    const { accountId, placed, fill } = await restingSolEntry(5);
    expect(placed.position).toBeNull();

    const position = await fill();
    expect([position.leverage, position.quantity.toString()]).toEqual([5, "10"]);
    expect(await leverageOnExchange(accountId, "SOLUSDT")).toBe(5);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
  });

  it("set for a new entry is also a resting entry's of the symbol: its position opens at it when it fills later, a reconcile run repairs nothing", async () => {
    const { userId, accountId, placed, fill } = await restingSolEntry(3);
    await f.desk.orders.create(userId, limit(accountId, "SOLUSDT", "BUY", "10", "130", { leverage: 5 }));
    const entries = await f.prisma.order.findMany({ where: { accountId }, orderBy: { price: "desc" } });
    expect(entries.map((order) => [order.clientOrderId, order.leverage])).toEqual([
      [placed.order.clientOrderId, 5],
      [expect.any(String), 5],
    ]);

    const position = await fill(); // the first, at the symbol's 5x; the second rests
    expect([position.leverage, position.quantity.toString()]).toEqual([5, "10"]);
    expect(await leverageOnExchange(accountId, "SOLUSDT")).toBe(5);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
  });

  it("the symbol does not take is refused naming leverage; nothing is sent or recorded", async () => {
    const { userId, accountId } = await f.createTrader();
    f.calls.length = 0;
    await expect(
      f.desk.orders.create(userId, market(accountId, "DOGEUSDT", "BUY", "100", { leverage: 100 })),
    ).rejects.toMatchObject({
      name: "InvalidCommandError",
      field: "leverage",
      message: expect.stringMatching(/refused 100x on DOGEUSDT/),
    });
    expect(f.calls).toEqual(["setLeverage:100"]);
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(0);
    expect(await f.prisma.position.count({ where: { accountId } })).toBe(0);
  });

  it("lowered past what the margin carries is refused naming leverage: the position keeps its own, the add is not sent", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("BNBUSDT", "600");
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "BNBUSDT", "BUY", "1000", { leverage: 10 }), // 600,000 notional, 60,000 margin
    );
    f.calls.length = 0;
    await expect(
      f.desk.orders.create(userId, market(accountId, "BNBUSDT", "BUY", "1", { leverage: 2 })),
    ).rejects.toMatchObject({ name: "InvalidCommandError", field: "leverage" });
    expect(f.calls).toEqual(["setLeverage:2"]);
    const position = await f.prisma.position.findUniqueOrThrow({ where: { id: opened.position!.id } });
    expect([position.leverage, position.quantity.toString()]).toEqual([10, "1000"]);
    expect(await leverageOnExchange(accountId, "BNBUSDT")).toBe(10);
  });
});

describe("an order's leverage on Binance", () => {
  it("goes out as POST /fapi/v1/leverage before the order, and the record is what Binance holds", async () => {
    const { fake, desk, userId, accountId, close } = await f.binanceTrader();
    onTestFinished(close);
    fake.requests.length = 0;
    const opened = await desk.orders.create(
      userId,
      market(accountId, "ETHUSDT", "BUY", "2", { leverage: 5 }),
    );
    expect(fake.requests.filter((r) => r.method === "POST").map((r) => [r.path, r.params.leverage])).toEqual([
      ["/fapi/v1/leverage", "5"],
      ["/fapi/v1/order", undefined],
    ]);
    expect(opened.position?.leverage).toBe(5);
    const report = await desk.reconciler.run(accountId, "MANUAL");
    expect(report).toMatchObject({ outcome: "OK", repairs: [] });
  });
});
