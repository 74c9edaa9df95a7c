import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExchangeRateLimitedError } from "../exchange/errors.ts";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";
import { ConflictError, NotFoundError } from "./errors.ts";

const d = (value: string) => new Decimal(value);

describe("positions", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    f = await createDeskFixture();
  });
  afterAll(() => f.close());

  async function openLong(levels: { stopLoss?: string; takeProfit?: string } = {}) {
    const trader = await f.createTrader();
    await f.exchange.setMarkPrice("ETHUSDT", "3400");
    const opened = await f.desk.orders.create(
      trader.userId,
      market(trader.accountId, "ETHUSDT", "BUY", "2", levels),
    );
    return { ...trader, position: opened.position!, protective: opened.protectiveOrders };
  }

  describe("close", () => {
    it("sells the open quantity reduce-only, books the realized PnL and cancels the protection", async () => {
      const { userId, accountId, position, protective } = await openLong({
        stopLoss: "3000",
        takeProfit: "4000",
      });
      await f.exchange.setMarkPrice("ETHUSDT", "3450.5");
      f.calls.length = 0;

      const result = await f.desk.positions.close(userId, {
        positionId: position.id,
        clientOrderId: randomUUID(),
      });

      expect(result.closed).toBe(true);
      expect(result.order).toMatchObject({
        role: "EXIT",
        side: "SELL",
        type: "MARKET",
        reduceOnly: true,
        quantity: "2",
      });
      expect(result.position).toMatchObject({ status: "CLOSED", realizedPnl: "101" });
      expect(result.canceledOrderIds.sort()).toEqual(protective.map((o) => o.id).sort());
      expect(f.calls[0]).toBe("placeOrder:MARKET");
      const stored = await f.prisma.order.findMany({
        where: { positionId: position.id, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] } },
      });
      expect(stored.map((o) => o.status)).toEqual(["CANCELED", "CANCELED"]);
      const snapshot = await f.exchange.getAccountSnapshot({ id: accountId });
      expect(snapshot.positions).toEqual([]);
      expect(await f.exchange.openOrders({ id: accountId })).toEqual([]);
    });

    it("is idempotent by clientOrderId, and a closed position cannot be closed again", async () => {
      const { userId, position } = await openLong();
      const clientOrderId = randomUUID();
      const first = await f.desk.positions.close(userId, { positionId: position.id, clientOrderId });
      const placed = f.exchange.stats().calls.placeOrder;
      const repeat = await f.desk.positions.close(userId, { positionId: position.id, clientOrderId });
      expect(repeat.closed).toBe(false);
      expect(repeat.order).toEqual(first.order);
      expect(f.exchange.stats().calls.placeOrder).toBe(placed);
      await expect(
        f.desk.positions.close(userId, { positionId: position.id, clientOrderId: randomUUID() }),
      ).rejects.toThrow(ConflictError);
    });

    it("does not find another user's position", async () => {
      const { position } = await openLong();
      const intruder = await f.createTrader();
      await expect(
        f.desk.positions.close(intruder.userId, { positionId: position.id, clientOrderId: randomUUID() }),
      ).rejects.toEqual(new NotFoundError("position"));
      expect(await f.prisma.position.findUniqueOrThrow({ where: { id: position.id } })).toMatchObject({
        status: "OPEN",
      });
    });
  });

  describe("modifySlTp", () => {
    it("places the new protection before cancelling the old, and records both in the database", async () => {
      const { userId, accountId, position, protective } = await openLong({
        stopLoss: "3000",
        takeProfit: "4000",
      });
      f.calls.length = 0;

      const result = await f.desk.positions.modifySlTp(userId, {
        positionId: position.id,
        stopLoss: d("3100"),
        takeProfit: d("3900.25"),
      });

      expect(f.calls).toEqual(["placeOrder:STOP_MARKET", "placeOrder:TAKE_PROFIT_MARKET", "cancelOrders:2"]);
      expect(result.stopLoss?.triggerPrice).toBe("3100");
      expect(result.takeProfit?.triggerPrice).toBe("3900.25");
      expect(result.canceledOrderIds.sort()).toEqual(protective.map((o) => o.id).sort());
      const open = await f.exchange.openOrders({ id: accountId });
      expect(open.map((o) => o.triggerPrice?.toString()).sort()).toEqual(["3100", "3900.25"]);
      const stored = await f.prisma.order.findMany({
        where: { positionId: position.id, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] }, status: "NEW" },
      });
      expect(stored.map((o) => o.triggerPrice?.toString()).sort()).toEqual(["3100", "3900.25"]);
    });

    it("keeps what is not mentioned and removes what is set to null", async () => {
      const { userId, accountId, position, protective } = await openLong({
        stopLoss: "3000",
        takeProfit: "4000",
      });
      const takeProfit = protective.find((o) => o.role === "TAKE_PROFIT")!;

      const result = await f.desk.positions.modifySlTp(userId, { positionId: position.id, stopLoss: null });

      expect(result.stopLoss).toBeNull();
      expect(result.takeProfit).toMatchObject({ orderId: takeProfit.id, triggerPrice: "4000" });
      expect(result.placed).toEqual([]);
      const open = await f.exchange.openOrders({ id: accountId });
      expect(open.map((o) => o.clientOrderId)).toEqual([takeProfit.clientOrderId]);
    });

    it("rejects levels on the wrong side of the mark price, naming the field", async () => {
      const { userId, position } = await openLong();
      await expect(
        f.desk.positions.modifySlTp(userId, { positionId: position.id, stopLoss: d("3500") }),
      ).rejects.toMatchObject({ name: "InvalidCommandError", field: "stopLoss" });
      await expect(
        f.desk.positions.modifySlTp(userId, { positionId: position.id, takeProfit: d("3300") }),
      ).rejects.toMatchObject({ name: "InvalidCommandError", field: "takeProfit" });
    });

    it("changes nothing when the exchange refuses part of it, taking back what it placed", async () => {
      const { userId, accountId, position, protective } = await openLong({
        stopLoss: "3000",
        takeProfit: "4000",
      });
      // The second placement (the take-profit) hits a rate limit.
      f.hooks.afterPlaceOrder = async () => {
        f.exchange.injectFault({ kind: "rate-limited", retryAfterMs: 5000 }, { operation: "placeOrder" });
        delete f.hooks.afterPlaceOrder;
      };
      const attempt = f.desk.positions.modifySlTp(userId, {
        positionId: position.id,
        stopLoss: d("3100"),
        takeProfit: d("3900"),
      });
      await expect(attempt).rejects.toThrow(ExchangeRateLimitedError);

      const stored = await f.prisma.order.findMany({
        where: { positionId: position.id, role: { in: ["STOP_LOSS", "TAKE_PROFIT"] }, status: "NEW" },
      });
      expect(stored.map((o) => o.id).sort()).toEqual(protective.map((o) => o.id).sort());
      const open = await f.exchange.openOrders({ id: accountId });
      expect(open.map((o) => o.clientOrderId).sort()).toEqual(protective.map((o) => o.clientOrderId).sort());
    });

    it("does not find another user's position, and touches neither the database nor the exchange", async () => {
      const { position } = await openLong({ stopLoss: "3000" });
      const intruder = await f.createTrader();
      const placed = f.exchange.stats().calls.placeOrder;
      await expect(
        f.desk.positions.modifySlTp(intruder.userId, { positionId: position.id, stopLoss: d("3100") }),
      ).rejects.toEqual(new NotFoundError("position"));
      expect(f.exchange.stats().calls.placeOrder).toBe(placed);
    });
  });
});
