import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { createMarket, DEFAULT_SYMBOLS } from "./market.ts";

const walk = (seed: number, steps: number, symbols: Record<string, string> = { ...DEFAULT_SYMBOLS }) => {
  const market = createMarket(seed, symbols);
  const path: Record<string, string>[] = [];
  for (let i = 0; i < steps; i++) {
    path.push(Object.fromEntries([...market.step()].map(([symbol, mark]) => [symbol, mark.toFixed()])));
  }
  return path;
};

describe("the simulated mark-price walk", () => {
  it("is the same path for the same seed and a different one for another seed", () => {
    expect(walk(7, 50)).toEqual(walk(7, 50));
    expect(walk(7, 50)).not.toEqual(walk(8, 50));
  });

  it("gives each symbol its own path, unchanged when other symbols are listed", () => {
    const alone = walk(3, 30, { ETHUSDT: "3400" }).map((marks) => marks.ETHUSDT);
    const together = walk(3, 30).map((marks) => marks.ETHUSDT);
    expect(together).toEqual(alone);
  });

  it("moves by small relative steps and stays on the symbol's tick size", () => {
    const market = createMarket(1, { BTCUSDT: "65000", DOGEUSDT: "0.15" });
    let previous = market.mark("BTCUSDT");
    let moved = 0;
    for (let i = 0; i < 200; i++) {
      market.step();
      const mark = market.mark("BTCUSDT");
      expect(mark.mod("0.1").isZero()).toBe(true);
      expect(market.mark("DOGEUSDT").mod("0.00001").isZero()).toBe(true);
      // at most 0.02 % a step, plus rounding to the tick
      expect(mark.minus(previous).abs().lte(previous.mul("0.0002").plus("0.1"))).toBe(true);
      if (!mark.eq(previous)) moved++;
      previous = mark;
    }
    expect(moved).toBeGreaterThan(100);
  });

  it("derives a fine tick size for a symbol it does not know", () => {
    const market = createMarket(1, { PEPEUSDT: "0.0000123" });
    for (let i = 0; i < 20; i++) market.step();
    const mark = market.mark("PEPEUSDT");
    expect(mark.gt(0)).toBe(true);
    expect(mark.decimalPlaces()).toBeLessThanOrEqual(11);
    expect(mark.eq(new Decimal("0.0000123"))).toBe(false);
  });

  it("refuses a non-positive initial price, naming the symbol", () => {
    expect(() => createMarket(1, { BTCUSDT: "0" })).toThrow(/symbols\.BTCUSDT/);
  });
});
