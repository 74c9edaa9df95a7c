import type Decimal from "decimal.js";
import { ExchangeRejectedError } from "../errors.ts";
import type {
  AccountSnapshot,
  CancelResult,
  ExchangeAccountRef,
  ExchangeGateway,
  ExchangeOrder,
  ExchangeRules,
  ExchangeTrade,
  OrderRef,
  PlaceOrderRequest,
  TradeQuery,
} from "../gateway.ts";
import { placeWithReconciliation } from "../reconcile-order.ts";
import { createMarketStreams, createMarkMemory } from "./market-streams.ts";
import {
  type BinanceLogger,
  type BinanceRestClient,
  BinanceUnknownOutcomeError,
  createBinanceRestClient,
} from "./rest-client.ts";
import { createUserStreams } from "./user-streams.ts";
import { createWeightBudget, type WeightBudget, type WeightState } from "./weight-budget.ts";
import {
  batchCancelSchema,
  isModelledOrderType,
  premiumIndexSchema,
  toAlgoOrder,
  toBalances,
  toLeverageSetting,
  toOrder,
  toPositions,
  toSymbolRules,
  toTrade,
} from "./wire.ts";

export const BINANCE_USDM_URL = "https://fapi.binance.com";
export const BINANCE_USDM_WS_URL = "wss://fstream.binance.com";
export const BINANCE_USDM_TESTNET_URL = "https://demo-fapi.binance.com";
export const BINANCE_USDM_TESTNET_WS_URL = "wss://fstream.binancefuture.com";

export interface BinanceGatewayOptions {
  /** REST base URL. Default production; `testnet: true` picks Binance's demo trading URLs. */
  baseUrl?: string;
  /** WebSocket base URL; streams go to its /market and /private routes. */
  wsBaseUrl?: string;
  testnet?: boolean;
  /** Rows per userTrades page; Binance's maximum (1000) unless a test wants paging on a few fills. */
  tradesPageSize?: number;
  recvWindowMs?: number;
  /** Our process-wide cap, below Binance's 2400/min so other IP users and bursts have room. */
  weightBudgetPerMinute?: number;
  /** Share one budget between several gateways on the same IP (it wins over weightBudgetPerMinute). */
  weightBudget?: WeightBudget;
  timeoutMs?: number;
  /** How often the listenKey is kept alive; Binance expires it after 60 min. */
  listenKeyKeepAliveMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** How the gateway waits (tests move a manual clock instead); default a timer. */
  sleep?: (ms: number) => Promise<void>;
  logger?: BinanceLogger;
}

export type BinanceGateway = ExchangeGateway & {
  /** The process-wide request-weight picture: used this minute, ban and back-off ends. */
  weight(): WeightState;
  /** Resolves once every stream opened so far is connected (tests, and a readiness probe). */
  streamsReady(): Promise<void>;
};

// Request weights per Binance's USD-M docs (IP limit, x-mbx-used-weight-1m).
const WEIGHT = {
  newOrder: 0,
  leverage: 1,
  queryOrder: 1,
  cancelAlgoOrder: 1,
  batchCancel: 1,
  account: 5,
  positionRisk: 5,
  markPriceOne: 1,
  markPriceAll: 10,
  listenKey: 1,
  openOrdersAll: 40,
  openAlgoOrdersAll: 40,
  userTrades: 5,
  exchangeInfo: 1,
} as const;

// Binance refuses a timestamp more than 1 s ahead of its clock, so ours may run up to 1 s ahead
// of Binance's for a request it accepted: its recvWindow can end that much later on our clock.
const CLOCK_AHEAD_MS = 1000;

// Binance's "Order does not exist" / "Unknown order sent".
const ORDER_NOT_FOUND = new Set<number | string>([-2013, -2011]);
const BATCH_CANCEL_MAX = 10;
// userTrades: at most 1000 rows a page, and startTime..endTime at most 7 days apart.
const TRADES_PAGE_MAX = 1000;
const TRADES_WINDOW_MS = 7 * 24 * 60 * 60_000;
// Every symbol's mark price each second, one array per message (on the /market route).

export function createBinanceGateway(options: BinanceGatewayOptions = {}): BinanceGateway {
  const testnet = options.testnet ?? false;
  const baseUrl = options.baseUrl ?? (testnet ? BINANCE_USDM_TESTNET_URL : BINANCE_USDM_URL);
  const wsBaseUrl = options.wsBaseUrl ?? (testnet ? BINANCE_USDM_TESTNET_WS_URL : BINANCE_USDM_WS_URL);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const logger = options.logger;
  const tradesPage = Math.min(options.tradesPageSize ?? TRADES_PAGE_MAX, TRADES_PAGE_MAX);
  const keepAliveMs = options.listenKeyKeepAliveMs ?? 30 * 60_000;
  const budget =
    options.weightBudget ??
    createWeightBudget({ limitPerMinute: options.weightBudgetPerMinute ?? 1800, now });
  const rest: BinanceRestClient = createBinanceRestClient({
    baseUrl,
    recvWindowMs: options.recvWindowMs ?? 5000,
    timeoutMs: options.timeoutMs ?? 10_000,
    budget,
    fetch: options.fetch ?? globalThis.fetch,
    now,
    ...(logger ? { logger } : {}),
  });

  // What the streams lack (ACCOUNT_UPDATE has no leverage or mark price), remembered from REST.
  const marks = createMarkMemory();
  const leverageBy = new Map<string, number>(); // `${accountId}:${symbol}`
  const market = createMarketStreams({ wsBaseUrl, marks, logger });

  function credentialsOf(account: ExchangeAccountRef) {
    if (account.testnet !== undefined && account.testnet !== testnet) {
      // Never send a demo account's keys to production or the other way round.
      throw new ExchangeRejectedError(
        `account ${account.id} is ${account.testnet ? "a testnet" : "a production"} account; this gateway is not`,
      );
    }
    const credentials = account.credentials;
    if (!credentials) throw new ExchangeRejectedError(`account ${account.id} has no API credentials`);
    return credentials;
  }

  function signed(account: ExchangeAccountRef) {
    return { security: "SIGNED" as const, credentials: credentialsOf(account) };
  }

  /** Regular orders go to the order book, stop-loss / take-profit to the algo service. */
  async function place(account: ExchangeAccountRef, req: PlaceOrderRequest, trigger: boolean) {
    const common = {
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      quantity: req.quantity.toFixed(),
      reduceOnly: req.reduceOnly ? "true" : undefined,
    };
    const raw = await rest.request({
      method: "POST",
      path: trigger ? "/fapi/v1/algoOrder" : "/fapi/v1/order",
      weight: WEIGHT.newOrder,
      ...signed(account),
      params: trigger
        ? {
            ...common,
            algoType: "CONDITIONAL",
            triggerPrice: req.triggerPrice?.toFixed(),
            // Stops fire on the mark price, as the simulated exchange does (Binance's default is last price).
            workingType: "MARK_PRICE",
            clientAlgoId: req.clientOrderId,
          }
        : {
            ...common,
            price: req.type === "LIMIT" ? req.price?.toFixed() : undefined,
            timeInForce: req.type === "LIMIT" ? "GTC" : undefined,
            newClientOrderId: req.clientOrderId,
            // RESULT: a market order comes back with its fill (executedQty, avgPrice).
            newOrderRespType: "RESULT",
          },
    });
    return trigger ? toAlgoOrder(raw) : toOrder(raw);
  }

  /** Looks an order up by clientOrderId in the regular book or, for triggers, the algo book. */
  async function lookup(account: ExchangeAccountRef, ref: OrderRef, trigger: boolean) {
    return orNull(async () => {
      const raw = await rest.request({
        method: "GET",
        path: trigger ? "/fapi/v1/algoOrder" : "/fapi/v1/order",
        weight: WEIGHT.queryOrder,
        ...signed(account),
        params: trigger
          ? { clientAlgoId: ref.clientOrderId }
          : { symbol: ref.symbol, origClientOrderId: ref.clientOrderId },
      });
      return trigger ? toAlgoOrder(raw) : toOrder(raw);
    });
  }

  async function cancelRegularBatch(
    account: ExchangeAccountRef,
    symbol: string,
    ids: string[],
  ): Promise<CancelResult[]> {
    const raw = await rest.request({
      method: "DELETE",
      path: "/fapi/v1/batchOrders",
      weight: WEIGHT.batchCancel,
      ...signed(account),
      params: { symbol, origClientOrderIdList: JSON.stringify(ids) },
    });
    const results = batchCancelSchema.parse(raw);
    return ids.map((clientOrderId, i) => {
      const result = results[i];
      if (!result) return { clientOrderId, cancelled: false, reason: "no answer for this order" };
      if (!result.ok) return { clientOrderId, cancelled: false, reason: result.msg };
      return { clientOrderId, cancelled: result.status === "CANCELED" };
    });
  }

  async function cancelAlgo(account: ExchangeAccountRef, clientOrderId: string): Promise<CancelResult> {
    try {
      await rest.request({
        method: "DELETE",
        path: "/fapi/v1/algoOrder",
        weight: WEIGHT.cancelAlgoOrder,
        ...signed(account),
        params: { clientAlgoId: clientOrderId },
      });
      return { clientOrderId, cancelled: true };
    } catch (error) {
      // Only "no such order" means already gone; any other refusal (a bad signature, the clock
      // outside recvWindow) left the order working, so the caller must hear about it.
      if (isOrderNotFound(error)) return { clientOrderId, cancelled: false, reason: error.message };
      throw error;
    }
  }

  /** Maps an open-orders answer, skipping (and logging) order types the gateway does not model. */
  function openOrdersOf(
    account: ExchangeAccountRef,
    raw: unknown,
    typeField: "type" | "orderType",
    toExchangeOrder: (row: unknown) => ExchangeOrder,
  ): ExchangeOrder[] {
    if (!Array.isArray(raw)) throw new Error(`Binance answered open orders with ${typeof raw}, not a list`);
    const orders: ExchangeOrder[] = [];
    for (const row of raw) {
      const type = (row as Record<string, unknown> | null)?.[typeField];
      if (!isModelledOrderType(type)) {
        // An order placed by hand on Binance (a trailing stop, a stop-limit) is none of ours; one
        // such order must not stop the reconciler from seeing all the others.
        const { symbol } = row as { symbol?: unknown };
        logger?.warn(
          { accountId: account.id, symbol, type },
          "skipping an open order of a type we do not model",
        );
        continue;
      }
      orders.push(toExchangeOrder(row));
    }
    return orders;
  }

  /**
   * Every fill on a symbol since startTime, oldest first. Binance answers a time window of at most
   * 7 days, and no fromId together with a window: so walk windows up to the first fills, then
   * follow trade ids (ascending within a symbol), which have no window.
   */
  async function getTrades(account: ExchangeAccountRef, query: TradeQuery): Promise<ExchangeTrade[]> {
    const page = async (params: Record<string, string>) => {
      const raw = await rest.request({
        method: "GET",
        path: "/fapi/v1/userTrades",
        weight: WEIGHT.userTrades,
        priority: "background",
        ...signed(account),
        params: { symbol: query.symbol, ...params, limit: String(tradesPage) },
      });
      if (!Array.isArray(raw)) throw new Error(`Binance answered userTrades with ${typeof raw}, not a list`);
      return raw.map(toTrade);
    };
    const window = (from: number, to: number) => page({ startTime: String(from), endTime: String(to) });

    let trades: ExchangeTrade[] = [];
    for (let windowStart = query.startTime; trades.length === 0; ) {
      if (windowStart > now()) return [];
      const windowEnd = windowStart + TRADES_WINDOW_MS - 1;
      trades = await window(windowStart, windowEnd);
      // A short page of a window that reaches now holds every fill there is.
      if (trades.length < tradesPage && windowEnd >= now()) return trades;
      // Binance does not document which 1000 fills of a busier window it answers with: make sure
      // none come before the first it gave (those after its last follow by trade id below).
      while (trades.length >= tradesPage && trades[0]!.time > windowStart) {
        const earlier = await window(windowStart, trades[0]!.time - 1);
        if (earlier.length === 0) break;
        trades = earlier;
      }
      windowStart = windowEnd + 1;
    }
    for (;;) {
      const rows = await page({ fromId: (BigInt(trades.at(-1)!.tradeId) + 1n).toString() });
      trades.push(...rows);
      if (rows.length < tradesPage) return trades;
    }
  }

  async function getMarkPrices(symbols: readonly string[]): Promise<Map<string, Decimal>> {
    const wanted = new Set(symbols);
    const prices = new Map<string, Decimal>();
    if (wanted.size === 0) return prices;
    // Per-symbol calls cost 1 each, the all-symbols call 10: pick the cheaper.
    const rows =
      wanted.size < WEIGHT.markPriceAll
        ? await Promise.all(
            [...wanted].map((symbol) =>
              rest.request({
                method: "GET",
                path: "/fapi/v1/premiumIndex",
                weight: WEIGHT.markPriceOne,
                priority: "read",
                security: "NONE",
                params: { symbol },
              }),
            ),
          )
        : ((await rest.request({
            method: "GET",
            path: "/fapi/v1/premiumIndex",
            weight: WEIGHT.markPriceAll,
            priority: "read",
            security: "NONE",
          })) as unknown[]);
    for (const row of rows) {
      const { symbol, markPrice } = premiumIndexSchema.parse(row);
      if (!wanted.has(symbol)) continue;
      prices.set(symbol, markPrice);
      marks.set(symbol, markPrice);
    }
    for (const symbol of wanted) {
      // Binance answers -1121 for one unknown symbol; the all-symbols list just lacks it.
      if (!prices.has(symbol)) throw new ExchangeRejectedError(`symbol: ${symbol} is not listed`, -1121);
    }
    return prices;
  }

  const users = createUserStreams({
    rest,
    wsBaseUrl,
    listenKeyWeight: WEIGHT.listenKey,
    keepAliveMs,
    now,
    credentialsOf,
    leverageOf: (accountId, symbol) => leverageBy.get(`${accountId}:${symbol}`) ?? 1,
    marks,
    logger,
  });

  return {
    name: "binance-usdm",

    weight: () => budget.state(),

    async streamsReady() {
      await Promise.all([market.ready(), users.ready()]);
    },

    async getAccountSnapshot(account) {
      const [balancesRaw, positionsRaw] = await Promise.all([
        rest.request({
          method: "GET",
          path: "/fapi/v3/account",
          weight: WEIGHT.account,
          priority: "read",
          ...signed(account),
        }),
        rest.request({
          method: "GET",
          path: "/fapi/v3/positionRisk",
          weight: WEIGHT.positionRisk,
          priority: "read",
          ...signed(account),
        }),
      ]);
      const positions = toPositions(positionsRaw);
      for (const p of positions) {
        leverageBy.set(`${account.id}:${p.symbol}`, p.leverage);
        marks.set(p.symbol, p.markPrice);
      }
      const snapshot: AccountSnapshot = { balances: toBalances(balancesRaw), positions, asOf: now() };
      return snapshot;
    },

    async placeOrder(account, request) {
      validate(request);
      const trigger = isTrigger(request.type);
      const ref: OrderRef = {
        symbol: request.symbol,
        clientOrderId: request.clientOrderId,
        kind: trigger ? "trigger" : "regular",
      };
      return placeWithReconciliation({
        place: () => place(account, request, trigger),
        lookup: async (placeError) => {
          const found = await lookup(account, ref, trigger);
          const expiresAt = placeError instanceof BinanceUnknownOutcomeError ? placeError.expiresAt : null;
          if (found || expiresAt === null) return found;
          // Binance may still process an unanswered request until its recvWindow has passed (and
          // a clientOrderId is unique only among open orders, so a retry of a filled one would
          // trade again): "not found" means "never placed" only once that window has closed.
          const wait = expiresAt + CLOCK_AHEAD_MS - now();
          if (wait <= 0) return found;
          await sleep(wait);
          return lookup(account, ref, trigger);
        },
        isUnknownOutcome: (error) => error instanceof BinanceUnknownOutcomeError,
        clientOrderId: request.clientOrderId,
      });
    },

    async setLeverage(account, { symbol, leverage }) {
      // Bad input never reaches Binance: the error names the field.
      if (!Number.isInteger(leverage) || leverage < 1) {
        throw new ExchangeRejectedError(`leverage: ${leverage} is not a whole number from 1`, -4028);
      }
      const raw = await rest.request({
        method: "POST",
        path: "/fapi/v1/leverage",
        weight: WEIGHT.leverage,
        ...signed(account),
        params: { symbol, leverage: String(leverage) },
      });
      const setting = toLeverageSetting(raw);
      // What this account's stream positions (ACCOUNT_UPDATE has no leverage) are shown at now.
      leverageBy.set(`${account.id}:${setting.symbol}`, setting.leverage);
      return setting;
    },

    async getOpenOrders(account) {
      // Without a symbol: every symbol in one call each (40 weight apiece), instead of one per symbol.
      const [regular, algo] = await Promise.all([
        rest.request({
          method: "GET",
          path: "/fapi/v1/openOrders",
          weight: WEIGHT.openOrdersAll,
          priority: "background",
          ...signed(account),
        }),
        rest.request({
          method: "GET",
          path: "/fapi/v1/openAlgoOrders",
          weight: WEIGHT.openAlgoOrdersAll,
          priority: "background",
          ...signed(account),
        }),
      ]);
      return [
        ...openOrdersOf(account, regular, "type", toOrder),
        ...openOrdersOf(account, algo, "orderType", toAlgoOrder),
      ];
    },

    getTrades,

    async getOrder(account, ref) {
      if (ref.kind === "trigger") return lookup(account, ref, true);
      const regular = await lookup(account, ref, false);
      if (regular || ref.kind === "regular") return regular;
      return lookup(account, ref, true);
    },

    async cancelOrders(account, refs) {
      const results = new Map<OrderRef, CancelResult>();
      // Regular orders (and refs of unknown kind) go by symbol in batches of 10.
      const bySymbol = new Map<string, OrderRef[]>();
      for (const ref of refs) {
        if (ref.kind === "trigger") continue;
        bySymbol.set(ref.symbol, [...(bySymbol.get(ref.symbol) ?? []), ref]);
      }
      for (const [symbol, group] of bySymbol) {
        for (let i = 0; i < group.length; i += BATCH_CANCEL_MAX) {
          const chunk = group.slice(i, i + BATCH_CANCEL_MAX);
          const answers = await cancelRegularBatch(
            account,
            symbol,
            chunk.map((r) => r.clientOrderId),
          );
          chunk.forEach((ref, k) => {
            results.set(ref, answers[k]!);
          });
        }
      }
      // Trigger orders live in the algo book; a ref of unknown kind not found above may be one.
      for (const ref of refs) {
        const known = results.get(ref);
        if (ref.kind === "trigger" || (ref.kind === undefined && known && !known.cancelled)) {
          const algo = await cancelAlgo(account, ref.clientOrderId);
          results.set(ref, algo.cancelled || !known ? algo : known);
        }
      }
      return refs.map((ref) => results.get(ref)!);
    },

    getMarkPrices,

    subscribeMarkPrices: market.subscribeMarkPrices,
    subscribeAllMarkPrices: market.subscribeAllMarkPrices,
    subscribeAccountEvents: (account, listener) => users.subscribe(account, listener),

    async getExchangeRules() {
      const raw = await rest.request({
        method: "GET",
        path: "/fapi/v1/exchangeInfo",
        weight: WEIGHT.exchangeInfo,
        priority: "background",
        security: "NONE",
      });
      // Binance says to ignore the document's serverTime (use /fapi/v1/time): our clock dates it.
      const rules: ExchangeRules = { symbols: toSymbolRules(raw), asOf: now() };
      return rules;
    },

    async close() {
      market.close();
      users.close();
    },
  };
}

function isTrigger(type: PlaceOrderRequest["type"]): boolean {
  return type === "STOP_MARKET" || type === "TAKE_PROFIT_MARKET";
}

/** Bad input never reaches the exchange: the error names the field. */
function validate(req: PlaceOrderRequest): void {
  if (!req.clientOrderId) throw new ExchangeRejectedError("clientOrderId is required");
  if (!req.quantity.isFinite() || req.quantity.lte(0))
    throw new ExchangeRejectedError("quantity must be positive");
  if (req.type === "LIMIT" && !req.price?.gt(0)) {
    throw new ExchangeRejectedError("price is required for a LIMIT order");
  }
  if (isTrigger(req.type) && !req.triggerPrice?.gt(0)) {
    throw new ExchangeRejectedError(`triggerPrice is required for a ${req.type} order`);
  }
}

function isOrderNotFound(error: unknown): error is ExchangeRejectedError {
  return (
    error instanceof ExchangeRejectedError && error.code !== undefined && ORDER_NOT_FOUND.has(error.code)
  );
}

async function orNull(load: () => Promise<ExchangeOrder>): Promise<ExchangeOrder | null> {
  try {
    return await load();
  } catch (error) {
    if (isOrderNotFound(error)) return null;
    throw error;
  }
}
