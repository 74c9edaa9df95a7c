import type { ExchangeGateway, ExchangeRules, SymbolRules } from "../exchange/gateway.ts";

export interface ExchangeRulesOptions {
  gateway: ExchangeGateway;
  now: () => number;
  /** Refreshed in the background this often; default 5 minutes. */
  refreshMs?: number;
  setInterval?: (callback: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  onRefreshError?: (error: unknown) => void;
}

export interface KnownRules {
  symbols: ReadonlyMap<string, SymbolRules>;
  /** When the exchange's document was loaded (our clock), and how old it is. */
  loadedAt: number;
  ageMs: number;
  /** The last refresh failed: these are older than the refresh interval. */
  stale: boolean;
}

export interface ExchangeRulesCache {
  /** The rules: loaded once (single-flight), then served from memory, refreshed in the background. */
  get(): Promise<KnownRules>;
  /** Loads the document again now (what the background timer does); never throws once loaded. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Symbols and filters change rarely (a listing, a tick size change) and cost request weight to
 * read, so the document is loaded once and refreshed every 5 minutes in the background. A failed
 * refresh keeps serving the last document, with its age, and tries again at the next interval.
 */
export function createExchangeRulesCache(options: ExchangeRulesOptions): ExchangeRulesCache {
  const refreshMs = options.refreshMs ?? 5 * 60_000;
  const setTimer = options.setInterval ?? ((callback, ms) => setInterval(callback, ms).unref());
  const clearTimer = options.clearInterval ?? ((handle) => clearInterval(handle as NodeJS.Timeout));
  let known: { symbols: Map<string, SymbolRules>; loadedAt: number; failed: boolean } | null = null;
  let loading: Promise<void> | null = null;
  let timer: unknown = null;

  function load(): Promise<void> {
    loading ??= options.gateway
      .getExchangeRules()
      .then((rules: ExchangeRules) => {
        known = {
          symbols: new Map(rules.symbols.map((s) => [s.symbol, s])),
          loadedAt: options.now(),
          failed: false,
        };
      })
      .catch((error: unknown) => {
        if (!known) throw error; // nothing to serve: the caller sees the exchange's error
        known.failed = true;
        options.onRefreshError?.(error);
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  return {
    async get() {
      if (!known) await load();
      timer ??= setTimer(() => void load().catch(() => {}), refreshMs);
      const current = known!;
      const ageMs = Math.max(0, options.now() - current.loadedAt);
      return { symbols: current.symbols, loadedAt: current.loadedAt, ageMs, stale: current.failed };
    },
    refresh: () => load().catch(() => {}),
    stop() {
      if (timer !== null) clearTimer(timer);
      timer = null;
    },
  };
}
