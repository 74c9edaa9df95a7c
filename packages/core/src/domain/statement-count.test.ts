import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";

// The number of SQL statements an operation sends must not grow with the data it touches.
describe("statements per operation", () => {
  let f: DeskFixture;
  let statements: string[] = [];
  let counting = false;
  beforeAll(async () => {
    f = await createDeskFixture({ onQuery: (sql) => counting && statements.push(sql) });
  });
  afterAll(() => f.close());

  async function count(operation: () => Promise<unknown>): Promise<string[]> {
    statements = [];
    counting = true;
    try {
      await operation();
    } finally {
      counting = false;
    }
    return statements;
  }

  /** An open BTCUSDT long (opened through the desk) with `extra` more NEW stop-loss rows on it. */
  async function protectedPosition(extra: number) {
    const trader = await f.createTrader();
    const opened = await f.desk.orders.create(
      trader.userId,
      market(trader.accountId, "BTCUSDT", "BUY", "0.1", { stopLoss: "60000" }),
    );
    const position = opened.position!;
    await f.prisma.order.createMany({
      data: Array.from({ length: extra }, (_, index) => ({
        accountId: trader.accountId,
        positionId: position.id,
        role: "STOP_LOSS" as const,
        clientOrderId: randomUUID(),
        symbol: "BTCUSDT",
        side: "SELL" as const,
        type: "STOP_MARKET" as const,
        quantity: "0.1",
        triggerPrice: String(59000 - index),
        reduceOnly: true,
      })),
    });
    return { ...trader, positionId: position.id };
  }

  it("modify SL/TP: the same statements with 1 and with 20 existing protective orders", async () => {
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    const one = await protectedPosition(0);
    const twenty = await protectedPosition(19);
    const modify = (target: typeof one) => () =>
      f.desk.positions.modifySlTp(target.userId, {
        positionId: target.positionId,
        stopLoss: new Decimal("61000"),
        takeProfit: new Decimal("70000"),
      });

    const withOne = await count(modify(one));
    const withTwenty = await count(modify(twenty));

    expect(withTwenty.length).toBe(withOne.length);
    // The old rows are touched only by statements over `id = ANY(...)`: the cancel intent and its
    // settlement, one each however many there are.
    const batched = withTwenty.filter((sql) => /^\s*UPDATE "?orders"?/i.test(sql) && /= ANY\(/.test(sql));
    expect(batched).toHaveLength(2);
    expect(
      await f.prisma.order.count({
        where: { positionId: twenty.positionId, role: "STOP_LOSS", status: "NEW" },
      }),
    ).toBe(1);
  });

  it("balances summary: the same statements with 1 and with 50 open positions", async () => {
    const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT"];
    async function traderWithPositions(n: number) {
      const trader = await f.createTrader();
      for (let index = 0; index < n; index++) {
        const position = await f.prisma.position.create({
          data: {
            accountId: trader.accountId,
            symbol: symbols[index % symbols.length]!,
            side: index % 2 === 0 ? "LONG" : "SHORT",
            quantity: "1.5",
            entryPrice: "100.25",
          },
        });
        await f.prisma.order.create({
          data: {
            accountId: trader.accountId,
            positionId: position.id,
            role: "STOP_LOSS",
            clientOrderId: randomUUID(),
            symbol: position.symbol,
            side: index % 2 === 0 ? "SELL" : "BUY",
            type: "STOP_MARKET",
            quantity: "1.5",
            triggerPrice: "90",
            reduceOnly: true,
          },
        });
      }
      return trader;
    }
    const one = await traderWithPositions(1);
    const fifty = await traderWithPositions(50);

    const withOne = await count(() => f.desk.balances.read(one.userId));
    const withFifty = await count(() => f.desk.balances.read(fifty.userId));

    expect(withFifty.length).toBe(withOne.length);
    expect(withOne.length).toBeGreaterThan(0);
    expect((await f.desk.balances.read(fifty.userId)).data.positions).toHaveLength(50);
  });
});
