// What a trader pays in commission: each order's fee is the exchange's, from the same trade
// history the realized PnL is read from, and the history's fees are their sum.
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";

let f: DeskFixture;
beforeAll(async () => {
  f = await createDeskFixture();
});
afterAll(() => f.close());

/** A trader on a fake Binance that charges `rate` of each fill's notional in `asset`. */
const binanceDesk = (commission: { rate: string; asset?: string }) => f.binanceTrader({ commission });

/** Open 2 ETH, move the mark, close by hand: entry and exit, each with its fills' commission. */
async function roundTrip(desk: Awaited<ReturnType<typeof binanceDesk>>) {
  const opened = await desk.desk.orders.create(desk.userId, market(desk.accountId, "ETHUSDT", "BUY", "2"));
  await f.exchange.setMarkPrice("ETHUSDT", "3100");
  await desk.desk.positions.close(desk.userId, {
    positionId: opened.position!.id,
    clientOrderId: "close-eth",
  });
  return f.prisma.order.findMany({
    where: { accountId: desk.accountId },
    orderBy: { createdAt: "asc" },
    select: { role: true, filledQuantity: true, averagePrice: true, fee: true },
  });
}

describe("fees", () => {
  it("records each order's commission from Binance's trades when a position closes; the history sums them", async () => {
    const desk = await binanceDesk({ rate: "0.0004" });
    onTestFinished(desk.close);
    const orders = await roundTrip(desk);
    expect(orders.map((o) => o.role)).toEqual(["ENTRY", "EXIT"]);
    for (const order of orders) {
      const notional = new Decimal(order.filledQuantity.toString()).times(order.averagePrice!.toString());
      expect(order.fee.toString()).toBe(notional.times("0.0004").toString());
    }
    const total = orders.reduce((sum, o) => sum.plus(o.fee.toString()), new Decimal(0));
    expect(total.gt(0)).toBe(true);
    const summary = await desk.desk.history.summary(desk.userId, {
      accountId: desk.accountId,
      lastDays: 1,
    });
    expect(new Decimal(summary.totals.fees).eq(total)).toBe(true);
  });

  it("records none for a commission paid in BNB (it would need BNB's price then), rather than a wrong figure", async () => {
    const desk = await binanceDesk({ rate: "0.0003", asset: "BNB" });
    onTestFinished(desk.close);
    const orders = await roundTrip(desk);
    expect(orders.map((o) => o.fee.toString())).toEqual(["0", "0"]);
  });
});
