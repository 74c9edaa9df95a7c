import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExchangeRejectedError, ExchangeUnavailableError } from "../exchange/errors.ts";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";
import type { CreateOrderCommand, LimitOrderCommand, MarketOrderCommand } from "./commands.ts";
import { InvalidCommandError, NotFoundError } from "./errors.ts";

/** The same order as a LIMIT resting at `price` (which takes no SL/TP). */
function resting(order: MarketOrderCommand, price: Decimal): LimitOrderCommand {
  return { ...order, type: "LIMIT", price, stopLoss: undefined, takeProfit: undefined };
}

const d = (value: string) => new Decimal(value);

describe("orders.create", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());

  it("opens a position at the fill price with its stop-loss and take-profit, on the exchange and in the database", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    const result = await f.desk.orders.create(
      userId,
      market(accountId, "BTCUSDT", "BUY", "0.25", { stopLoss: "60000", takeProfit: "70000.5", leverage: 5 }),
    );

    expect(result.created).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.order).toMatchObject({
      role: "ENTRY",
      status: "FILLED",
      averagePrice: "65000",
      quantity: "0.25",
    });
    expect(result.position).toMatchObject({
      side: "LONG",
      quantity: "0.25",
      entryPrice: "65000",
      leverage: 5,
    });
    expect(
      result.protectiveOrders.map((o) => [o.role, o.type, o.side, o.triggerPrice, o.reduceOnly]),
    ).toEqual([
      ["STOP_LOSS", "STOP_MARKET", "SELL", "60000", true],
      ["TAKE_PROFIT", "TAKE_PROFIT_MARKET", "SELL", "70000.5", true],
    ]);

    const stored = await f.prisma.order.findMany({
      where: { positionId: result.position!.id },
      orderBy: { role: "asc" },
    });
    expect(stored.map((o) => o.role).sort()).toEqual(["ENTRY", "STOP_LOSS", "TAKE_PROFIT"]);
    const onExchange = await f.exchange.openOrders({ id: accountId });
    expect(onExchange.map((o) => o.clientOrderId).sort()).toEqual(
      result.protectiveOrders.map((o) => o.clientOrderId).sort(),
    );
  });

  it("is idempotent by clientOrderId: a repeat returns the first order and never reaches the exchange", async () => {
    const { userId, accountId } = await f.createTrader();
    const command = market(accountId, "ETHUSDT", "SELL", "2");
    const first = await f.desk.orders.create(userId, command);
    const placedBefore = f.exchange.stats().calls.placeOrder ?? 0;
    const repeat = await f.desk.orders.create(userId, { ...command, quantity: d("5") });

    expect(f.exchange.stats().calls.placeOrder ?? 0).toBe(placedBefore);
    expect(repeat.created).toBe(false);
    expect(repeat.order).toEqual(first.order);
    expect(repeat.position?.id).toBe(first.position?.id);
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(1);
  });

  it("runs concurrent repeats of one clientOrderId once: one exchange call, one order", async () => {
    const { userId, accountId } = await f.createTrader();
    const command = market(accountId, "XRPUSDT", "BUY", "10");
    const placed = f.exchange.stats().calls.placeOrder ?? 0;
    const results = await Promise.all([1, 2, 3].map(() => f.desk.orders.create(userId, command)));
    expect(f.exchange.stats().calls.placeOrder).toBe(placed + 1);
    expect(results.map((r) => r.created).sort()).toEqual([false, false, true]);
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(1);
  });

  it("records a resting LIMIT order without a position, and opens the position when the exchange fills it", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("SOLUSDT", "150");
    await f.desk.accountEvents.start();
    try {
      const result = await f.desk.orders.create(userId, {
        accountId,
        clientOrderId: randomUUID(),
        symbol: "SOLUSDT",
        side: "BUY",
        type: "LIMIT",
        quantity: d("10"),
        price: d("140"),
      });
      expect(result.order).toMatchObject({ status: "NEW", price: "140", positionId: null });
      expect(result.position).toBeNull();

      await f.exchange.setMarkPrice("SOLUSDT", "139.5");
      await f.desk.accountEvents.idle();

      const order = await f.prisma.order.findUniqueOrThrow({
        where: { id: result.order.id },
        include: { position: true },
      });
      expect(order.status).toBe("FILLED");
      expect(order.position).toMatchObject({ side: "LONG", status: "OPEN" });
      expect(order.position?.quantity.toString()).toBe("10");
      expect(order.position?.entryPrice.toString()).toBe("140");
    } finally {
      f.desk.accountEvents.stop();
    }
  });

  it("treats another user's account exactly like a missing one, and writes nothing", async () => {
    const owner = await f.createTrader();
    const intruder = await f.createTrader();
    const placed = f.exchange.stats().calls.placeOrder ?? 0;
    for (const accountId of [owner.accountId, randomUUID()]) {
      const attempt = f.desk.orders.create(intruder.userId, market(accountId, "BTCUSDT", "BUY", "0.01"));
      await expect(attempt).rejects.toEqual(new NotFoundError("account"));
    }
    expect(f.exchange.stats().calls.placeOrder ?? 0).toBe(placed);
    expect(await f.prisma.order.count({ where: { accountId: owner.accountId } })).toBe(0);
  });

  it("rejects a stop-loss on the wrong side of the mark price before touching the exchange", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    const placed = f.exchange.stats().calls.placeOrder ?? 0;
    const attempt = f.desk.orders.create(
      userId,
      market(accountId, "BTCUSDT", "BUY", "0.01", { stopLoss: "66000" }),
    );
    await expect(attempt).rejects.toThrow(InvalidCommandError);
    await expect(attempt).rejects.toMatchObject({ field: "stopLoss" });
    const short = f.desk.orders.create(
      userId,
      market(accountId, "BTCUSDT", "SELL", "0.01", { takeProfit: "65000" }),
    );
    await expect(short).rejects.toMatchObject({ field: "takeProfit" });
    expect(f.exchange.stats().calls.placeOrder ?? 0).toBe(placed);
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(0);
  });

  it("adds a same-side MARKET order to the open position and re-places its protection for the new quantity", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("BNBUSDT", "600");
    const first = await f.desk.orders.create(
      userId,
      market(accountId, "BNBUSDT", "BUY", "1", { stopLoss: "550" }),
    );
    await f.exchange.setMarkPrice("BNBUSDT", "603");

    const added = await f.desk.orders.create(
      userId,
      market(accountId, "BNBUSDT", "BUY", "2", { takeProfit: "650" }),
    );

    expect(added.position).toMatchObject({ id: first.position!.id, quantity: "3", entryPrice: "602" });
    expect(added.warnings).toEqual([]);
    expect(added.protectiveOrders.map((o) => [o.role, o.triggerPrice, o.quantity])).toEqual([
      ["STOP_LOSS", "550", "3"],
      ["TAKE_PROFIT", "650", "3"],
    ]);
    const open = await f.exchange.openOrders({ id: accountId });
    expect(open.map((o) => [o.type, o.quantity.toString()]).sort()).toEqual([
      ["STOP_MARKET", "3"],
      ["TAKE_PROFIT_MARKET", "3"],
    ]);
    const snapshot = await f.exchange.getAccountSnapshot({ id: accountId });
    expect(snapshot.positions.map((p) => [p.symbol, p.quantity.toString()])).toEqual([["BNBUSDT", "3"]]);
    expect(await f.prisma.position.count({ where: { accountId, status: "OPEN" } })).toBe(1);
  });

  it("keeps one position per symbol when two orders for it run at once (a double click, two tabs)", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("XRPUSDT", "0.6");
    const results = await Promise.all([
      f.desk.orders.create(userId, market(accountId, "XRPUSDT", "BUY", "100", { stopLoss: "0.5" })),
      f.desk.orders.create(userId, market(accountId, "XRPUSDT", "BUY", "50")),
    ]);
    expect(results.map((result) => result.created)).toEqual([true, true]);
    const open = await f.prisma.position.findMany({ where: { accountId, status: "OPEN" } });
    expect(open.map((p) => p.quantity.toString())).toEqual(["150"]);
    const snapshot = await f.exchange.getAccountSnapshot({ id: accountId });
    expect(snapshot.positions.map((p) => p.quantity.toString())).toEqual(["150"]);
    // Its stop-loss covers the whole position.
    expect((await f.exchange.openOrders({ id: accountId })).map((o) => o.quantity.toString())).toEqual([
      "150",
    ]);
  });

  it("closes exactly what is open when a close and an order for the same position run at once", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("XRPUSDT", "0.6");
    const opened = await f.desk.orders.create(userId, market(accountId, "XRPUSDT", "BUY", "100"));
    await Promise.all([
      f.desk.orders.create(userId, market(accountId, "XRPUSDT", "BUY", "50")),
      f.desk.positions.close(userId, { positionId: opened.position!.id, clientOrderId: randomUUID() }),
    ]);
    const open = await f.prisma.position.findMany({ where: { accountId, status: "OPEN" } });
    const onExchange = (await f.exchange.getAccountSnapshot({ id: accountId })).positions;
    // Whichever ran first, the database and the exchange agree.
    expect(open.map((p) => p.quantity.toString())).toEqual(onExchange.map((p) => p.quantity.toString()));
  });

  it("refuses an order against the open position's side, and a LIMIT order onto it", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.desk.orders.create(userId, market(accountId, "BNBUSDT", "BUY", "1"));
    const placed = f.exchange.stats().calls.placeOrder;
    await expect(
      f.desk.orders.create(userId, market(accountId, "BNBUSDT", "SELL", "1")),
    ).rejects.toMatchObject({
      name: "InvalidCommandError",
      field: "side",
    });
    const limit = resting(market(accountId, "BNBUSDT", "BUY", "1"), d("500"));
    await expect(f.desk.orders.create(userId, limit)).rejects.toMatchObject({ field: "type" });
    expect(f.exchange.stats().calls.placeOrder).toBe(placed);
  });

  it("refuses an entry against a resting entry of the other side, until that one is cancelled", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("DOGEUSDT", "0.15");
    const waiting = await f.desk.orders.create(
      userId,
      resting(market(accountId, "DOGEUSDT", "BUY", "1000"), d("0.12")),
    );
    expect(waiting.order.status).toBe("NEW");
    const placed = f.exchange.stats().calls.placeOrder;
    const rows = await f.prisma.order.count({ where: { accountId } });

    // Filled later, the BUY would net against this SHORT on the exchange: two positions here.
    await expect(
      f.desk.orders.create(userId, market(accountId, "DOGEUSDT", "SELL", "1000")),
    ).rejects.toMatchObject({
      name: "InvalidCommandError",
      field: "side",
      message: expect.stringContaining("resting BUY LIMIT entry on DOGEUSDT"),
    });
    expect(f.exchange.stats().calls.placeOrder).toBe(placed);
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(rows);

    await f.desk.orders.cancel(userId, { orderId: waiting.order.id });
    const short = await f.desk.orders.create(userId, market(accountId, "DOGEUSDT", "SELL", "1000"));
    expect(short.position).toMatchObject({ side: "SHORT", status: "OPEN" });
  });

  it("records a failed or refused order as a resolved intent, opens nothing, and sends it again on retry", async () => {
    const { userId, accountId } = await f.createTrader();
    f.exchange.injectFault({ kind: "timeout" }, { operation: "placeOrder" });
    const command = market(accountId, "XRPUSDT", "BUY", "100");
    await expect(f.desk.orders.create(userId, command)).rejects.toThrow(ExchangeUnavailableError);
    await expect(
      f.desk.orders.create(userId, {
        ...command,
        clientOrderId: randomUUID(),
        symbol: "BTCUSDT",
        quantity: d("100"), // 6.5 million USDT: more margin than the account has
      }),
    ).rejects.toThrow(ExchangeRejectedError);
    // Each intent was recorded before it was sent, and resolved REJECTED with the exchange's reason.
    const attempts = await f.prisma.order.findMany({ where: { accountId }, orderBy: { symbol: "asc" } });
    expect(attempts.map((o) => [o.symbol, o.status])).toEqual([
      ["BTCUSDT", "REJECTED"],
      ["XRPUSDT", "REJECTED"],
    ]);
    expect(attempts.map((o) => o.statusReason)).toEqual([
      expect.stringMatching(/margin is insufficient/),
      expect.stringMatching(/not placed/),
    ]);
    expect(await f.prisma.position.count({ where: { accountId } })).toBe(0);
    // The same clientOrderId may be retried once the exchange answers again: the same row is sent.
    const retried = await f.desk.orders.create(userId, command);
    expect(retried.created).toBe(true);
    expect(retried.order).toMatchObject({ id: attempts[1]?.id, status: "FILLED", statusReason: null });
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(2);
  });

  it("keeps a filled entry when its take-profit is refused, and says so", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("DOGEUSDT", "0.15");
    // The market jumps right after the entry fills: the take-profit would now trigger at once.
    f.hooks.afterPlaceOrder = async (request) => {
      if (request.type === "MARKET") await f.exchange.setMarkPrice("DOGEUSDT", "0.25");
    };
    try {
      const result = await f.desk.orders.create(
        userId,
        market(accountId, "DOGEUSDT", "BUY", "1000", { stopLoss: "0.1", takeProfit: "0.2" }),
      );
      expect(result.created).toBe(true);
      expect(result.position).toMatchObject({ quantity: "1000", entryPrice: "0.15" });
      expect(result.protectiveOrders.map((o) => o.role)).toEqual(["STOP_LOSS"]);
      expect(result.warnings).toEqual([
        expect.stringMatching(/^the take-profit was not placed: triggerPrice/),
      ]);
      const rows = await f.prisma.order.findMany({ where: { accountId }, orderBy: { role: "asc" } });
      expect(rows.map((o) => [o.role, o.status])).toEqual([
        ["ENTRY", "FILLED"],
        ["STOP_LOSS", "NEW"],
        ["TAKE_PROFIT", "REJECTED"],
      ]);
    } finally {
      delete f.hooks.afterPlaceOrder;
    }
  });

  it("checks the exchange's filters first, naming the field and the rule, and writes nothing", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("BTCUSDT", "65000");
    await f.exchange.setMarkPrice("DOGEUSDT", "0.15");
    const refused = async (command: CreateOrderCommand) => {
      const error = await f.desk.orders.create(userId, command).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidCommandError);
      return [(error as InvalidCommandError).field, (error as Error).message];
    };
    const btc = (quantity: string, extra: Partial<MarketOrderCommand> = {}): MarketOrderCommand => ({
      ...market(accountId, "BTCUSDT", "BUY", quantity),
      ...extra,
    });
    f.exchange.resetStats();
    expect(await refused(btc("0.000000001"))).toEqual([
      "quantity",
      "quantity must be a multiple of 0.001 BTC (the step)",
    ]);
    expect(await refused(btc("121"))).toEqual([
      "quantity",
      "quantity must be at most 120 BTC for a MARKET order",
    ]);
    expect(await refused({ ...market(accountId, "DOGEUSDT", "BUY", "10") })).toEqual([
      "quantity",
      "order value 1.50 USDT is below the 5 USDT minimum",
    ]);
    expect(await refused(resting(btc("0.01"), d("64000.05")))).toEqual([
      "price",
      "price must be a multiple of 0.1 USDT",
    ]);
    expect(await refused(btc("0.01", { stopLoss: d("60000.01") }))).toEqual([
      "stopLoss",
      "stopLoss must be a multiple of 0.1 USDT",
    ]);
    expect(await refused(btc("0.01", { symbol: "NOPEUSDT" }))).toEqual([
      "symbol",
      "NOPEUSDT is not listed on this exchange",
    ]);
    expect(await f.prisma.order.count({ where: { accountId } })).toBe(0);
    expect(f.exchange.stats().calls.placeOrder).toBeUndefined();
  });

  it("lists the caller's orders newest first, paged by cursor, and nobody else's", async () => {
    const { userId, accountId } = await f.createTrader();
    const other = await f.createTrader();
    for (const symbol of ["BTCUSDT", "ETHUSDT", "SOLUSDT"]) {
      f.advance(1000);
      await f.desk.orders.create(userId, {
        accountId,
        clientOrderId: randomUUID(),
        symbol,
        side: "BUY",
        type: "MARKET",
        quantity: d(symbol === "SOLUSDT" ? "1" : "0.1"),
      });
    }
    const first = await f.desk.orders.list(userId, { limit: 2 });
    expect(first.items.map((o) => o.symbol)).toHaveLength(2);
    const second = await f.desk.orders.list(userId, { limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((o) => o.symbol).sort()).toEqual([
      "BTCUSDT",
      "ETHUSDT",
      "SOLUSDT",
    ]);
    expect(second.nextCursor).toBeNull();
    expect((await f.desk.orders.list(other.userId, { limit: 50 })).items).toEqual([]);
  });

  it("pages through all of a user's accounts newest first, orders of the same millisecond by id, none twice or skipped", async () => {
    const { userId, accountId } = await f.createTrader();
    const second = await f.addAccount(userId, "Second");
    const at = (iso: string) => new Date(`2026-11-${iso}Z`);
    const times = [
      at("01T10:00:00.000"),
      at("01T10:00:00.000"),
      at("01T10:00:00.000"),
      at("15T08:00:00.000"),
    ];
    const rows = [accountId, second].flatMap((account) =>
      times.map((createdAt, index) => ({
        accountId: account,
        role: "ENTRY" as const,
        clientOrderId: randomUUID(),
        symbol: "BTCUSDT",
        side: "BUY" as const,
        type: "LIMIT" as const,
        quantity: "0.001",
        price: "60000",
        status: index % 2 ? ("FILLED" as const) : ("CANCELED" as const),
        filledQuantity: index % 2 ? "0.001" : "0",
        createdAt,
      })),
    );
    await f.prisma.order.createMany({ data: rows });
    const newestFirst = await f.prisma.order.findMany({
      where: { accountId: { in: [accountId, second] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, filledQuantity: true },
    });

    const walk = async (list: typeof f.desk.orders.list) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await list(userId, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((order) => order.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    expect(await walk(f.desk.orders.list)).toEqual(newestFirst.map((order) => order.id));
    expect(await walk(f.desk.orders.trades)).toEqual(
      newestFirst.filter((order) => order.filledQuantity.gt(0)).map((order) => order.id),
    );
    // One account only.
    const one = await f.desk.orders.list(userId, { limit: 50, accountId: second });
    expect(one.items.map((order) => order.accountId)).toEqual(Array(4).fill(second));
  });

  it("refuses a cursor it did not give (an order id, say) on the cursor field", async () => {
    const { userId } = await f.createTrader();
    await expect(f.desk.orders.list(userId, { limit: 5, cursor: randomUUID() })).rejects.toMatchObject({
      name: "InvalidCommandError",
      field: "cursor",
    });
  });
});
