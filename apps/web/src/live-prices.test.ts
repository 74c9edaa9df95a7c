import { describe, expect, it } from "vitest";
import { withTick } from "./live-prices.ts";
import type { BalancesRead, Position } from "./types.ts";

function position(overrides: Partial<Position>): Position {
  return {
    id: "p",
    accountId: "a",
    symbol: "BTCUSDT",
    side: "LONG",
    quantity: "0.5",
    entryPrice: "64250.5",
    leverage: 5,
    openedAt: "2026-11-24T00:00:00.000Z",
    stopLoss: null,
    takeProfit: null,
    markPrice: "65000",
    markPriceAgeMs: 1200,
    markPriceStale: false,
    unrealizedPnl: "374.75",
    notional: "32500",
    externalOrders: 0,
    ...overrides,
  };
}

function read(positions: Position[]): BalancesRead {
  return {
    data: {
      accounts: [],
      positions,
      totals: { currency: "USDT", walletBalance: "1000", unrealizedPnl: "0", equity: "1000", notional: "0" },
      recentlyClosed: [],
      pricesAt: "2026-11-24T00:00:00.000Z",
      pricesStale: positions.some((p) => p.markPriceStale),
    },
    fromCache: true,
    asOf: "2026-11-24T00:00:00.000Z",
    ageMs: 0,
    stale: false,
  };
}

describe("withTick (the server's markToMarket on a pushed tick)", () => {
  it("reprices longs and shorts exactly and recomputes the totals", () => {
    const before = read([
      position({ id: "long" }),
      position({ id: "short", symbol: "ETHUSDT", side: "SHORT", quantity: "4", entryPrice: "3425.75" }),
    ]);
    const after = withTick(before, { BTCUSDT: "66000.1", ETHUSDT: "3400.05" }, "2026-11-24T00:00:01.000Z");
    const [long, short] = after.data.positions;
    expect(long?.unrealizedPnl).toBe("874.8"); // (66000.1 - 64250.5) x 0.5
    expect(short?.unrealizedPnl).toBe("102.8"); // -(3400.05 - 3425.75) x 4
    expect(long?.notional).toBe("33000.05");
    expect(after.data.totals.unrealizedPnl).toBe("977.6");
    expect(after.data.totals.equity).toBe("1977.6");
    expect(after.data.pricesAt).toBe("2026-11-24T00:00:01.000Z");
  });

  it("keeps every digit, as the server's read does (no rounding to 20 significant digits)", () => {
    const before = read([position({ quantity: "0.123456789012345678" })]);
    const after = withTick(before, { BTCUSDT: "66000.123456789012345678" }, "t");
    expect(after.data.positions[0]).toMatchObject({
      unrealizedPnl: "216.002893955852002497527968299765279684",
      notional: "8148.163316393567986836527968299765279684",
    });
    expect(after.data.totals.equity).toBe("1216.002893955852002497527968299765279684");
  });

  it("marks a pushed price fresh, and the summary stale only while another position's price is", () => {
    const before = read([
      position({ id: "btc", markPriceAgeMs: 9_000, markPriceStale: true }),
      position({ id: "eth", symbol: "ETHUSDT", markPriceAgeMs: 9_000, markPriceStale: true }),
    ]);
    expect(before.data.pricesStale).toBe(true);
    const btcTicked = withTick(before, { BTCUSDT: "65001" }, "t");
    expect(btcTicked.data.positions[0]).toMatchObject({ markPriceAgeMs: 0, markPriceStale: false });
    expect(btcTicked.data.pricesStale).toBe(true);
    expect(withTick(btcTicked, { ETHUSDT: "3401" }, "t").data.pricesStale).toBe(false);
  });

  it("returns the same object when no price of a held symbol changed", () => {
    const before = read([position({})]);
    expect(withTick(before, { DOGEUSDT: "0.2", BTCUSDT: "65000" }, "t")).toBe(before);
  });
});
