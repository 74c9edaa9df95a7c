import {
  type AccountEvent,
  BinanceUnknownOutcomeError,
  ExchangeBannedError,
  type ExchangeGateway,
  ExchangeOrderStatusUnknownError,
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  type MarkPriceTick,
} from "@tradedesk/core";
import { Counter, Gauge, Histogram, type Metric, type Registry } from "prom-client";

/**
 * Observability wiring for the exchanges (a file of its own, outside core: core is not edited
 * for metrics). Every gateway the desk uses is wrapped in a Proxy that times and counts each REST
 * call by operation and outcome, and watches the two streams (mark prices, account events) as
 * they pass by. The request-weight picture is read at scrape time from what the gateways already
 * expose: the simulated exchange's stats(), the Binance gateway's weight().
 *
 * The metrics exist before the registry does (the gateways are wrapped before the desk is built,
 * the registry after): `register(registry)` adds them to it.
 */

/** The gateway's REST calls, by their method name (a closed set: the label values). */
const OPERATIONS = [
  "getAccountSnapshot",
  "placeOrder",
  "setLeverage",
  "getOrder",
  "getOpenOrders",
  "getTrades",
  "cancelOrders",
  "getMarkPrices",
  "getExchangeRules",
] as const satisfies readonly (keyof ExchangeGateway)[];
const TIMED: ReadonlySet<PropertyKey> = new Set<PropertyKey>(OPERATIONS);

/** How a call ended, as the alert rules see it. */
const OUTCOMES = [
  "ok",
  "rejected",
  "rate_limited",
  "banned",
  "unavailable",
  "unknown_outcome",
  "error",
] as const;
export type ExchangeOutcome = (typeof OUTCOMES)[number];

/** Every account event type (Record: the compiler wants them all), so each series starts at 0. */
const ACCOUNT_EVENT_TYPES = Object.keys({
  order: true,
  position: true,
  balance: true,
  "protective-triggered": true,
  "stream-restarted": true,
} satisfies Record<AccountEvent["type"], true>);

export function outcomeOf(error: unknown): ExchangeOutcome {
  // Banned first: it is a kind of rate limiting.
  if (error instanceof ExchangeBannedError) return "banned";
  if (error instanceof ExchangeRateLimitedError) return "rate_limited";
  if (error instanceof ExchangeRejectedError) return "rejected";
  if (error instanceof ExchangeOrderStatusUnknownError || error instanceof BinanceUnknownOutcomeError) {
    return "unknown_outcome";
  }
  if (error instanceof ExchangeUnavailableError) return "unavailable";
  return "error";
}

/** What a gateway may expose about its request weight; read at scrape time. */
interface WeightSources {
  /** The simulated exchange. */
  stats?: () => { weight: number; usedWeight1m: number };
  /** The Binance gateway. */
  weight?: () => { usedWeight1m: number; bannedUntil: number | null; backoffUntil: number | null };
}

export interface ObserveOptions {
  /** The request weight per minute this gateway may spend (its budget), when it has one. */
  weightLimitPerMinute?: number;
}

export interface ExchangeMetrics {
  /** The same gateway, measured. Extra methods (the simulated exchange's setMarkPrice...) pass through. */
  observe<G extends ExchangeGateway>(gateway: G, options?: ObserveOptions): G;
  register(registry: Registry): void;
}

export function createExchangeMetrics(options: { now?: () => number } = {}): ExchangeMetrics {
  const now = options.now ?? Date.now;
  /** Mark-price subscriptions open, by exchange (the gauge's value, kept where it can be read). */
  const watching = new Map<string, number>();
  const observed: { gateway: ExchangeGateway & WeightSources; limit: number | undefined }[] = [];

  const requests = new Counter({
    name: "tradedesk_exchange_requests_total",
    help: "Exchange REST calls by operation and outcome (ok, rejected, rate_limited: a 429 or our own budget spent, banned: 418, unavailable, unknown_outcome, error)",
    labelNames: ["exchange", "operation", "outcome"],
    registers: [],
  });
  const duration = new Histogram({
    name: "tradedesk_exchange_request_duration_seconds",
    help: "Exchange REST call latency by operation, whatever the outcome",
    labelNames: ["exchange", "operation"],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  const weightUsed = new Gauge({
    name: "tradedesk_exchange_weight_used_1m",
    help: "Request weight used in the current minute (Binance: the IP's X-MBX-USED-WEIGHT-1M as last seen)",
    labelNames: ["exchange"],
    registers: [],
    collect() {
      this.reset();
      for (const { gateway } of observed) {
        const used = gateway.weight?.().usedWeight1m ?? gateway.stats?.().usedWeight1m;
        if (used !== undefined) this.set({ exchange: gateway.name }, used);
      }
    },
  });
  const weightSpent = new Counter({
    name: "tradedesk_exchange_weight_spent_total",
    help: "Request weight this instance spent since start (the simulated exchange's own count)",
    labelNames: ["exchange"],
    registers: [],
    collect() {
      this.reset();
      for (const { gateway } of observed) {
        const spent = gateway.stats?.().weight;
        if (spent !== undefined) this.inc({ exchange: gateway.name }, spent);
      }
    },
  });
  const weightLimit = new Gauge({
    name: "tradedesk_exchange_weight_limit_1m",
    help: "Request weight budget per minute of the gateway (absent when it has none)",
    labelNames: ["exchange"],
    registers: [],
    collect() {
      this.reset();
      for (const { gateway, limit } of observed) {
        if (limit !== undefined) this.set({ exchange: gateway.name }, limit);
      }
    },
  });
  const blocked = new Gauge({
    name: "tradedesk_exchange_blocked",
    help: "1 while no call may go out: reason banned (418 until its Retry-After) or backoff (after a 429)",
    labelNames: ["exchange", "reason"],
    registers: [],
    collect() {
      this.reset();
      for (const { gateway } of observed) {
        const state = gateway.weight?.();
        if (state === undefined) continue;
        this.set({ exchange: gateway.name, reason: "banned" }, state.bannedUntil === null ? 0 : 1);
        this.set({ exchange: gateway.name, reason: "backoff" }, state.backoffUntil === null ? 0 : 1);
      }
    },
  });
  const priceSubscriptions = new Gauge({
    name: "tradedesk_price_feed_subscriptions",
    help: "Mark-price stream subscriptions open now (one per watched dashboard)",
    labelNames: ["exchange"],
    registers: [],
  });
  const lastTick = new Gauge({
    name: "tradedesk_price_feed_last_tick_timestamp_seconds",
    help: "When the last mark-price tick arrived (this server's clock, Unix seconds); its age is time() - this",
    labelNames: ["exchange"],
    registers: [],
  });
  const ticks = new Counter({
    name: "tradedesk_price_feed_ticks_total",
    help: "Mark-price ticks received",
    labelNames: ["exchange"],
    registers: [],
  });
  const accountStreams = new Gauge({
    name: "tradedesk_exchange_account_streams",
    help: "Account event streams (user data streams) subscribed now",
    labelNames: ["exchange"],
    registers: [],
  });
  const accountEvents = new Counter({
    name: "tradedesk_exchange_account_events_total",
    help: "Account events received, by type (order, position, balance, protective-triggered, stream-restarted)",
    labelNames: ["exchange", "type"],
    registers: [],
  });
  const metrics: Metric[] = [
    requests,
    duration,
    weightUsed,
    weightSpent,
    weightLimit,
    blocked,
    priceSubscriptions,
    lastTick,
    ticks,
    accountStreams,
    accountEvents,
  ];

  /** An unsubscribe that counts down once, however often it is called. */
  function counted(
    gauge: Gauge<string>,
    exchange: string,
    unsubscribe: () => void,
    onEnd: () => void = () => {},
  ): () => void {
    gauge.inc({ exchange });
    let done = false;
    return () => {
      if (!done) {
        done = true;
        gauge.dec({ exchange });
        onEnd();
      }
      unsubscribe();
    };
  }

  return {
    observe(gateway, observeOptions = {}) {
      const exchange = gateway.name;
      observed.push({ gateway, limit: observeOptions.weightLimitPerMinute });
      // Every series present at 0 before anything happens: rate() and increase() then count the
      // first call, the first error, the first event too (a series born at 1 shows no increase).
      for (const operation of OPERATIONS) {
        for (const outcome of OUTCOMES) requests.inc({ exchange, operation, outcome }, 0);
      }
      for (const type of ACCOUNT_EVENT_TYPES) accountEvents.inc({ exchange, type }, 0);
      ticks.inc({ exchange }, 0);
      priceSubscriptions.set({ exchange }, 0);
      watching.set(exchange, 0);
      accountStreams.set({ exchange }, 0);
      return new Proxy(gateway, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== "function") return value;
          if (TIMED.has(property)) {
            const operation = String(property);
            return async (...args: unknown[]) => {
              const end = duration.startTimer({ exchange, operation });
              try {
                const result = await value.apply(target, args);
                requests.inc({ exchange, operation, outcome: "ok" });
                return result;
              } catch (error) {
                requests.inc({ exchange, operation, outcome: outcomeOf(error) });
                throw error;
              } finally {
                end();
              }
            };
          }
          if (property === "subscribeMarkPrices" || property === "subscribeAllMarkPrices") {
            // (symbols, listener) or (listener): the listener comes last.
            return (...args: unknown[]) => {
              const listener = args.pop() as (tick: MarkPriceTick) => void;
              // A feed that never ticks must age too: its clock starts when someone first watches.
              if (watching.get(exchange) === 0) lastTick.set({ exchange }, now() / 1000);
              watching.set(exchange, (watching.get(exchange) ?? 0) + 1);
              const unsubscribe = value.apply(target, [
                ...args,
                (tick: MarkPriceTick) => {
                  ticks.inc({ exchange });
                  lastTick.set({ exchange }, now() / 1000);
                  listener(tick);
                },
              ]) as () => void;
              return counted(priceSubscriptions, exchange, unsubscribe, () =>
                watching.set(exchange, (watching.get(exchange) ?? 1) - 1),
              );
            };
          }
          if (property === "subscribeAccountEvents") {
            const subscribe = value as ExchangeGateway["subscribeAccountEvents"];
            return (account: Parameters<typeof subscribe>[0], listener: (event: AccountEvent) => void) =>
              counted(
                accountStreams,
                exchange,
                subscribe.call(target, account, (event) => {
                  accountEvents.inc({ exchange, type: event.type });
                  listener(event);
                }),
              );
          }
          return value.bind(target);
        },
      });
    },
    register(registry) {
      for (const metric of metrics) registry.registerMetric(metric);
    },
  };
}
