/**
 * Counts calls and request weight the way Binance USD-M does, per IP, in a rolling minute.
 * Weights (Binance USD-M docs): GET /fapi/v3/account 5, GET /fapi/v3/positionRisk 5,
 * POST /fapi/v1/order 0 (orders count against the order-rate limit, not the IP weight),
 * GET /fapi/v1/order 1, DELETE /fapi/v1/batchOrders 1, DELETE /fapi/v1/algoOrder 1,
 * POST /fapi/v1/leverage 1,
 * GET /fapi/v1/premiumIndex 1 with a symbol, 10 without (mark prices for n symbols cost
 * min(n, 10), as the Binance gateway picks the cheaper), GET /fapi/v1/openOrders without a
 * symbol 40 + GET /fapi/v1/openAlgoOrders without a symbol 40, GET /fapi/v1/userTrades 5 a page.
 */
export const REQUEST_WEIGHT = {
  /** account (5) + positionRisk (5): a snapshot needs both on Binance. */
  getAccountSnapshot: 10,
  placeOrder: 0,
  getOrder: 1,
  setLeverage: 1,
  /** per batch of up to 10 regular orders, plus 1 per trigger (algo) order. */
  cancelBatch: 1,
  cancelTrigger: 1,
  markPriceOne: 1,
  markPriceAll: 10,
  /** openOrders (40) + openAlgoOrders (40), every symbol. */
  getOpenOrders: 80,
  getTrades: 5,
  /** GET /fapi/v1/exchangeInfo */
  getExchangeRules: 1,
} as const;

const MINUTE_MS = 60_000;

export interface RequestWeightCounter {
  /**
   * Counts a call. Its weight is spent if it fits under the per-minute limit: returns 0; otherwise
   * the call is refused (nothing spent) and the result is how long until it would fit (a 429's Retry-After).
   */
  record(operation: string, weight: number, limit1m?: number): number;
  /** Weight spent in the last minute, as X-MBX-USED-WEIGHT-1M reports it. */
  usedWeight1m(): number;
  stats(): { calls: Record<string, number>; weight: number; usedWeight1m: number };
  reset(): void;
}

export function createRequestWeightCounter(now: () => number): RequestWeightCounter {
  let calls: Record<string, number> = {};
  let weight = 0;
  let window: { at: number; weight: number }[] = [];
  const prune = () => {
    const cutoff = now() - MINUTE_MS;
    while (window.length > 0 && window[0]!.at <= cutoff) window.shift();
  };
  const usedWeight1m = () => {
    prune();
    return window.reduce((sum, entry) => sum + entry.weight, 0);
  };
  return {
    record(operation, w, limit1m = Number.POSITIVE_INFINITY) {
      calls[operation] = (calls[operation] ?? 0) + 1;
      let excess = usedWeight1m() + w - limit1m;
      if (excess > 0) {
        for (const entry of window) {
          excess -= entry.weight;
          if (excess <= 0) return entry.at + MINUTE_MS - now();
        }
        return MINUTE_MS;
      }
      weight += w;
      if (w > 0) window.push({ at: now(), weight: w });
      return 0;
    },
    usedWeight1m,
    stats: () => ({ calls: { ...calls }, weight, usedWeight1m: usedWeight1m() }),
    reset() {
      calls = {};
      weight = 0;
      window = [];
    },
  };
}
