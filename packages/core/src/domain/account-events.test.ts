import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture, market, nextCall } from "../testing/desk-fixture.ts";

describe("exchange account events", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.desk.accountEvents.stop());

  it("closes the position when its stop-loss fires: order FILLED, realized PnL booked, take-profit CANCELED, cache invalidated", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "SOLUSDT", "BUY", "10", { stopLoss: "140", takeProfit: "170" }),
    );
    await f.desk.accountEvents.start();
    expect((await f.desk.balances.read(userId)).data.positions).toHaveLength(1);
    const changed = nextCall<[string | null, string]>();
    const stop = f.desk.onUserDataChanged((changedUserId, reason) => {
      if (changedUserId === userId) changed.callback(changedUserId, reason);
    });

    f.calls.length = 0;
    await f.exchange.setMarkPrice("SOLUSDT", "139.9");
    await f.desk.accountEvents.idle();
    await changed.promise;
    stop();

    const position = await f.prisma.position.findUniqueOrThrow({
      where: { id: opened.position!.id },
      include: { orders: true },
    });
    expect(position.status).toBe("CLOSED");
    // 10 SOL from 150 to a fill at the mark 139.9
    expect(position.realizedPnl.toString()).toBe("-101");
    const byRole = Object.fromEntries(position.orders.map((o) => [o.role, o.status]));
    expect(byRole).toEqual({ ENTRY: "FILLED", STOP_LOSS: "FILLED", TAKE_PROFIT: "CANCELED" });
    // The take-profit is cancelled on the exchange too, whether or not the exchange does it itself.
    expect(f.calls).toEqual(["cancelOrders:1"]);
    expect(await f.exchange.openOrders({ id: accountId })).toEqual([]);
    const read = await f.desk.balances.read(userId);
    expect(read.fromCache).toBe(false);
    expect(read.data.positions).toEqual([]);
  });

  it("streams mark prices of the user's open positions, and follows new positions", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.desk.orders.create(userId, market(accountId, "BNBUSDT", "BUY", "1"));
    const batches: Record<string, string>[] = [];
    const stop = await f.desk.watchMarkPrices(userId, (prices) => batches.push(prices));

    await f.exchange.setMarkPrice("BNBUSDT", "601.5");
    await f.exchange.setMarkPrice("XRPUSDT", "0.7");
    expect(batches).toEqual([{ BNBUSDT: "601.5" }]);

    await f.desk.orders.create(userId, market(accountId, "XRPUSDT", "SELL", "100"));
    await stop.settled();
    await f.exchange.setMarkPrice("XRPUSDT", "0.71");
    expect(batches.at(-1)).toEqual({ XRPUSDT: "0.71" });

    stop();
    const seen = batches.length;
    await f.exchange.setMarkPrice("BNBUSDT", "602");
    expect(batches).toHaveLength(seen);
  });
});
