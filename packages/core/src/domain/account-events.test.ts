import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { createDeskFixture, type DeskFixture, limit, market, nextCall } from "../testing/desk-fixture.ts";
import { SAFETY_NET_MS } from "../testing/safety-net.ts";

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

  /**
   * A trader whose stream the desk follows, with a resting 3x LIMIT entry to buy 10 SOL at 140
   * (the mark at 150), filled part by part by a counterparty.
   */
  async function restingEntry() {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    await f.desk.accountEvents.start();
    const entry = await f.desk.orders.create(
      userId,
      limit(accountId, "SOLUSDT", "BUY", "10", "140", { leverage: 3 }),
    );
    const openPositions = () =>
      f.prisma.position.findMany({ where: { accountId, symbol: "SOLUSDT", status: "OPEN" } });
    return {
      userId,
      accountId,
      entry,
      openPositions,
      /** A counterparty takes `quantity` of the entry; the desk has applied the events after. */
      async fillPart(quantity: string) {
        const ref = { symbol: "SOLUSDT", clientOrderId: entry.order.clientOrderId };
        await f.exchange.fillRestingOrder({ id: accountId }, ref, quantity);
        await f.desk.accountEvents.idle();
      },
      /** The entry's status and fill, and the position its row is linked to. */
      async recorded() {
        const order = await f.prisma.order.findUniqueOrThrow({
          where: { id: entry.order.id },
          include: { position: true },
        });
        const position = order.position;
        return [
          order.status,
          order.filledQuantity.toString(),
          position?.status,
          position?.quantity.toString(),
          position?.entryPrice.toString(),
        ];
      },
      /** The trader closes the open SOL position at the mark. */
      async closeOpen() {
        const [open] = await openPositions();
        const command = { positionId: open!.id, clientOrderId: crypto.randomUUID() };
        return (await f.desk.positions.close(userId, command)).position;
      },
    };
  }

  it("adds each partial fill of a resting LIMIT entry once, at the exchange's average entry: a reconcile run repairs nothing", async () => {
    const { userId, accountId, fillPart, recorded } = await restingEntry();

    await fillPart("3");
    expect(await recorded()).toEqual(["PARTIALLY_FILLED", "3", "OPEN", "3", "140"]);
    // An add at the mark meanwhile, so each later fill moves the average entry.
    await f.desk.orders.create(userId, market(accountId, "SOLUSDT", "BUY", "1"));
    expect(await recorded()).toEqual(["PARTIALLY_FILLED", "3", "OPEN", "4", "142.5"]);
    await fillPart("4");
    expect(await recorded()).toEqual(["PARTIALLY_FILLED", "7", "OPEN", "8", "141.25"]);
    await fillPart("3");
    // (8 x 141.25 + 3 x 140) / 11 = 140.9090..., to 8 decimals as the exchange books it
    expect(await recorded()).toEqual(["FILLED", "10", "OPEN", "11", "140.90909091"]);

    const [held] = (await f.exchange.getAccountSnapshot({ id: accountId })).positions;
    expect([held?.quantity.toFixed(), held?.entryPrice.toFixed(), held?.leverage]).toEqual([
      "11",
      "140.90909091",
      3,
    ]);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
  });

  it("a resting LIMIT entry that fills after its position was closed opens or grows the open position, and the order follows its fills: a reconcile run repairs nothing", async () => {
    const { userId, accountId, fillPart, recorded, openPositions, closeOpen } = await restingEntry();

    await fillPart("3");
    // The trader closes the 3 filled at the mark; the rest of the entry keeps resting.
    const first = await closeOpen();
    expect(first).toMatchObject({ status: "CLOSED", quantity: "3", realizedPnl: "30" });
    await fillPart("4");
    // The 4 open a position of their own, at the entry's leverage; the closed one is as it was.
    expect(await recorded()).toEqual(["PARTIALLY_FILLED", "7", "OPEN", "4", "140"]);
    expect((await openPositions()).map((p) => [p.quantity.toString(), p.leverage])).toEqual([["4", 3]]);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });

    // Closed again, and a MARKET entry opens a position the last 3 then grow.
    const second = await closeOpen();
    await f.desk.orders.create(userId, market(accountId, "SOLUSDT", "BUY", "1", { leverage: 3 }));
    await fillPart("3");
    // (1 x 150 + 3 x 140) / 4 = 142.5
    expect(await recorded()).toEqual(["FILLED", "10", "OPEN", "4", "142.5"]);
    expect(await openPositions()).toHaveLength(1);
    const closed = await Promise.all(
      [first, second].map(({ id }) => f.prisma.position.findUniqueOrThrow({ where: { id } })),
    );
    expect(closed.map((p) => [p.status, p.quantity.toString(), p.realizedPnl.toString()])).toEqual([
      ["CLOSED", "3", "30"],
      ["CLOSED", "4", "40"],
    ]);
    const [held] = (await f.exchange.getAccountSnapshot({ id: accountId })).positions;
    expect([held?.quantity.toFixed(), held?.entryPrice.toFixed(), held?.leverage]).toEqual(["4", "142.5", 3]);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
  });

  it("a resting LIMIT entry that fills after its position was closed opens a position at the symbol's leverage, which an add changed: a reconcile run repairs nothing", async () => {
    const { userId, accountId, entry, fillPart, recorded, openPositions, closeOpen } = await restingEntry();

    await fillPart("3"); // a position at the entry's 3x
    // An add at 5x changes the symbol's leverage: the position's, and the resting entry's.
    const added = await f.desk.orders.create(
      userId,
      market(accountId, "SOLUSDT", "BUY", "1", { leverage: 5 }),
    );
    expect(added.position?.leverage).toBe(5);
    expect((await f.prisma.order.findUniqueOrThrow({ where: { id: entry.order.id } })).leverage).toBe(5);
    await closeOpen();

    await fillPart("7");
    expect(await recorded()).toEqual(["FILLED", "10", "OPEN", "7", "140"]);
    expect((await openPositions()).map((p) => [p.quantity.toString(), p.leverage])).toEqual([["7", 5]]);
    const [held] = (await f.exchange.getAccountSnapshot({ id: accountId })).positions;
    expect([held?.quantity.toFixed(), held?.leverage]).toEqual(["7", 5]);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
  });

  it("a reconcile run leaves the rest of a resting LIMIT entry whose position the trader closed: it rests, as on the exchange, until the trader cancels it", async () => {
    const { accountId, entry, fillPart, recorded, closeOpen } = await restingEntry();

    await fillPart("3");
    await closeOpen();
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
    const resting = await f.exchange.openOrders({ id: accountId });
    expect(resting.map((o) => [o.clientOrderId, o.status, o.filledQuantity.toFixed()])).toEqual([
      [entry.order.clientOrderId, "PARTIALLY_FILLED", "3"],
    ]);
    expect(await recorded()).toEqual(["PARTIALLY_FILLED", "3", "CLOSED", "3", "140"]);

    await fillPart("7");
    expect(await recorded()).toEqual(["FILLED", "10", "OPEN", "7", "140"]);
    expect(await f.desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
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

describe("exchange account events on Binance", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());
  const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: SAFETY_NET_MS });

  it("adds a partial fill delivered twice once: after the last fill the position is Binance's", async () => {
    const { fake, gateway, desk, userId, accountId, close } = await f.binanceTrader();
    onTestFinished(close);
    await desk.accountEvents.start();
    onTestFinished(() => desk.accountEvents.stop());
    await gateway.streamsReady();
    const entry = await desk.orders.create(
      userId,
      limit(accountId, "ETHUSDT", "BUY", "0.5", "3000", { leverage: 4 }),
    );
    const engineAccount = { id: fake.accounts[0]!.accountId };
    const ref = { symbol: "ETHUSDT", clientOrderId: entry.order.clientOrderId };
    const filled = async () =>
      (await f.prisma.order.findUniqueOrThrow({ where: { id: entry.order.id } })).filledQuantity.toString();

    await fake.engine.fillRestingOrder(engineAccount, ref, "0.2");
    await waitFor(async () => expect(await filled()).toBe("0.2"));
    const partial = fake.userMessages.find(
      ({ message }) => (message as { o?: { X?: string } }).o?.X === "PARTIALLY_FILLED",
    )?.message;
    expect(partial).toBeDefined();
    fake.pushUserMessage(engineAccount.id, partial!); // Binance sends it again
    await fake.engine.fillRestingOrder(engineAccount, ref, "0.3");
    await waitFor(async () => expect(await filled()).toBe("0.5"));

    const position = await f.prisma.position.findFirstOrThrow({ where: { accountId, status: "OPEN" } });
    expect([position.quantity.toString(), position.entryPrice.toString(), position.leverage]).toEqual([
      "0.5",
      "3000",
      4,
    ]);
    expect(await desk.reconciler.run(accountId, "MANUAL")).toMatchObject({ outcome: "OK", repairs: [] });
  });
});
