import Decimal from "decimal.js";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { z } from "zod";
import { KNOWN_SYMBOLS } from "./symbol-rules.ts";

export const DEFAULT_SYMBOLS: Readonly<Record<string, string>> = {
  BTCUSDT: "65000",
  ETHUSDT: "3400",
  SOLUSDT: "150",
  BNBUSDT: "600",
  XRPUSDT: "0.6",
  DOGEUSDT: "0.15",
};

/** Largest relative step of one tick, in units of 1/100000 (0.02 %: about a second of BTC). */
const MAX_STEP = 20;
const STEP_SCALE = new Decimal(100_000);

/**
 * The simulated price feed: one mark price per symbol moved by a seeded random walk.
 * Each symbol has its own generator (seed mixed with the symbol), so adding a symbol does not
 * change the path of the others.
 */
export interface Market {
  readonly symbols: readonly string[];
  has(symbol: string): boolean;
  mark(symbol: string): Decimal;
  setMark(symbol: string, price: Decimal): void;
  /** One random-walk step for every symbol; returns the new marks. */
  step(): Map<string, Decimal>;
  /** Marks and generator states, to carry the walk on after a restart. */
  save(): MarketState;
  /** Continues from a saved state; symbols not listed any more are ignored. */
  restore(state: unknown): void;
}

const marketState = z.object({
  marks: z.record(z.string(), z.string().regex(/^\d+(\.\d+)?$/)),
  generators: z.record(z.string(), z.array(z.number().int())),
});
export type MarketState = z.infer<typeof marketState>;

export function createMarket(seed: number, initial: Record<string, string>): Market {
  const marks = new Map<string, Decimal>();
  const ticks = new Map<string, Decimal>();
  const generators = new Map<string, RandomGenerator>();
  for (const [symbol, price] of Object.entries(initial)) {
    const mark = new Decimal(price);
    if (!mark.isFinite() || mark.lte(0)) throw new Error(`symbols.${symbol}: initial price must be > 0`);
    marks.set(symbol, mark);
    ticks.set(symbol, tickSizeFor(symbol, mark));
    generators.set(symbol, xoroshiro128plus(mixSeed(seed, symbol)));
  }
  const symbols = [...marks.keys()].sort();

  return {
    symbols,
    has: (symbol) => marks.has(symbol),
    mark(symbol) {
      const mark = marks.get(symbol);
      if (!mark) throw new Error(`unknown symbol ${symbol}`);
      return mark;
    },
    setMark(symbol, price) {
      marks.set(symbol, price.toNearest(ticks.get(symbol)!));
    },
    step() {
      for (const symbol of symbols) {
        const steps = uniformInt(generators.get(symbol)!, -MAX_STEP, MAX_STEP);
        const tick = ticks.get(symbol)!;
        const next = marks.get(symbol)!.mul(STEP_SCALE.plus(steps)).div(STEP_SCALE).toNearest(tick);
        marks.set(symbol, Decimal.max(next, tick));
      }
      return new Map(marks);
    },
    save() {
      return {
        marks: Object.fromEntries([...marks].map(([symbol, mark]) => [symbol, mark.toFixed()])),
        generators: Object.fromEntries([...generators].map(([symbol, rng]) => [symbol, [...rng.getState()]])),
      };
    },
    restore(stored) {
      const state = marketState.parse(stored);
      for (const symbol of symbols) {
        const mark = state.marks[symbol];
        const generator = state.generators[symbol];
        if (mark === undefined || generator === undefined) continue;
        marks.set(symbol, new Decimal(mark));
        generators.set(symbol, xoroshiro128plusFromState(generator));
      }
    },
  };
}

/** A tick size about a millionth of the price when Binance's is not in our table. */
function tickSizeFor(symbol: string, price: Decimal): Decimal {
  const known = KNOWN_SYMBOLS[symbol];
  if (known) return new Decimal(known.tick);
  return new Decimal(10).pow(price.e - 5);
}

/** FNV-1a of the symbol, xor the seed: a stable 32-bit seed per symbol. */
function mixSeed(seed: number, symbol: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    hash ^= symbol.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash ^ seed) | 0;
}
