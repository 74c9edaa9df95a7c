// What a trader pays in commission: each order's fee is the exchange's, from the same trade
// history the realized PnL is read from, and the history's fees are their sum.
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { createDeskFixture, type DeskFixture, limit, market } from "../testing/desk-fixture.ts";
import { SAFETY_NET_MS } from "../testing/safety-net.ts";

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

  it("records all of a resting LIMIT entry's commission when its later fills opened a second position, not only the fills since that one opened", async () => {
    // Its own database: the desk's account events follow every Binance account there, and another
    // test's (its credentials sealed by that test's desk) would never connect.
    const fixture = await createDeskFixture();
    onTestFinished(() => fixture.close());
    // One clock for the desk, the gateway and the fake (the database's createdAt is the real one):
    // the entry's first fill is seconds older than the second position, as on a real desk.
    let clock = Date.now();
    const trader = await fixture.binanceTrader({ commission: { rate: "0.0004" } }, { now: () => clock });
    onTestFinished(trader.close);
    const { fake, desk, userId, accountId } = trader;
    await fake.engine.setMarkPrice("ETHUSDT", "3200");
    await desk.accountEvents.start();
    onTestFinished(() => desk.accountEvents.stop());
    await trader.gateway.streamsReady();
    const entry = await desk.orders.create(
      userId,
      limit(accountId, "ETHUSDT", "BUY", "0.5", "3000", { leverage: 4 }),
    );
    const recorded = () => fixture.prisma.order.findUniqueOrThrow({ where: { id: entry.order.id } });
    // The exchange fills it after the desk created its row.
    clock = Math.max(clock, (await recorded()).createdAt.getTime());
    const waitFor = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: SAFETY_NET_MS });
    /** A second later, a counterparty takes `quantity` of the entry; the desk has applied it after. */
    async function fillPart(quantity: string, filled: string) {
      clock += 1000;
      const ref = { symbol: "ETHUSDT", clientOrderId: entry.order.clientOrderId };
      await fake.engine.fillRestingOrder({ id: fake.accounts[0]!.accountId }, ref, quantity);
      await waitFor(async () => expect((await recorded()).filledQuantity.toString()).toBe(filled));
    }
    /** A second later, the trader closes the open ETH position at the mark. */
    async function closeOpen() {
      clock += 1000;
      const open = await fixture.prisma.position.findFirstOrThrow({ where: { accountId, status: "OPEN" } });
      return desk.positions.close(userId, { positionId: open.id, clientOrderId: crypto.randomUUID() });
    }

    await fillPart("0.2", "0.2");
    await closeOpen();
    await fillPart("0.3", "0.5");
    await closeOpen();

    const closed = await fixture.prisma.position.findMany({
      where: { accountId },
      orderBy: { openedAt: "asc" },
    });
    expect(closed.map((p) => [p.status, p.quantity.toString()])).toEqual([
      ["CLOSED", "0.2"],
      ["CLOSED", "0.3"],
    ]);
    // 0.0004 of 0.5 ETH at 3000: its first fill's too, older than the second position.
    expect((await recorded()).fee.toString()).toBe("0.6");
  });
});
