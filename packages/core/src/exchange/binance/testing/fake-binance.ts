import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Decimal from "decimal.js";
import { type WebSocket, WebSocketServer } from "ws";
import { ExchangeError, ExchangeRejectedError } from "../../errors.ts";
import type {
  AccountEvent,
  ExchangeAccountRef,
  OrderSide,
  OrderType,
  PlaceOrderRequest,
  Unsubscribe,
} from "../../gateway.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../../simulated/index.ts";
import { verifySignature } from "../sign.ts";
import {
  accountJson,
  algoOrderJson,
  exchangeInfoJson,
  isTriggerOrder,
  openAlgoOrderJson,
  orderJson,
  positionRiskJson,
  userStreamMessages,
  userTradeJson,
} from "./binance-json.ts";

/**
 * A fake Binance USD-M futures server on 127.0.0.1 for tests: Binance's protocol (signatures,
 * timestamps and recvWindow, API keys, request weight per minute with X-MBX-USED-WEIGHT-1M,
 * 429 / 418 / 5xx on demand, listenKey, WebSocket streams, Binance's JSON with decimal strings)
 * over a trading engine (the simulated exchange), so both gateways share trading semantics.
 */

export type FakeFault = "429" | "418" | "500" | "500-after-accept" | "timeout";

export interface FaultOptions {
  /** Only a request to this path (and method, if given) fails; any request when absent. */
  path?: string;
  method?: string;
  /** Retry-After for 429 / 418, seconds. */
  retryAfterSeconds?: number;
  /** "timeout" only: process the request, then never answer (the outcome is unknown to the client). */
  afterAccept?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed parameters, signature removed. */
  params: Record<string, string>;
  apiKey: string | null;
  status: number;
  weight: number;
}

export interface FakeBinanceAccount {
  apiKey: string;
  apiSecret: string;
  /** The engine's account id behind this API key. */
  accountId: string;
}

export interface FakeBinanceOptions {
  /** The trading engine behind the protocol; default a fresh simulated exchange (no latency, no walk). */
  engine?: SimulatedExchange;
  /** API keys the server accepts; one random account when absent. */
  accounts?: FakeBinanceAccount[];
  /** Binance's IP limit; exceeding it answers 429, and calling on during the back-off 418. */
  weightLimitPerMinute?: number;
  /** Server clock, for timestamp / recvWindow checks and the weight window. */
  now?: () => number;
  /** Close the engine when the server closes (default true). */
  closeEngine?: boolean;
  /**
   * Which fills a userTrades time window holding more than `limit` answers with: Binance does not
   * document it, so tests run the gateway against both. Default the oldest.
   */
  tradeWindowPage?: "oldest" | "newest";
  /**
   * The commission userTrades reports per fill: `rate` of its notional, in `asset` (default USDT).
   * Default none, as the engine charges none (its balances do not pay it either).
   */
  commission?: { rate: string; asset?: string };
}

export interface FakeBinance {
  url: string;
  wsUrl: string;
  engine: SimulatedExchange;
  apiKey: string;
  apiSecret: string;
  accounts: FakeBinanceAccount[];
  /** A gateway account reference for an API key (the first account by default). */
  accountRef(id?: string, apiKey?: string): ExchangeAccountRef;
  failNext(kind: FakeFault, options?: FaultOptions): void;
  requests: RecordedRequest[];
  usedWeight1m(): number;
  /** Resolves when the next request the fake will not answer (a "timeout" fault) has arrived. */
  hungRequest(): Promise<void>;
  /** Drops every WebSocket connection, as Binance does every 24 h and on maintenance. */
  dropStreams(): void;
  /**
   * Sends a markPriceUpdate with this event time to every market stream listening to the symbol
   * (its own stream or the all-market one): a late or replayed tick, as a lagging server sends.
   */
  pushMarkPrice(symbol: string, price: string, at: number): void;
  /** Every user-data message the fake pushed (or lost), oldest first. */
  userMessages: { accountId: string; message: object; lost: boolean }[];
  /** Sends a raw user-data message (a replayed, late one) to the account's open user streams. */
  pushUserMessage(accountId: string, message: object): void;
  /**
   * The next `count` user-data messages (those `match` picks, any by default) are lost without a
   * trace while the connection stays up.
   */
  loseUserMessages(count: number, match?: (message: Record<string, unknown>) => boolean): void;
  /** The stream names of each open market connection (one list per socket). */
  marketStreams(): string[][];
  /** Expires the listenKeys: pushes `listenKeyExpired` and closes those user streams. */
  expireListenKeys(): void;
  close(): Promise<void>;
}

type Security = "NONE" | "USER_STREAM" | "SIGNED";

interface RouteContext {
  params: URLSearchParams;
  account: FakeBinanceAccount | null;
  now: number;
}

interface Route {
  security: Security;
  weight: (params: URLSearchParams) => number;
  handle: (ctx: RouteContext) => Promise<unknown>;
}

class BinanceHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const MINUTE_MS = 60_000;
const DEFAULT_BAN_SECONDS = 120;
// userTrades: startTime..endTime at most 7 days apart; limit default 500, max 1000.
const TRADES_WINDOW_MS = 7 * 24 * 60 * 60_000;
const TRADES_LIMIT_DEFAULT = 500;
const TRADES_LIMIT_MAX = 1000;

export async function startFakeBinance(options: FakeBinanceOptions = {}): Promise<FakeBinance> {
  const engine = options.engine ?? createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
  const now = options.now ?? Date.now;
  const weightLimit = options.weightLimitPerMinute ?? 2400;
  const accounts = options.accounts ?? [
    {
      apiKey: randomBytes(32).toString("hex"),
      apiSecret: randomBytes(32).toString("hex"),
      accountId: `fake-binance-${randomBytes(4).toString("hex")}`,
    },
  ];
  const byKey = new Map(accounts.map((a) => [a.apiKey, a]));
  const requests: RecordedRequest[] = [];
  const faults: { kind: FakeFault; options: FaultOptions }[] = [];
  const hung = new Set<ServerResponse>();
  let hungWaiters: (() => void)[] = [];

  // Weight per clock minute for the one "IP" every client here shares.
  let weightMinute = -1;
  let weightUsed = 0;
  let backoffUntil = 0;
  let bannedUntil = 0;
  const usedWeight1m = () => (Math.floor(now() / MINUTE_MS) === weightMinute ? weightUsed : 0);

  // Trigger orders placed through the algo API, per account: Binance finds them without a symbol.
  const algoSymbols = new Map<string, Map<string, string>>();
  const algoBook = (accountId: string) => {
    let book = algoSymbols.get(accountId);
    if (!book) {
      book = new Map();
      algoSymbols.set(accountId, book);
    }
    return book;
  };

  // listenKey -> user stream; the engine subscription starts when the key is created and buffers
  // until a socket connects, so nothing emitted between POST /listenKey and the connect is lost.
  interface UserStream {
    account: FakeBinanceAccount;
    sockets: Set<WebSocket>;
    /** Until the first socket connects; after that, what is sent while none is open is gone, as on Binance. */
    connected: boolean;
    buffer: object[];
    unsubscribe: Unsubscribe;
  }
  const userStreams = new Map<string, UserStream>();
  const userMessages: FakeBinance["userMessages"] = [];
  const losing: { count: number; match: (message: Record<string, unknown>) => boolean }[] = [];

  const engineRef = (account: FakeBinanceAccount): ExchangeAccountRef => ({ id: account.accountId });
  const need = (params: URLSearchParams, name: string): string => {
    const value = params.get(name);
    if (value === null || value === "") {
      throw new BinanceHttpError(
        400,
        -1102,
        `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
      );
    }
    return value;
  };
  const decimalParam = (params: URLSearchParams, name: string): Decimal | undefined => {
    const value = params.get(name);
    if (value === null) return undefined;
    if (!/^\d+(\.\d+)?$/.test(value))
      throw new BinanceHttpError(400, -1100, `Illegal characters found in parameter '${name}'.`);
    return new Decimal(value);
  };
  const integerParam = (params: URLSearchParams, name: string): number | undefined => {
    const value = params.get(name);
    if (value === null) return undefined;
    if (!/^\d{1,15}$/.test(value))
      throw new BinanceHttpError(400, -1100, `Illegal characters found in parameter '${name}'.`);
    return Number(value);
  };
  const symbolParam = (params: URLSearchParams, mandatory: boolean): string | null => {
    const symbol = mandatory ? need(params, "symbol") : params.get("symbol");
    if (symbol !== null && !engine.symbols.includes(symbol))
      throw new BinanceHttpError(400, -1121, "Invalid symbol.");
    return symbol;
  };
  const accountOf = (ctx: RouteContext) => ctx.account!;

  /** GET /fapi/v1/userTrades: Binance's window, fromId and limit rules over the engine's trade history. */
  async function userTrades(ctx: RouteContext) {
    const symbol = symbolParam(ctx.params, true)!;
    const limit = integerParam(ctx.params, "limit") ?? TRADES_LIMIT_DEFAULT;
    if (limit < 1 || limit > TRADES_LIMIT_MAX)
      throw new BinanceHttpError(400, -1130, "Data sent for parameter 'limit' is not valid.");
    const fromId = integerParam(ctx.params, "fromId");
    const orderId = ctx.params.get("orderId");
    const startTime = integerParam(ctx.params, "startTime");
    const endTime = integerParam(ctx.params, "endTime");
    if (fromId !== undefined && (startTime !== undefined || endTime !== undefined))
      throw new BinanceHttpError(400, -1128, "Combination of optional parameters invalid.");
    const all = (await engine.trades(engineRef(accountOf(ctx)), { symbol, startTime: 0 })).filter(
      (t) => orderId === null || t.exchangeOrderId === orderId,
    );
    let rows: typeof all;
    if (fromId !== undefined) {
      rows = all.filter((t) => Number(t.tradeId) >= fromId).slice(0, limit);
    } else if (startTime !== undefined || endTime !== undefined) {
      // One bound alone spans 7 days from it (the fake's reading; the gateway always sends both).
      const from = startTime ?? endTime! - TRADES_WINDOW_MS;
      const to = endTime ?? startTime! + TRADES_WINDOW_MS;
      if (!(to >= from && to - from <= TRADES_WINDOW_MS))
        throw new BinanceHttpError(400, -1127, "More than 168 hours between startTime and endTime.");
      const inWindow = all.filter((t) => t.time >= from && t.time <= to);
      rows = options.tradeWindowPage === "newest" ? inWindow.slice(-limit) : inWindow.slice(0, limit);
    } else {
      // Neither: the most recent trades of the last 7 days.
      rows = all.filter((t) => t.time >= ctx.now - TRADES_WINDOW_MS).slice(-limit);
    }
    const commission = options.commission;
    if (!commission) return rows.map((t) => userTradeJson(t));
    return rows.map((t) =>
      userTradeJson({ ...t, fee: t.price.times(t.quantity).times(commission.rate) }, commission.asset),
    );
  }

  async function findAlgo(account: FakeBinanceAccount, params: URLSearchParams) {
    const book = algoBook(account.accountId);
    let clientAlgoId = params.get("clientAlgoId") ?? params.get("clientalgoid");
    const algoId = params.get("algoId") ?? params.get("algoid");
    if (!clientAlgoId && algoId) {
      for (const cid of book.keys()) {
        const order = await engine.getOrder(engineRef(account), {
          symbol: book.get(cid)!,
          clientOrderId: cid,
          kind: "trigger",
        });
        if (order?.exchangeOrderId === algoId) clientAlgoId = cid;
      }
    }
    if (!clientAlgoId) throw new BinanceHttpError(400, -1102, "Either algoId or clientAlgoId must be sent.");
    const symbol = book.get(clientAlgoId);
    const order = symbol
      ? await engine.getOrder(engineRef(account), { symbol, clientOrderId: clientAlgoId, kind: "trigger" })
      : null;
    if (!order) throw new BinanceHttpError(400, -2013, "Order does not exist.");
    return order;
  }

  function placeRequest(params: URLSearchParams, clientId: string | null): PlaceOrderRequest {
    const type = need(params, "type") as OrderType;
    const request: PlaceOrderRequest = {
      clientOrderId: clientId ?? `fake-${randomBytes(8).toString("hex")}`,
      symbol: need(params, "symbol"),
      side: need(params, "side") as OrderSide,
      type,
      quantity: decimalParam(params, "quantity") ?? new Decimal(0),
      reduceOnly: params.get("reduceOnly") === "true",
    };
    const price = decimalParam(params, "price");
    const triggerPrice = decimalParam(params, "triggerPrice");
    if (price) request.price = price;
    if (triggerPrice) request.triggerPrice = triggerPrice;
    return request;
  }

  const routes: Record<string, Route> = {
    "GET /fapi/v1/ping": { security: "NONE", weight: () => 1, handle: async () => ({}) },
    "GET /fapi/v1/time": {
      security: "NONE",
      weight: () => 1,
      handle: async (ctx) => ({ serverTime: ctx.now }),
    },
    "GET /fapi/v1/exchangeInfo": {
      security: "NONE",
      weight: () => 1,
      handle: async (ctx) => exchangeInfoJson(await engine.getExchangeRules(), ctx.now),
    },
    "GET /fapi/v1/premiumIndex": {
      security: "NONE",
      weight: (p) => (p.has("symbol") ? 1 : 10),
      handle: async ({ params, now: at }) => {
        const symbol = params.get("symbol");
        const prices = await engine.getMarkPrices(symbol ? [symbol] : engine.symbols);
        const rows = [...prices].map(([s, mark]) => ({
          symbol: s,
          markPrice: mark.toFixed(),
          indexPrice: mark.toFixed(),
          estimatedSettlePrice: mark.toFixed(),
          lastFundingRate: "0.00010000",
          interestRate: "0.00010000",
          nextFundingTime: Math.ceil(at / 28_800_000) * 28_800_000,
          time: at,
        }));
        if (!symbol) return rows;
        if (!rows[0]) throw new BinanceHttpError(400, -1121, "Invalid symbol.");
        return rows[0];
      },
    },
    "GET /fapi/v3/account": {
      security: "SIGNED",
      weight: () => 5,
      handle: async (ctx) => accountJson(await engine.getAccountSnapshot(engineRef(accountOf(ctx)))),
    },
    "GET /fapi/v3/positionRisk": {
      security: "SIGNED",
      weight: () => 5,
      handle: async (ctx) => {
        const snapshot = await engine.getAccountSnapshot(engineRef(accountOf(ctx)));
        const symbol = ctx.params.get("symbol");
        return positionRiskJson(snapshot).filter((p) => !symbol || p.symbol === symbol);
      },
    },
    "POST /fapi/v1/order": {
      security: "SIGNED",
      weight: () => 0,
      handle: async (ctx) => {
        const request = placeRequest(ctx.params, ctx.params.get("newClientOrderId"));
        if (isTriggerOrder(request)) {
          throw new BinanceHttpError(
            400,
            -4120,
            "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
          );
        }
        if (request.type === "LIMIT" && !request.price)
          throw new BinanceHttpError(
            400,
            -1102,
            "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
          );
        return orderJson(await engine.placeOrder(engineRef(accountOf(ctx)), request), ctx.now);
      },
    },
    "POST /fapi/v1/leverage": {
      security: "SIGNED",
      weight: () => 1,
      handle: async (ctx) => {
        const symbol = symbolParam(ctx.params, true)!;
        need(ctx.params, "leverage");
        const leverage = integerParam(ctx.params, "leverage")!;
        const setting = await engine.setLeverage(engineRef(accountOf(ctx)), { symbol, leverage });
        return {
          leverage: setting.leverage,
          maxNotionalValue: setting.maxNotional.toFixed(),
          symbol: setting.symbol,
        };
      },
    },
    "GET /fapi/v1/order": {
      security: "SIGNED",
      weight: () => 1,
      handle: async (ctx) => {
        const order = await engine.getOrder(engineRef(accountOf(ctx)), {
          symbol: need(ctx.params, "symbol"),
          clientOrderId: need(ctx.params, "origClientOrderId"),
          kind: "regular",
        });
        // Conditional orders live in the algo service, not the order book.
        if (!order || isTriggerOrder(order)) throw new BinanceHttpError(400, -2013, "Order does not exist.");
        return orderJson(order, ctx.now);
      },
    },
    "DELETE /fapi/v1/batchOrders": {
      security: "SIGNED",
      weight: () => 1,
      handle: async (ctx) => {
        const symbol = need(ctx.params, "symbol");
        let ids: unknown;
        try {
          ids = JSON.parse(need(ctx.params, "origClientOrderIdList"));
        } catch {
          ids = null;
        }
        if (!Array.isArray(ids) || ids.length > 10 || ids.some((id) => typeof id !== "string")) {
          throw new BinanceHttpError(
            400,
            -1130,
            "Data sent for parameter 'origClientOrderIdList' is not valid.",
          );
        }
        const account = engineRef(accountOf(ctx));
        const answers = [];
        for (const clientOrderId of ids as string[]) {
          const existing = await engine.getOrder(account, { symbol, clientOrderId, kind: "regular" });
          if (!existing || isTriggerOrder(existing)) {
            answers.push({ code: -2011, msg: "Unknown order sent." });
            continue;
          }
          const [result] = await engine.cancelOrders(account, [{ symbol, clientOrderId, kind: "regular" }]);
          const after = await engine.getOrder(account, { symbol, clientOrderId, kind: "regular" });
          answers.push(
            result?.cancelled && after
              ? orderJson(after, ctx.now)
              : { code: -2011, msg: "Unknown order sent." },
          );
        }
        return answers;
      },
    },
    "POST /fapi/v1/algoOrder": {
      security: "SIGNED",
      weight: () => 0,
      handle: async (ctx) => {
        if (need(ctx.params, "algoType") !== "CONDITIONAL") {
          throw new BinanceHttpError(400, -1116, "Invalid algoType.");
        }
        const request = placeRequest(ctx.params, ctx.params.get("clientAlgoId"));
        if (!isTriggerOrder(request)) throw new BinanceHttpError(400, -1116, "Invalid orderType.");
        if (!request.triggerPrice)
          throw new BinanceHttpError(
            400,
            -1102,
            "Mandatory parameter 'triggerPrice' was not sent, was empty/null, or malformed.",
          );
        const account = accountOf(ctx);
        const order = await engine.placeOrder(engineRef(account), request);
        algoBook(account.accountId).set(order.clientOrderId, order.symbol);
        return algoOrderJson(order, ctx.now);
      },
    },
    "GET /fapi/v1/algoOrder": {
      security: "SIGNED",
      weight: () => 1,
      handle: async (ctx) => algoOrderJson(await findAlgo(accountOf(ctx), ctx.params), ctx.now),
    },
    "DELETE /fapi/v1/algoOrder": {
      security: "SIGNED",
      weight: () => 1,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const order = await findAlgo(account, ctx.params);
        const [result] = await engine.cancelOrders(engineRef(account), [
          { symbol: order.symbol, clientOrderId: order.clientOrderId, kind: "trigger" },
        ]);
        if (!result?.cancelled) throw new BinanceHttpError(400, -2011, "Unknown order sent.");
        return {
          algoId: Number(order.exchangeOrderId),
          clientAlgoId: order.clientOrderId,
          code: "200",
          msg: "success",
        };
      },
    },
    "GET /fapi/v1/openOrders": {
      security: "SIGNED",
      weight: (p) => (p.has("symbol") ? 1 : 40),
      handle: async (ctx) => {
        const symbol = symbolParam(ctx.params, false);
        const open = await engine.openOrders(engineRef(accountOf(ctx)));
        // Conditional orders are algo orders on Binance: openAlgoOrders lists them, not this.
        return open
          .filter((o) => !isTriggerOrder(o) && (!symbol || o.symbol === symbol))
          .map((o) => orderJson(o, ctx.now));
      },
    },
    "GET /fapi/v1/openAlgoOrders": {
      security: "SIGNED",
      weight: (p) => (p.has("symbol") ? 1 : 40),
      handle: async (ctx) => {
        const symbol = symbolParam(ctx.params, false);
        const algoType = ctx.params.get("algoType");
        const algoId = ctx.params.get("algoId");
        if (algoType !== null && algoType !== "CONDITIONAL") return [];
        const open = await engine.openOrders(engineRef(accountOf(ctx)));
        return open
          .filter(
            (o) =>
              isTriggerOrder(o) &&
              (!symbol || o.symbol === symbol) &&
              (algoId === null || o.exchangeOrderId === algoId),
          )
          .map((o) => openAlgoOrderJson(o, ctx.now));
      },
    },
    "GET /fapi/v1/userTrades": { security: "SIGNED", weight: () => 5, handle: userTrades },
    "POST /fapi/v1/listenKey": {
      security: "USER_STREAM",
      weight: () => 1,
      handle: async (ctx) => ({ listenKey: openUserStream(accountOf(ctx)) }),
    },
    "PUT /fapi/v1/listenKey": {
      security: "USER_STREAM",
      weight: () => 1,
      handle: async (ctx) => {
        const account = accountOf(ctx);
        const key = [...userStreams].find(([, s]) => s.account === account)?.[0];
        if (!key) throw new BinanceHttpError(400, -1125, "This listenKey does not exist.");
        return { listenKey: key };
      },
    },
    "DELETE /fapi/v1/listenKey": {
      security: "USER_STREAM",
      weight: () => 1,
      handle: async (ctx) => {
        for (const [key, stream] of userStreams) {
          if (stream.account !== accountOf(ctx)) continue;
          closeUserStream(key);
        }
        return {};
      },
    },
  };

  function openUserStream(account: FakeBinanceAccount): string {
    // Binance returns the account's active key while it is alive.
    for (const [key, stream] of userStreams) if (stream.account === account) return key;
    const key = randomBytes(32).toString("base64url");
    const stream: UserStream = {
      account,
      sockets: new Set(),
      connected: false,
      buffer: [],
      unsubscribe: () => {},
    };
    stream.unsubscribe = engine.subscribeAccountEvents(engineRef(account), (event: AccountEvent) => {
      for (const message of userStreamMessages(event)) {
        const lose = losing.find((l) => l.count > 0 && l.match(message as Record<string, unknown>));
        const lost = lose !== undefined;
        if (lose) lose.count--;
        userMessages.push({ accountId: account.accountId, message, lost });
        if (lost) continue;
        if (!stream.connected) stream.buffer.push(message);
        for (const socket of stream.sockets) socket.send(JSON.stringify(message));
      }
    });
    userStreams.set(key, stream);
    return key;
  }

  function closeUserStream(key: string): void {
    const stream = userStreams.get(key);
    if (!stream) return;
    stream.unsubscribe();
    for (const socket of stream.sockets) socket.close();
    userStreams.delete(key);
  }

  function takeFault(method: string, path: string): { kind: FakeFault; options: FaultOptions } | undefined {
    const index = faults.findIndex(
      (f) =>
        (!f.options.path || f.options.path === path) && (!f.options.method || f.options.method === method),
    );
    if (index < 0) return undefined;
    return faults.splice(index, 1)[0];
  }

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      "content-type": "application/json",
      "x-mbx-used-weight-1m": String(usedWeight1m()),
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
    const rawBody = await readBody(req);
    // Binance: totalParams is the query string concatenated with the body; the query wins on clashes.
    const totalParams = rawQuery + rawBody;
    const params = new URLSearchParams(rawBody);
    for (const [k, v] of new URLSearchParams(rawQuery)) params.set(k, v);
    const apiKeyHeader = req.headers["x-mbx-apikey"];
    const apiKey = typeof apiKeyHeader === "string" ? apiKeyHeader : null;
    const at = now();
    const record: RecordedRequest = {
      method,
      path,
      params: Object.fromEntries([...params].filter(([k]) => k !== "signature")),
      apiKey,
      status: 0,
      weight: 0,
    };
    requests.push(record);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status;
      send(res, status, body, headers);
    };
    const limited = (status: 429 | 418, seconds: number, msg: string) =>
      reply(status, { code: -1003, msg }, { "retry-after": String(seconds) });

    // An IP ban answers everything with 418 until it lifts; calling during a 429 back-off earns one.
    if (bannedUntil > at || backoffUntil > at) {
      if (bannedUntil <= at) bannedUntil = at + DEFAULT_BAN_SECONDS * 1000;
      const seconds = Math.ceil((bannedUntil - at) / 1000);
      limited(418, seconds, `Way too many requests; IP banned until ${bannedUntil}.`);
      return;
    }

    const route = routes[`${method} ${path}`];
    if (!route) {
      reply(404, { code: -1000, msg: `No route for ${method} ${path}` });
      return;
    }

    const weight = route.weight(params);
    const minute = Math.floor(at / MINUTE_MS);
    if (minute !== weightMinute) {
      weightMinute = minute;
      weightUsed = 0;
    }
    if (weightUsed + weight > weightLimit) {
      const seconds = Math.ceil(((minute + 1) * MINUTE_MS - at) / 1000);
      backoffUntil = at + seconds * 1000;
      limited(429, seconds, "Too many requests; current limit of IP is exceeded.");
      return;
    }
    weightUsed += weight;
    record.weight = weight;

    const fault = takeFault(method, path);
    if (fault?.kind === "429") {
      const seconds = fault.options.retryAfterSeconds ?? 5;
      backoffUntil = at + seconds * 1000;
      limited(429, seconds, "Too many requests; please use the websocket for live updates.");
      return;
    }
    if (fault?.kind === "418") {
      const seconds = fault.options.retryAfterSeconds ?? DEFAULT_BAN_SECONDS;
      bannedUntil = at + seconds * 1000;
      limited(418, seconds, `Way too many requests; IP banned until ${bannedUntil}.`);
      return;
    }
    if (fault?.kind === "500") {
      reply(503, { code: -1001, msg: "Service Unavailable." });
      return;
    }
    if (fault?.kind === "timeout" && !fault.options.afterAccept) {
      hang(res, record);
      return;
    }

    let body: unknown;
    try {
      const account = authenticate(route.security, apiKey, totalParams, params, at);
      body = await route.handle({ params, account, now: at });
    } catch (error) {
      if (error instanceof BinanceHttpError) {
        reply(error.status, { code: error.code, msg: error.message });
      } else if (error instanceof ExchangeRejectedError) {
        reply(400, { code: typeof error.code === "number" ? error.code : -1100, msg: error.message });
      } else if (error instanceof ExchangeError) {
        reply(503, { code: -1001, msg: error.message });
      } else {
        reply(500, { code: -1000, msg: error instanceof Error ? error.message : String(error) });
      }
      return;
    }

    if (fault?.kind === "500-after-accept") {
      // Binance's "execution status unknown": the request was processed, the answer is lost.
      reply(503, { code: -1007, msg: "Unknown error, please check your request or try again later." });
      return;
    }
    if (fault?.kind === "timeout") {
      hang(res, record);
      return;
    }
    reply(200, body);
  }

  function hang(res: ServerResponse, record: RecordedRequest): void {
    record.status = -1;
    hung.add(res);
    res.on("close", () => hung.delete(res));
    const waiters = hungWaiters;
    hungWaiters = [];
    for (const wake of waiters) wake();
  }

  function authenticate(
    security: Security,
    apiKey: string | null,
    totalParams: string,
    params: URLSearchParams,
    at: number,
  ): FakeBinanceAccount | null {
    if (security === "NONE") return null;
    if (!apiKey) throw new BinanceHttpError(401, -2014, "API-key format invalid.");
    const account = byKey.get(apiKey);
    if (!account) throw new BinanceHttpError(401, -2015, "Invalid API-key, IP, or permissions for action.");
    if (security === "USER_STREAM") return account;

    const timestamp = Number(params.get("timestamp"));
    if (!params.get("timestamp") || !Number.isInteger(timestamp)) {
      throw new BinanceHttpError(
        400,
        -1102,
        "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
      );
    }
    const recvWindow = params.has("recvWindow") ? Number(params.get("recvWindow")) : 5000;
    if (!(recvWindow > 0 && recvWindow <= 60_000)) {
      throw new BinanceHttpError(400, -1131, "recvWindow must be less than 60000");
    }
    if (!(timestamp < at + 1000 && at - timestamp <= recvWindow)) {
      throw new BinanceHttpError(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    }
    // The signature is the last parameter; what it signs is everything before it, as sent.
    const marker = totalParams.lastIndexOf("signature=");
    if (marker < 0)
      throw new BinanceHttpError(
        400,
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
      );
    const signed = totalParams.slice(0, marker).replace(/&$/, "");
    const signature = totalParams.slice(marker + "signature=".length);
    if (!verifySignature(signed, account.apiSecret, signature)) {
      throw new BinanceHttpError(401, -1022, "Signature for this request is not valid.");
    }
    return account;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { code: -1000, msg: String(error) });
    });
  });
  const wss = new WebSocketServer({ noServer: true });

  interface MarketStream {
    socket: WebSocket;
    names: string[];
    /** Symbols with their own <symbol>@markPrice(@1s) stream on this connection. */
    symbols: Map<string, string>;
    /** The all-market stream's name when the connection listens to it. */
    all: string | null;
    /** Symbols this connection was sent a tick for (the snapshot on connect skips them). */
    sent: Set<string>;
    unsubscribe: Unsubscribe;
  }
  const marketSockets = new Set<MarketStream>();

  function markPriceUpdate(symbol: string, mark: Decimal, at: number) {
    return {
      e: "markPriceUpdate",
      E: at,
      s: symbol,
      p: mark.toFixed(),
      i: mark.toFixed(),
      P: mark.toFixed(),
      r: "0.00010000",
      T: Math.ceil(at / 28_800_000) * 28_800_000,
    };
  }

  /** Sends marks to one connection: each to its symbol's stream, and all of them as one array to the all-market stream. */
  function sendMarks(stream: MarketStream, marks: { symbol: string; mark: Decimal; at: number }[]) {
    if (stream.socket.readyState !== stream.socket.OPEN) return;
    const all: object[] = [];
    for (const { symbol, mark, at } of marks) {
      const own = stream.symbols.get(symbol);
      if (!own && !stream.all) continue;
      stream.sent.add(symbol);
      if (own) stream.socket.send(JSON.stringify({ stream: own, data: markPriceUpdate(symbol, mark, at) }));
      if (stream.all) all.push(markPriceUpdate(symbol, mark, at));
    }
    if (stream.all && all.length > 0) stream.socket.send(JSON.stringify({ stream: stream.all, data: all }));
  }

  /**
   * A combined market stream (?streams=): <symbol>@markPrice(@1s) and !markPrice@arr(@1s). The
   * engine's moves are pushed as they happen, stamped with the server's clock; the moves of one
   * engine step (several symbols) go out as one array on the all-market stream, as Binance sends
   * each second's marks. Binance's @1s streams push within a second of connecting; the fake sends
   * the current marks at once (those not already sent a tick).
   */
  function openMarketStream(ws: WebSocket, names: string[]) {
    const symbols = new Map<string, string>();
    for (const name of names) {
      const symbol = /^([a-z0-9_]+)@markPrice(@1s)?$/.exec(name)?.[1]?.toUpperCase();
      if (symbol) symbols.set(symbol, name);
    }
    const stream: MarketStream = {
      socket: ws,
      names,
      symbols,
      all: names.find((n) => /^!markPrice@arr(@1s)?$/.test(n)) ?? null,
      sent: new Set(),
      unsubscribe: () => {},
    };
    let pending: { symbol: string; mark: Decimal; at: number }[] = [];
    stream.unsubscribe = engine.subscribeAllMarkPrices((tick) => {
      if (pending.length === 0) {
        queueMicrotask(() => {
          const batch = pending;
          pending = [];
          sendMarks(stream, batch);
        });
      }
      pending.push({ symbol: tick.symbol, mark: tick.markPrice, at: now() });
    });
    marketSockets.add(stream);
    const wanted = stream.all
      ? engine.symbols
      : [...symbols.keys()].filter((s) => engine.symbols.includes(s));
    const at = now();
    engine
      .getMarkPrices(wanted)
      .then((marks) => {
        const unsent = [...marks].filter(([symbol]) => !stream.sent.has(symbol));
        sendMarks(
          stream,
          unsent.map(([symbol, mark]) => ({ symbol, mark, at })),
        );
      })
      .catch(() => {});
    ws.on("close", () => closeMarketStream(stream));
  }

  function closeMarketStream(stream: MarketStream) {
    stream.unsubscribe();
    marketSockets.delete(stream);
  }

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "ws://127.0.0.1");
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (url.pathname === "/market/stream") {
        openMarketStream(ws, (url.searchParams.get("streams") ?? "").split("/").filter(Boolean));
        return;
      }
      const user = /^\/private\/ws\/([^/]+)$/.exec(url.pathname);
      const stream = user ? userStreams.get(user[1]!) : undefined;
      if (!stream) {
        ws.close(4004, "unknown stream");
        return;
      }
      stream.sockets.add(ws);
      stream.connected = true;
      for (const message of stream.buffer.splice(0)) ws.send(JSON.stringify(message));
      ws.on("close", () => stream.sockets.delete(ws));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const first = accounts[0]!;

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    engine,
    apiKey: first.apiKey,
    apiSecret: first.apiSecret,
    accounts,
    accountRef(id = first.accountId, apiKey = first.apiKey) {
      const account = byKey.get(apiKey);
      if (!account) throw new Error(`no fake Binance account with that API key`);
      return { id, credentials: () => ({ apiKey: account.apiKey, apiSecret: account.apiSecret }) };
    },
    failNext(kind, faultOptions = {}) {
      faults.push({ kind, options: faultOptions });
    },
    requests,
    usedWeight1m,
    dropStreams() {
      // Gone at once: what happens before the clients reconnect is not delivered to them.
      for (const stream of [...marketSockets]) closeMarketStream(stream);
      for (const stream of userStreams.values()) stream.sockets.clear();
      for (const client of wss.clients) client.terminate();
    },
    pushMarkPrice(symbol, price, at) {
      for (const stream of marketSockets) sendMarks(stream, [{ symbol, mark: new Decimal(price), at }]);
    },
    userMessages,
    pushUserMessage(accountId, message) {
      for (const stream of userStreams.values()) {
        if (stream.account.accountId !== accountId) continue;
        for (const socket of stream.sockets) socket.send(JSON.stringify(message));
      }
    },
    loseUserMessages(count, match = () => true) {
      losing.push({ count, match });
    },
    marketStreams() {
      return [...marketSockets].map((stream) => stream.names);
    },
    expireListenKeys() {
      for (const [key, stream] of [...userStreams]) {
        const message = JSON.stringify({ e: "listenKeyExpired", E: now(), listenKey: key });
        for (const socket of stream.sockets) socket.send(message);
        closeUserStream(key);
      }
    },
    hungRequest() {
      return new Promise<void>((resolve) => hungWaiters.push(resolve));
    },
    async close() {
      for (const key of [...userStreams.keys()]) closeUserStream(key);
      for (const stream of [...marketSockets]) {
        closeMarketStream(stream);
        stream.socket.terminate();
      }
      for (const client of wss.clients) client.terminate();
      for (const res of hung) res.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.closeEngine ?? true) await engine.close();
    },
  };
}
