import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeskFixture, type DeskFixture, market } from "../testing/desk-fixture.ts";
import { pnl, sum, toDecimal, toWire } from "./money.ts";

const d = (value: string) => new Decimal(value);

describe("money is exact", () => {
  it("adds and multiplies decimals without float or precision loss", () => {
    expect(toWire(sum([d("0.1"), d("0.2")]))).toBe("0.3");
    expect(toWire(pnl("LONG", d("3"), d("0.1"), d("0.2")))).toBe("0.3");
    expect(toWire(pnl("SHORT", d("3"), d("0.3"), d("0.2")))).toBe("0.3");
    // 18 fractional digits on either side: decimal.js' default 20 significant digits would round these.
    expect(toWire(pnl("LONG", d("0.123456789012345678"), d("65000.5"), d("65000.6")))).toBe(
      "0.0123456789012345678",
    );
    expect(toWire(sum([d("100000"), d("0.123456789012345678")]))).toBe("100000.123456789012345678");
    expect(toWire(toDecimal("999999999.999999999999999999").times(d("999999999.999999999999999999")))).toBe(
      "999999999999999999.999999998000000000000000000000000001",
    );
  });
});

describe("balances with 18 fractional digits", () => {
  let f: DeskFixture;
  beforeAll(async () => {
    // A symbol whose filters allow 18 decimals (the listed ones trade in steps of 0.001 BTC...).
    f = await createDeskFixture({ symbols: { EXACTUSDT: "65000" } });
  });
  afterAll(() => f.close());

  it("keeps every digit of quantity, notional, PnL and totals", async () => {
    const { userId, accountId } = await f.createTrader();
    await f.exchange.setMarkPrice("EXACTUSDT", "65000.5");
    const opened = await f.desk.orders.create(
      userId,
      market(accountId, "EXACTUSDT", "BUY", "0.123456789012345678"),
    );
    expect(opened.position).toMatchObject({ quantity: "0.123456789012345678", entryPrice: "65000.5" });
    await f.exchange.setMarkPrice("EXACTUSDT", "65000.6");

    const { data } = await f.desk.balances.read(userId);

    expect(data.positions[0]).toMatchObject({
      quantity: "0.123456789012345678",
      markPrice: "65000.6",
      notional: "8024.7653598758764774068",
      unrealizedPnl: "0.0123456789012345678",
    });
    const wallet = d(data.totals.walletBalance);
    expect(data.totals).toMatchObject({
      unrealizedPnl: "0.0123456789012345678",
      notional: "8024.7653598758764774068",
      equity: toWire(sum([wallet, d("0.0123456789012345678")])),
    });
    expect(toDecimal(data.totals.equity).minus(wallet).toFixed()).toBe("0.0123456789012345678");

    const closed = await f.desk.positions.close(userId, {
      positionId: opened.position!.id,
      clientOrderId: crypto.randomUUID(),
    });
    // The realized PnL is what the exchange booked (to 8 decimals, as Binance keeps PnL), never a
    // computation of ours that would differ from the wallet in the last digits.
    expect(closed.position.realizedPnl).toBe("0.01234568");
    expect(closed.order).toMatchObject({ quantity: "0.123456789012345678", averagePrice: "65000.6" });
  });
});
