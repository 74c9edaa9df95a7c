import type Decimal from "decimal.js";
import type { ExchangeGateway, MarkPriceTick, Unsubscribe } from "../exchange/gateway.ts";

/** The latest mark price of a symbol, and how old it is. */
export interface MarkPriceQuote {
  price: Decimal;
  /** Exchange time of the tick (or of the REST answer), ms. */
  at: number;
  /** Our clock when it arrived, ms: ages are measured on it. */
  receivedAt: number;
}

export interface QuotedPrice extends MarkPriceQuote {
  ageMs: number;
  /** Older than the feed's bound: the stream is late or down, and a refresh did not help. */
  stale: boolean;
}

export interface PriceFeedOptions {
  gateway: ExchangeGateway;
  now: () => number;
  /** A quote older than this is stale: a read says so, and a REST refresh runs. Default 5000. */
  maxAgeMs?: number;
  /** At most one REST refresh per symbol per this interval, shared by every reader. Default maxAgeMs. */
  refreshIntervalMs?: number;
  /** A refresh that failed (the read goes on with the last quote, marked stale). */
  onRefreshError?: (error: unknown) => void;
}

export interface PriceFeed {
  /**
   * Quotes for the symbols, from the stream. A symbol whose quote is missing or stale is
   * refreshed over REST (one call for all such symbols of the read, single-flight per symbol, at
   * most once per refresh interval); a symbol the exchange does not quote is absent.
   */
  quotes(symbols: Iterable<string>): Promise<Map<string, QuotedPrice>>;
  /** Every tick (from the stream or a refresh), for pushing prices to dashboards. */
  onTick(listener: (tick: MarkPriceTick) => void): Unsubscribe;
  stop(): void;
}

/**
 * One price feed per gateway and process: every tab and every user reads the same latest ticks
 * of the exchange's all-market stream, so a read costs no request weight. Prices are never
 * cached beyond that: each read carries its quote's age, and says when it is past the bound.
 */
export function createPriceFeed(options: PriceFeedOptions): PriceFeed {
  const { gateway, now } = options;
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const refreshIntervalMs = options.refreshIntervalMs ?? maxAgeMs;
  const latest = new Map<string, MarkPriceQuote>();
  const refreshing = new Map<string, Promise<void>>();
  const lastRefresh = new Map<string, number>();
  const listeners = new Set<(tick: MarkPriceTick) => void>();
  let unsubscribe: Unsubscribe | null = null;

  function record(tick: MarkPriceTick) {
    const known = latest.get(tick.symbol);
    if (known && known.at > tick.at) return; // an older tick arriving late
    latest.set(tick.symbol, { price: tick.markPrice, at: tick.at, receivedAt: now() });
    for (const listener of listeners) listener(tick);
  }

  /** Subscribes on first use, so a desk that never reads prices opens no stream. */
  function ensureStarted() {
    unsubscribe ??= gateway.subscribeAllMarkPrices(record);
  }

  const isFresh = (symbol: string, at: number) => {
    const quote = latest.get(symbol);
    return quote !== undefined && at - quote.receivedAt <= maxAgeMs;
  };

  function refresh(symbols: string[]): Promise<void> {
    const startedAt = now();
    for (const symbol of symbols) lastRefresh.set(symbol, startedAt);
    const done = gateway
      .getMarkPrices(symbols)
      .then((prices) => {
        for (const [symbol, price] of prices) {
          // A stream tick that came in meanwhile is newer than this answer.
          if ((latest.get(symbol)?.receivedAt ?? Number.NEGATIVE_INFINITY) >= startedAt) continue;
          latest.set(symbol, { price, at: startedAt, receivedAt: now() });
          for (const listener of listeners) listener({ symbol, markPrice: price, at: startedAt });
        }
      })
      .catch((error: unknown) => options.onRefreshError?.(error))
      .finally(() => {
        for (const symbol of symbols) if (refreshing.get(symbol) === done) refreshing.delete(symbol);
      });
    for (const symbol of symbols) refreshing.set(symbol, done);
    return done;
  }

  return {
    async quotes(wanted) {
      ensureStarted();
      const symbols = [...new Set(wanted)];
      const at = now();
      const waits = new Set<Promise<void>>();
      const due: string[] = [];
      for (const symbol of symbols) {
        if (isFresh(symbol, at)) continue;
        const inFlight = refreshing.get(symbol);
        if (inFlight) waits.add(inFlight);
        else if (at - (lastRefresh.get(symbol) ?? Number.NEGATIVE_INFINITY) >= refreshIntervalMs)
          due.push(symbol);
      }
      if (due.length > 0) waits.add(refresh(due));
      await Promise.all(waits);

      const readAt = now();
      const quoted = new Map<string, QuotedPrice>();
      for (const symbol of symbols) {
        const quote = latest.get(symbol);
        if (!quote) continue;
        const ageMs = Math.max(0, readAt - quote.receivedAt);
        quoted.set(symbol, { ...quote, ageMs, stale: ageMs > maxAgeMs });
      }
      return quoted;
    },
    onTick(listener) {
      ensureStarted();
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop() {
      unsubscribe?.();
      unsubscribe = null;
      listeners.clear();
    },
  };
}
