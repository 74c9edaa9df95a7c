import Decimal from "decimal.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SAFETY_NET_MS } from "../../testing/safety-net.ts";
import {
  ExchangeBannedError,
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
} from "../errors.ts";
import type { AccountEvent, ExchangeAccountRef, MarkPriceTick, PlaceOrderRequest } from "../gateway.ts";
import { createSimulatedExchange, type SimulatedTimers } from "../simulated/index.ts";
import { type BinanceGatewayOptions, createBinanceGateway } from "./gateway.ts";
import { signQuery } from "./sign.ts";
import { type FakeBinance, startFakeBinance } from "./testing/fake-binance.ts";

/**
 * vi.waitFor with the safety net for its limit, not its 1 s default: the fake Binance answers over
 * real sockets, which a busy machine may hold up for seconds. Under fake timers each check still
 * advances them by the interval (vi.waitFor's own rule), as the reconnect tests rely on.
 */
const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: SAFETY_NET_MS });

/** A clock both the fake server and the gateway read, moved by hand: no waiting in tests. */
function manualClock() {
  let t = Date.UTC(2026, 10, 24, 10, 0, 5);
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function setup(
  options: BinanceGatewayOptions = {},
  fakeOptions: Parameters<typeof startFakeBinance>[0] = {},
  clock = manualClock(),
) {
  const fake = await startFakeBinance({ now: clock.now, ...fakeOptions });
  open.push(fake);
  // The gateway's waits move the shared clock instead of taking time.
  const slept: number[] = [];
  const gateway = createBinanceGateway({
    baseUrl: fake.url,
    wsBaseUrl: fake.wsUrl,
    now: clock.now,
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    ...options,
  });
  open.push(gateway);
  const account = fake.accountRef("acc-1");
  return { clock, fake, gateway, account, slept };
}

/** A fake Binance whose engine stamps fills with the shared manual clock. */
async function setupOnClock(
  fakeOptions: Parameters<typeof startFakeBinance>[0] = {},
  gatewayOptions: Parameters<typeof setup>[0] = {},
) {
  const clock = manualClock();
  const timers: SimulatedTimers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    setInterval: (callback, ms) => setInterval(callback, ms),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
    now: clock.now,
  };
  const engine = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0, timers });
  const context = await setup(gatewayOptions, { ...fakeOptions, engine }, clock);
  const engineAccount = { id: context.fake.accounts[0]!.accountId };
  /** Fills straight on the engine (no REST weight spent), at the current clock time. */
  const fill = (clientOrderId: string, symbol = "BTCUSDT", side: "BUY" | "SELL" = "BUY") =>
    engine.placeOrder(engineAccount, { ...market(clientOrderId, "0.01"), symbol, side });
  return { ...context, fill };
}

const market = (clientOrderId: string, quantity = "0.01"): PlaceOrderRequest => ({
  clientOrderId,
  symbol: "BTCUSDT",
  side: "BUY",
  type: "MARKET",
  quantity: new Decimal(quantity),
});

const calls = (fake: FakeBinance, method: string, path: string) =>
  fake.requests.filter((r) => r.method === method && r.path === path);

describe("signed requests", () => {
  it("sends X-MBX-APIKEY, timestamp, recvWindow and a signature the server verifies", async () => {
    const { fake, gateway, account, clock } = await setup({ recvWindowMs: 3000 });
    await gateway.getAccountSnapshot(account);
    const [request] = calls(fake, "GET", "/fapi/v3/account");
    expect(request).toMatchObject({ status: 200, apiKey: fake.apiKey });
    expect(request?.params).toMatchObject({ recvWindow: "3000", timestamp: String(clock.now()) });
  });

  it("is refused with -1022 when signed with the wrong secret, and the error names Binance's reason", async () => {
    const { fake, gateway } = await setup();
    const forged: ExchangeAccountRef = {
      id: "acc-1",
      credentials: () => ({ apiKey: fake.apiKey, apiSecret: "not-the-secret" }),
    };
    await expect(gateway.getAccountSnapshot(forged)).rejects.toMatchObject({
      name: "ExchangeRejectedError",
      code: -1022,
    });
  });

  it("rejects a request whose query was altered after signing, and accepts the untouched one", async () => {
    const { fake, clock } = await setup();
    const query = `symbol=BTCUSDT&origClientOrderId=x&recvWindow=5000&timestamp=${clock.now()}`;
    const signature = signQuery(query, fake.apiSecret);
    const get = (q: string) =>
      fetch(`${fake.url}/fapi/v1/order?${q}&signature=${signature}`, {
        headers: { "X-MBX-APIKEY": fake.apiKey },
      });
    const untouched = await get(query);
    expect(await untouched.json()).toMatchObject({ code: -2013 }); // signature fine, order unknown
    const tampered = await get(query.replace("BTCUSDT", "ETHUSDT"));
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ code: -1022 });
  });

  it("is refused with -1021 when the clock is outside recvWindow, and with -2015 for an unknown key", async () => {
    const { fake, account, clock } = await setup();
    // 5.001 s behind the server: just outside the default recvWindow of 5000 ms.
    const skewed = createBinanceGateway({ baseUrl: fake.url, now: () => clock.now() - 5_001 });
    open.push(skewed);
    await expect(skewed.getAccountSnapshot(account)).rejects.toMatchObject({ code: -1021 });
    const stranger: ExchangeAccountRef = {
      id: "x",
      credentials: () => ({ apiKey: "nobody", apiSecret: "s" }),
    };
    await expect(skewed.getMarkPrices(["BTCUSDT"])).resolves.toBeDefined(); // public: no key needed
    await expect(skewed.getAccountSnapshot(stranger)).rejects.toMatchObject({ code: -2015 });
  });

  it("decrypts credentials only to sign, never for public data, and never logs them", async () => {
    const logs: unknown[] = [];
    const logger = {
      debug: (o: object, m: string) => logs.push([o, m]),
      info: (o: object, m: string) => logs.push([o, m]),
      warn: (o: object, m: string) => logs.push([o, m]),
    };
    const { fake, gateway } = await setup({ logger });
    const credentials = vi.fn(() => ({ apiKey: fake.apiKey, apiSecret: fake.apiSecret }));
    const account: ExchangeAccountRef = { id: "acc-1", credentials };
    await gateway.getMarkPrices(["BTCUSDT", "ETHUSDT"]);
    expect(credentials).not.toHaveBeenCalled();
    await gateway.placeOrder(account, market("log-1"));
    fake.failNext("500", { path: "/fapi/v3/account" });
    await expect(gateway.getAccountSnapshot(account)).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(credentials).toHaveBeenCalled();
    expect(logs.length).toBeGreaterThan(0);
    const written = JSON.stringify(logs);
    expect(written).not.toContain(fake.apiSecret);
    expect(written).not.toContain(fake.apiKey);
    expect(written).not.toContain("signature");
  });

  it("refuses to send a testnet account's keys to a production gateway, for calls and streams", async () => {
    const { fake, gateway } = await setup();
    const demo: ExchangeAccountRef = { ...fake.accountRef("acc-1"), testnet: true };
    await expect(gateway.getAccountSnapshot(demo)).rejects.toBeInstanceOf(ExchangeRejectedError);
    // Streams for such an account (or one without keys) are skipped, not thrown at the subscriber.
    const unsubscribe = gateway.subscribeAccountEvents(demo, () => {});
    gateway.subscribeAccountEvents({ id: "keyless" }, () => {})();
    unsubscribe();
    expect(fake.requests).toHaveLength(0);
  });
});

describe("request weight", () => {
  it("tracks X-MBX-USED-WEIGHT-1M: a snapshot costs account (5) + positionRisk (5)", async () => {
    const { fake, gateway, account } = await setup();
    await gateway.getAccountSnapshot(account);
    expect(fake.usedWeight1m()).toBe(10);
    expect(gateway.weight()).toEqual({ usedWeight1m: 10, bannedUntil: null, backoffUntil: null });
    await gateway.getMarkPrices(["BTCUSDT"]);
    expect(gateway.weight().usedWeight1m).toBe(11);
  });

  it("adopts a higher count reported by Binance (other processes on the same IP)", async () => {
    const { fake, gateway, account } = await setup({ weightBudgetPerMinute: 100 });
    // Someone else on this IP spent 85 this minute.
    for (let i = 0; i < 85; i++) await fetch(`${fake.url}/fapi/v1/ping`);
    await gateway.getAccountSnapshot(account);
    expect(gateway.weight().usedWeight1m).toBe(95);
    await expect(gateway.getAccountSnapshot(account)).rejects.toBeInstanceOf(ExchangeRateLimitedError);
  });

  it("keeps one budget for every account: one user's calls spend everyone's headroom, refused before sending", async () => {
    const second = { apiKey: "k2", apiSecret: "s2", accountId: "engine-2" };
    const first = { apiKey: "k1", apiSecret: "s1", accountId: "engine-1" };
    const { fake, gateway, clock } = await setup(
      { weightBudgetPerMinute: 25 },
      { accounts: [first, second] },
    );
    const alice = fake.accountRef("alice", "k1");
    const bob = fake.accountRef("bob", "k2");
    await gateway.getAccountSnapshot(alice);
    await gateway.getAccountSnapshot(alice);
    const sent = fake.requests.length;
    const refused = await gateway.getAccountSnapshot(bob).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExchangeRateLimitedError);
    expect((refused as ExchangeRateLimitedError).retryAfterMs).toBe(55_000);
    expect(fake.requests.length).toBe(sent + 0);
    clock.advance(55_000);
    await expect(gateway.getAccountSnapshot(bob)).resolves.toMatchObject({ positions: [] });
  });

  it("backs off for Retry-After after a 429: nothing goes out until then, so Binance never bans us", async () => {
    const { fake, gateway, account, clock } = await setup();
    fake.failNext("429", { retryAfterSeconds: 7 });
    const limited = await gateway.getAccountSnapshot(account).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ExchangeRateLimitedError);
    expect(limited).not.toBeInstanceOf(ExchangeBannedError);
    expect((limited as ExchangeRateLimitedError).retryAfterMs).toBe(7000);
    expect(gateway.weight().backoffUntil).toBe(clock.now() + 7000);

    const sent = fake.requests.length;
    clock.advance(6_000);
    await expect(gateway.getMarkPrices(["BTCUSDT"])).rejects.toMatchObject({ retryAfterMs: 1000 });
    expect(fake.requests.length).toBe(sent);

    clock.advance(1_000);
    await expect(gateway.getAccountSnapshot(account)).resolves.toBeDefined();
    expect(fake.requests.some((r) => r.status === 418)).toBe(false);
  });

  it("stops calling during a 418 ban and resumes when it lifts", async () => {
    const { fake, gateway, account, clock } = await setup();
    fake.failNext("418", { retryAfterSeconds: 120 });
    await expect(gateway.getMarkPrices(["BTCUSDT"])).rejects.toBeInstanceOf(ExchangeBannedError);
    const sent = fake.requests.length;
    await expect(gateway.placeOrder(account, market("during-ban"))).rejects.toMatchObject({
      name: "ExchangeBannedError",
      retryAfterMs: 120_000,
    });
    expect(fake.requests.length).toBe(sent);
    expect(gateway.weight().bannedUntil).toBe(clock.now() + 120_000);
    clock.advance(120_000);
    await expect(gateway.placeOrder(account, market("after-ban"))).resolves.toMatchObject({
      status: "FILLED",
    });
  });

  it("is banned by the server (418) if a client ignores a 429 — the failure our back-off prevents", async () => {
    const { fake } = await setup({}, { weightLimitPerMinute: 2 });
    await fetch(`${fake.url}/fapi/v1/ping`);
    await fetch(`${fake.url}/fapi/v1/ping`);
    const limited = await fetch(`${fake.url}/fapi/v1/ping`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("55");
    expect((await fetch(`${fake.url}/fapi/v1/ping`)).status).toBe(418);
  });
});

describe("placing orders when the outcome is unknown", () => {
  it("after a 5xx on an accepted order, finds it by clientOrderId instead of placing it twice", async () => {
    const { fake, gateway, account } = await setup();
    fake.failNext("500-after-accept", { path: "/fapi/v1/order", method: "POST" });
    const order = await gateway.placeOrder(account, market("unknown-1", "0.02"));
    expect(order).toMatchObject({ clientOrderId: "unknown-1", status: "FILLED" });
    expect(order.filledQuantity.toFixed()).toBe("0.02");
    expect(calls(fake, "POST", "/fapi/v1/order")).toHaveLength(1);
    expect(calls(fake, "GET", "/fapi/v1/order")).toHaveLength(1);
    const snapshot = await gateway.getAccountSnapshot(account);
    expect(snapshot.positions.map((p) => p.quantity.toFixed())).toEqual(["0.02"]);
    // A caller retrying with the same clientOrderId is refused: still one order.
    await expect(gateway.placeOrder(account, market("unknown-1", "0.02"))).rejects.toBeInstanceOf(
      ExchangeRejectedError,
    );
  });

  it("after a 5xx on an order that was not accepted, says so once its recvWindow closed, and the retry places it once", async () => {
    const { fake, gateway, account, slept } = await setup();
    fake.failNext("500", { path: "/fapi/v1/order", method: "POST" });
    await expect(gateway.placeOrder(account, market("not-placed"))).rejects.toThrow(/safe to retry/);
    // Looked up, waited out recvWindow (5000) + 1 s of clock skew, looked up again.
    expect(slept).toEqual([6000]);
    expect(calls(fake, "GET", "/fapi/v1/order")).toHaveLength(2);
    expect((await gateway.getAccountSnapshot(account)).positions).toEqual([]);
    await expect(gateway.placeOrder(account, market("not-placed"))).resolves.toMatchObject({
      status: "FILLED",
    });
    expect((await gateway.getAccountSnapshot(account)).positions).toHaveLength(1);
  });

  it("finds an order Binance processed after answering 5xx, by looking again once the recvWindow closed", async () => {
    let lateProcessing = async () => {};
    const { fake, gateway, account, clock } = await setup({
      sleep: async (ms) => {
        await lateProcessing(); // Binance executes the request it did not answer, meanwhile
        clock.advance(ms);
      },
    });
    const request = market("late-1");
    lateProcessing = async () => {
      await fake.engine.placeOrder({ id: fake.accounts[0]!.accountId }, request);
    };
    fake.failNext("500", { path: "/fapi/v1/order", method: "POST" });
    await expect(gateway.placeOrder(account, request)).resolves.toMatchObject({
      clientOrderId: "late-1",
      status: "FILLED",
    });
    expect(calls(fake, "GET", "/fapi/v1/order")).toHaveLength(2);
    const snapshot = await gateway.getAccountSnapshot(account);
    expect(snapshot.positions.map((p) => p.quantity.toFixed())).toEqual(["0.01"]);
  });

  it("gives up on a read Binance does not answer within timeoutMs, as unavailable", async () => {
    const { fake, gateway, account } = await setup({ timeoutMs: 5_000 });
    fake.failNext("timeout", { path: "/fapi/v3/positionRisk" });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const reading = gateway.getAccountSnapshot(account);
    await fake.hungRequest();
    vi.advanceTimersByTime(5_000);
    await expect(reading).rejects.toBeInstanceOf(ExchangeUnavailableError);
    await expect(reading).rejects.toThrow(/within 5000 ms/);
  });

  it("after a timeout on an order Binance never took, finds nothing, says so, and the retry places it once", async () => {
    const { fake, gateway, account, clock, slept } = await setup({ timeoutMs: 5_000 });
    fake.failNext("timeout", { path: "/fapi/v1/order", method: "POST" });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const placing = gateway.placeOrder(account, market("timeout-1"));
    await fake.hungRequest();
    clock.advance(5_000);
    vi.advanceTimersByTime(5_000);
    await expect(placing).rejects.toThrow(/safe to retry/);
    // 5 s of the 5 s recvWindow (+1 s of clock skew) went by waiting: 1 s more, then the last look.
    expect(slept).toEqual([1000]);
    expect(calls(fake, "GET", "/fapi/v1/order")).toHaveLength(2);
    vi.useRealTimers();
    await expect(gateway.placeOrder(account, market("timeout-1"))).resolves.toMatchObject({
      status: "FILLED",
    });
    const snapshot = await gateway.getAccountSnapshot(account);
    expect(snapshot.positions.map((p) => p.quantity.toFixed())).toEqual(["0.01"]);
  });

  it("after a timeout on an accepted stop-loss, finds it in the algo book", async () => {
    const { fake, gateway, account } = await setup({ timeoutMs: 5_000 });
    await gateway.placeOrder(account, market("long-1", "0.1"));
    fake.failNext("timeout", { path: "/fapi/v1/algoOrder", method: "POST", afterAccept: true });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const placing = gateway.placeOrder(account, {
      clientOrderId: "sl-timeout",
      symbol: "BTCUSDT",
      side: "SELL",
      type: "STOP_MARKET",
      quantity: new Decimal("0.1"),
      triggerPrice: new Decimal("60000"),
      reduceOnly: true,
    });
    await fake.hungRequest();
    vi.advanceTimersByTime(5_000);
    await expect(placing).resolves.toMatchObject({
      clientOrderId: "sl-timeout",
      status: "NEW",
      type: "STOP_MARKET",
    });
    expect(calls(fake, "POST", "/fapi/v1/algoOrder")).toHaveLength(1);
    expect(calls(fake, "GET", "/fapi/v1/algoOrder")).toHaveLength(1);
  });
});

describe("stop-loss and take-profit as algo orders", () => {
  it("places them through POST /fapi/v1/algoOrder (CONDITIONAL, on the mark price) and cancels through DELETE", async () => {
    const { fake, gateway, account } = await setup();
    await gateway.placeOrder(account, market("pos", "0.1"));
    const stop = await gateway.placeOrder(account, {
      clientOrderId: "sl-1",
      symbol: "BTCUSDT",
      side: "SELL",
      type: "STOP_MARKET",
      quantity: new Decimal("0.1"),
      triggerPrice: new Decimal("63000.5"),
      reduceOnly: true,
    });
    expect(stop).toMatchObject({ status: "NEW", type: "STOP_MARKET", reduceOnly: true });
    expect(stop.triggerPrice?.toFixed()).toBe("63000.5");
    const [placed] = calls(fake, "POST", "/fapi/v1/algoOrder");
    expect(placed?.params).toMatchObject({
      algoType: "CONDITIONAL",
      type: "STOP_MARKET",
      triggerPrice: "63000.5",
      workingType: "MARK_PRICE",
      reduceOnly: "true",
      clientAlgoId: "sl-1",
    });
    expect(calls(fake, "POST", "/fapi/v1/order").map((r) => r.params.type)).toEqual(["MARKET"]);

    // Replacing protection is place-new then cancel-old (algo orders cannot be amended).
    await gateway.placeOrder(account, {
      ...market("sl-2", "0.1"),
      side: "SELL",
      type: "STOP_MARKET",
      triggerPrice: new Decimal("63500"),
      reduceOnly: true,
    });
    const [cancelled] = await gateway.cancelOrders(account, [
      { symbol: "BTCUSDT", clientOrderId: "sl-1", kind: "trigger" },
    ]);
    expect(cancelled).toEqual({ clientOrderId: "sl-1", cancelled: true });
    expect(calls(fake, "DELETE", "/fapi/v1/algoOrder")[0]?.params).toMatchObject({ clientAlgoId: "sl-1" });

    const q = `symbol=BTCUSDT&recvWindow=5000&timestamp=${Date.UTC(2026, 10, 24, 10, 0, 5)}`;
    const response = await fetch(
      `${fake.url}/fapi/v1/openAlgoOrders?${q}&signature=${signQuery(q, fake.apiSecret)}`,
      {
        headers: { "X-MBX-APIKEY": fake.apiKey },
      },
    );
    const openAlgo = (await response.json()) as { clientAlgoId: string; triggerPrice: string }[];
    expect(openAlgo.map((o) => [o.clientAlgoId, o.triggerPrice])).toEqual([["sl-2", "63500"]]);
  });

  it("reports a stop-loss that is already gone as not cancelled, but throws when Binance refused the cancel", async () => {
    const { fake, gateway, account } = await setup();
    await gateway.placeOrder(account, market("pos-2", "0.1"));
    await gateway.placeOrder(account, {
      ...market("sl-live", "0.1"),
      side: "SELL",
      type: "STOP_MARKET",
      triggerPrice: new Decimal("60000"),
      reduceOnly: true,
    });
    const gone = await gateway.cancelOrders(account, [
      { symbol: "BTCUSDT", clientOrderId: "sl-never", kind: "trigger" },
    ]);
    expect(gone).toMatchObject([{ clientOrderId: "sl-never", cancelled: false }]);

    // A refused request (here a bad signature) left the order working: not "already gone".
    const forged: ExchangeAccountRef = {
      id: "acc-1",
      credentials: () => ({ apiKey: fake.apiKey, apiSecret: "not-the-secret" }),
    };
    await expect(
      gateway.cancelOrders(forged, [{ symbol: "BTCUSDT", clientOrderId: "sl-live", kind: "trigger" }]),
    ).rejects.toMatchObject({ name: "ExchangeRejectedError", code: -1022 });
    const stop = await gateway.getOrder(account, {
      symbol: "BTCUSDT",
      clientOrderId: "sl-live",
      kind: "trigger",
    });
    expect(stop?.status).toBe("NEW");
  });

  it("cancels regular orders in batches of at most 10 per symbol", async () => {
    const { fake, gateway, account } = await setup();
    const ids = Array.from({ length: 12 }, (_, i) => `limit-${i}`);
    for (const clientOrderId of ids) {
      await gateway.placeOrder(account, {
        clientOrderId,
        symbol: "SOLUSDT",
        side: "BUY",
        type: "LIMIT",
        quantity: new Decimal("1"),
        price: new Decimal("100"),
      });
    }
    const results = await gateway.cancelOrders(
      account,
      ids.map((clientOrderId) => ({ symbol: "SOLUSDT", clientOrderId, kind: "regular" as const })),
    );
    expect(results.every((r) => r.cancelled)).toBe(true);
    expect(
      calls(fake, "DELETE", "/fapi/v1/batchOrders").map(
        (r) => JSON.parse(r.params.origClientOrderIdList!).length,
      ),
    ).toEqual([10, 2]);
  });

  it("is refused by Binance when a stop-loss is sent to the regular order endpoint", async () => {
    const { fake, clock } = await setup();
    const q = `symbol=BTCUSDT&side=SELL&type=STOP_MARKET&quantity=1&stopPrice=60000&recvWindow=5000&timestamp=${clock.now()}`;
    const response = await fetch(`${fake.url}/fapi/v1/order?${q}&signature=${signQuery(q, fake.apiSecret)}`, {
      method: "POST",
      headers: { "X-MBX-APIKEY": fake.apiKey },
    });
    expect(await response.json()).toMatchObject({ code: -4120 });
  });
});

describe("user data stream", () => {
  it("creates a listenKey, keeps it alive every 30 minutes, and stops when the last subscriber leaves", async () => {
    const { fake, gateway, account } = await setup();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const events: AccountEvent[] = [];
    const unsubscribe = gateway.subscribeAccountEvents(account, (e) => events.push(e));
    const second = gateway.subscribeAccountEvents(account, () => {});
    await gateway.streamsReady();
    expect(calls(fake, "POST", "/fapi/v1/listenKey")).toHaveLength(1); // one stream per account

    vi.advanceTimersByTime(30 * 60_000);
    await waitFor(() => expect(calls(fake, "PUT", "/fapi/v1/listenKey")).toHaveLength(1));
    vi.advanceTimersByTime(30 * 60_000);
    await waitFor(() => expect(calls(fake, "PUT", "/fapi/v1/listenKey")).toHaveLength(2));

    await gateway.placeOrder(account, market("evt-1"));
    await waitFor(() =>
      expect(events.some((e) => e.type === "order" && e.order.clientOrderId === "evt-1")).toBe(true),
    );

    unsubscribe();
    vi.advanceTimersByTime(30 * 60_000);
    await waitFor(() => expect(calls(fake, "PUT", "/fapi/v1/listenKey")).toHaveLength(3));
    second();
    vi.advanceTimersByTime(60 * 60_000);
    expect(calls(fake, "PUT", "/fapi/v1/listenKey")).toHaveLength(3);
  });
});

describe("leverage", () => {
  it("sets it with a signed POST /fapi/v1/leverage (weight 1), and shows the stream's positions at it", async () => {
    const { fake, gateway, account } = await setup();
    const events: AccountEvent[] = [];
    gateway.subscribeAccountEvents(account, (e) => events.push(e));
    await gateway.streamsReady();

    const setting = await gateway.setLeverage(account, { symbol: "BTCUSDT", leverage: 5 });
    expect(setting.leverage).toBe(5);
    expect(setting.maxNotional.toFixed()).toBe("480000000");
    const [request] = calls(fake, "POST", "/fapi/v1/leverage");
    expect(request).toMatchObject({ status: 200, weight: 1, apiKey: fake.apiKey });
    expect(request?.params).toMatchObject({ symbol: "BTCUSDT", leverage: "5" });

    // ACCOUNT_UPDATE carries no leverage: the gateway fills in the one Binance confirmed.
    await gateway.placeOrder(account, market("lev-1"));
    await waitFor(() =>
      expect(events.find((e) => e.type === "position")).toMatchObject({ positions: [{ leverage: 5 }] }),
    );
  });
});

describe("closing the gateway", () => {
  it("stops the listenKey keep-alive, which never holds the process open meanwhile", async () => {
    const { fake, gateway, account } = await setup();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    gateway.subscribeAccountEvents(account, () => {});
    gateway.subscribeMarkPrices(["BTCUSDT"], () => {});
    await gateway.streamsReady();
    expect(vi.getTimerCount()).toBe(1);
    const keepAlive = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout | undefined;
    expect(keepAlive?.hasRef()).toBe(false);
    await gateway.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60 * 60_000);
    expect(calls(fake, "PUT", "/fapi/v1/listenKey")).toHaveLength(0);
    setIntervalSpy.mockRestore();
  });
});

describe("streams recover", () => {
  it("reconnects the mark-price stream after Binance drops it", async () => {
    const { fake, gateway } = await setup();
    const ticks: string[] = [];
    gateway.subscribeMarkPrices(["BTCUSDT"], (tick) => ticks.push(tick.markPrice.toFixed()));
    await gateway.streamsReady();
    await fake.engine.setMarkPrice("BTCUSDT", "65001");
    await waitFor(() => expect(ticks).toContain("65001"));

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fake.dropStreams();
    // The retry timer is fake: waitFor advances it until the socket is back.
    await waitFor(async () => {
      await fake.engine.setMarkPrice("BTCUSDT", "65002.5");
      expect(ticks).toContain("65002.5");
    });
  });

  it("starts a fresh user stream when Binance expires the listenKey, and keeps delivering events", async () => {
    const { fake, gateway, account } = await setup();
    const events: AccountEvent[] = [];
    gateway.subscribeAccountEvents(account, (e) => events.push(e));
    await gateway.streamsReady();

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fake.expireListenKeys();
    await waitFor(() => expect(calls(fake, "POST", "/fapi/v1/listenKey")).toHaveLength(2));
    vi.useRealTimers();
    await gateway.streamsReady();
    await gateway.placeOrder(account, market("after-expiry"));
    await waitFor(() =>
      expect(events.some((e) => e.type === "order" && e.order.clientOrderId === "after-expiry")).toBe(true),
    );
  });

  it("says when the user stream is back after a drop (events in between are lost: the desk reconciles)", async () => {
    const { fake, gateway, account } = await setup();
    const events: AccountEvent[] = [];
    gateway.subscribeAccountEvents(account, (e) => events.push(e));
    await gateway.streamsReady();
    expect(events.filter((e) => e.type === "stream-restarted")).toEqual([]); // not on the first connect

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fake.dropStreams();
    await waitFor(() => {
      vi.advanceTimersByTime(1000);
      expect(events.filter((e) => e.type === "stream-restarted")).toEqual([
        { type: "stream-restarted", accountId: account.id, at: expect.any(Number) },
      ]);
    });
    vi.useRealTimers();
  });
});

describe("when even the lookup fails", () => {
  it("says the order status is unknown instead of pretending it failed", async () => {
    const { fake, gateway, account } = await setup();
    fake.failNext("500-after-accept", { path: "/fapi/v1/order", method: "POST" });
    fake.failNext("500", { path: "/fapi/v1/order", method: "GET" });
    await expect(gateway.placeOrder(account, market("twice-unknown"))).rejects.toMatchObject({
      name: "ExchangeOrderStatusUnknownError",
      clientOrderId: "twice-unknown",
    });
    expect(calls(fake, "POST", "/fapi/v1/order")).toHaveLength(1);
  });
});

describe("open orders for the reconciler", () => {
  it("reads regular and algo open orders for every symbol: one call each, 40 weight apiece", async () => {
    const { fake, gateway, account } = await setup();
    await gateway.placeOrder(account, market("pos", "0.1"));
    await gateway.placeOrder(account, {
      ...market("rest-1", "1"),
      symbol: "ETHUSDT",
      type: "LIMIT",
      price: new Decimal("3000"),
    });
    await gateway.placeOrder(account, {
      ...market("sl-1", "0.1"),
      side: "SELL",
      type: "STOP_MARKET",
      triggerPrice: new Decimal("60000"),
      reduceOnly: true,
    });
    const before = gateway.weight().usedWeight1m;
    const open = await gateway.getOpenOrders(account);
    expect(open.map((o) => [o.clientOrderId, o.type])).toEqual([
      ["rest-1", "LIMIT"],
      ["sl-1", "STOP_MARKET"],
    ]);
    const reads = fake.requests.filter((r) => r.path.startsWith("/fapi/v1/open"));
    expect(reads.map((r) => [r.method, r.path, r.params.symbol, r.weight])).toEqual([
      ["GET", "/fapi/v1/openOrders", undefined, 40],
      ["GET", "/fapi/v1/openAlgoOrders", undefined, 40],
    ]);
    expect(gateway.weight().usedWeight1m - before).toBe(80);
  });

  it("skips an open order of a type it does not model (placed by hand on Binance) and says so, keeping the others", async () => {
    const warnings: unknown[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: (o: object) => warnings.push(o) };
    // Binance lists a trailing stop someone placed in its web app next to our limit order.
    const withTrailingStop: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes("/fapi/v1/openOrders?")) return response;
      const rows = (await response.json()) as object[];
      rows.push({ ...rows[0], orderId: 999, clientOrderId: "web-trailing", type: "TRAILING_STOP_MARKET" });
      return new Response(JSON.stringify(rows), { status: response.status, headers: response.headers });
    };
    const { gateway, account } = await setup({ fetch: withTrailingStop, logger });
    await gateway.placeOrder(account, {
      ...market("rest-2", "1"),
      type: "LIMIT",
      price: new Decimal("60000"),
    });
    const open = await gateway.getOpenOrders(account);
    expect(open.map((o) => o.clientOrderId)).toEqual(["rest-2"]);
    expect(warnings).toEqual([
      expect.objectContaining({ accountId: "acc-1", symbol: "BTCUSDT", type: "TRAILING_STOP_MARKET" }),
    ]);
  });
});

describe("trade history for the reconciler", () => {
  const DAY = 24 * 60 * 60_000;
  const WEEK = 7 * DAY;

  const tradeReads = (fake: FakeBinance) =>
    calls(fake, "GET", "/fapi/v1/userTrades").map(({ params, status, weight }) => {
      const { recvWindow: _recvWindow, timestamp: _timestamp, ...sent } = params;
      return { sent, status, weight };
    });

  // Paging is the same at any page size: 12 fills in pages of 10 (Binance's pages hold 1000)
  // exercise it without 1200 orders through the engine.
  for (const tradeWindowPage of ["oldest", "newest"] as const) {
    it(`returns all of 12 fills in one window, oldest first, when Binance answers a busy window with its ${tradeWindowPage} 10`, async () => {
      const { fake, gateway, account, clock, fill } = await setupOnClock(
        { tradeWindowPage },
        { tradesPageSize: 10 },
      );
      const since = clock.now();
      clock.advance(1);
      for (let i = 0; i < 12; i++) {
        await fill(`f-${i}`, "BTCUSDT", i % 2 === 0 ? "BUY" : "SELL");
        clock.advance(1000);
      }
      const before = gateway.weight().usedWeight1m;
      const trades = await gateway.getTrades(account, { symbol: "BTCUSDT", startTime: since });

      expect(trades.map((t) => t.tradeId)).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
      expect(trades.every((t, i) => t.time === since + 1 + i * 1000)).toBe(true);
      const window = { symbol: "BTCUSDT", limit: "10", startTime: String(since) };
      const lookBefore = { ...window, endTime: String(since) }; // up to the first fill it was given, exclusive
      expect(tradeReads(fake)).toEqual(
        tradeWindowPage === "oldest"
          ? [
              { sent: { ...window, endTime: String(since + WEEK - 1) }, status: 200, weight: 5 },
              // Nothing before the page's first fill: it was the window's oldest 10.
              { sent: lookBefore, status: 200, weight: 5 },
              { sent: { symbol: "BTCUSDT", limit: "10", fromId: "11" }, status: 200, weight: 5 },
            ]
          : [
              { sent: { ...window, endTime: String(since + WEEK - 1) }, status: 200, weight: 5 },
              // The newest 10 came first: the 2 before them, then on by trade id.
              { sent: { ...window, endTime: String(since + 2 * 1000) }, status: 200, weight: 5 },
              { sent: { symbol: "BTCUSDT", limit: "10", fromId: "3" }, status: 200, weight: 5 },
              { sent: { symbol: "BTCUSDT", limit: "10", fromId: "13" }, status: 200, weight: 5 },
            ],
      );
      expect(gateway.weight().usedWeight1m - before).toBe(tradeReads(fake).length * 5);
    });
  }

  it("walks 7-day windows across a month: every fill since startTime of that symbol, none before, a window per empty week", async () => {
    const { fake, gateway, account, clock, fill } = await setupOnClock();
    await fill("before-start");
    clock.advance(DAY);
    const since = clock.now();
    clock.advance(9 * DAY);
    await fill("day-9");
    await fill("day-9-eth", "ETHUSDT");
    clock.advance(1);
    await fill("day-9-later", "BTCUSDT", "SELL");
    clock.advance(8 * DAY);
    await fill("day-17");
    clock.advance(13 * DAY); // now: day 30

    const before = gateway.weight().usedWeight1m;
    const trades = await gateway.getTrades(account, { symbol: "BTCUSDT", startTime: since });
    expect(trades.map((t) => [t.side, t.time - since])).toEqual([
      ["BUY", 9 * DAY],
      ["SELL", 9 * DAY + 1],
      ["BUY", 17 * DAY + 1],
    ]);
    const window = (from: number) => ({
      sent: {
        symbol: "BTCUSDT",
        limit: "1000",
        startTime: String(since + from),
        endTime: String(since + from + WEEK - 1),
      },
      status: 200,
      weight: 5,
    });
    expect(tradeReads(fake)).toEqual([
      window(0), // empty
      window(WEEK), // the first fills (day 9): short, but the window ends before now
      // On from the day-9 window's last fill by id (the engine numbers an account's fills across symbols).
      { sent: { symbol: "BTCUSDT", limit: "1000", fromId: "5" }, status: 200, weight: 5 },
    ]);
    expect(gateway.weight().usedWeight1m - before).toBe(15);

    // No fills at all since startTime: one request per 7-day window up to now (days 0..34).
    const quiet = await gateway.getTrades(account, { symbol: "SOLUSDT", startTime: since });
    expect(quiet).toEqual([]);
    expect(
      tradeReads(fake)
        .filter((r) => r.sent.symbol === "SOLUSDT")
        .map((r) => r.sent.startTime),
    ).toEqual([0, 1, 2, 3, 4].map((week) => String(since + week * WEEK)));
    expect(gateway.weight().usedWeight1m - before).toBe(15 + 25);
  });

  it("is served by a fake that refuses what Binance refuses: a window over 7 days, fromId with a window, over 1000 a page", async () => {
    const { fake, clock } = await setupOnClock();
    const get = async (query: string) => {
      const q = `symbol=BTCUSDT&${query}&recvWindow=5000&timestamp=${clock.now()}`;
      const response = await fetch(
        `${fake.url}/fapi/v1/userTrades?${q}&signature=${signQuery(q, fake.apiSecret)}`,
        {
          headers: { "X-MBX-APIKEY": fake.apiKey },
        },
      );
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const start = clock.now() - WEEK;
    expect(await get(`startTime=${start}&endTime=${start + WEEK}`)).toEqual({ status: 200, body: [] });
    expect(await get(`startTime=${start - 1}&endTime=${start + WEEK}`)).toMatchObject({
      status: 400,
      body: { code: -1127 },
    });
    expect(await get(`startTime=${start}&fromId=1`)).toMatchObject({ status: 400, body: { code: -1128 } });
    expect(await get("fromId=1&limit=1001")).toMatchObject({ status: 400, body: { code: -1130 } });
  });
});

describe("trading rules", () => {
  it("reads exchangeInfo (public, weight 1) and gives the engine's rules exactly, as the simulated exchange does", async () => {
    const { fake, gateway, clock } = await setup();
    const rules = await gateway.getExchangeRules();
    expect(calls(fake, "GET", "/fapi/v1/exchangeInfo").map((r) => [r.status, r.weight, r.apiKey])).toEqual([
      [200, 1, null],
    ]);
    expect(gateway.weight().usedWeight1m).toBe(1);
    expect(rules.asOf).toBe(clock.now());
    const { symbols: expected } = await fake.engine.getExchangeRules();
    const plain = (list: typeof expected) =>
      list.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "string" ? v : v.toFixed()])),
      );
    expect(plain(rules.symbols)).toEqual(plain(expected));
    expect(rules.symbols.map((r) => r.symbol)).toEqual(fake.engine.symbols);
  });
});

describe("all-market mark prices", () => {
  /** Records ticks as "SYMBOL mark +ms" (ms after the clock's start). */
  function recorder(start: number) {
    const ticks: string[] = [];
    return {
      ticks,
      listener: (t: MarkPriceTick) => ticks.push(`${t.symbol} ${t.markPrice.toFixed()} +${t.at - start}`),
    };
  }

  it("shares one !markPrice@arr@1s socket on /market between subscribers, and closes it when the last leaves", async () => {
    const { fake, gateway, clock } = await setup();
    const first = recorder(clock.now());
    const second = recorder(clock.now());
    const offFirst = gateway.subscribeAllMarkPrices(first.listener);
    const offSecond = gateway.subscribeAllMarkPrices(second.listener);
    await gateway.streamsReady();
    expect(fake.marketStreams()).toEqual([["!markPrice@arr@1s"]]);
    // On connect: every listed symbol's mark (Binance's stream sends them all within a second).
    await waitFor(() => expect(first.ticks).toHaveLength(fake.engine.symbols.length));
    expect(first.ticks).toContain("BTCUSDT 65000 +0");

    await fake.engine.setMarkPrice("ETHUSDT", "3401.57");
    await waitFor(() => expect(second.ticks).toContain("ETHUSDT 3401.57 +0"));
    expect(first.ticks).toContain("ETHUSDT 3401.57 +0");

    offFirst();
    expect(fake.marketStreams()).toHaveLength(1);
    await fake.engine.setMarkPrice("ETHUSDT", "3402");
    await waitFor(() => expect(second.ticks).toContain("ETHUSDT 3402 +0"));
    expect(first.ticks).not.toContain("ETHUSDT 3402 +0");
    offSecond();
    await waitFor(() => expect(fake.marketStreams()).toEqual([]));
  });

  it("sends one message per engine step with every symbol that moved, as Binance's array", async () => {
    const { fake, gateway, clock } = await setup();
    const { ticks, listener } = recorder(clock.now());
    gateway.subscribeAllMarkPrices(listener);
    await gateway.streamsReady();
    await waitFor(() => expect(ticks).toHaveLength(fake.engine.symbols.length));
    const before = ticks.length;
    await fake.engine.tick(); // the walk moves every symbol
    await waitFor(() => expect(ticks.length).toBe(before + fake.engine.symbols.length));
  });

  it("reconnects after Binance drops the stream, and the ticks resume", async () => {
    const { fake, gateway, clock } = await setup();
    const { ticks, listener } = recorder(clock.now());
    gateway.subscribeAllMarkPrices(listener);
    await gateway.streamsReady();
    await fake.engine.setMarkPrice("SOLUSDT", "151.25");
    await waitFor(() => expect(ticks).toContain("SOLUSDT 151.25 +0"));

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fake.dropStreams();
    clock.advance(1000);
    await waitFor(async () => {
      vi.advanceTimersByTime(1000);
      await fake.engine.setMarkPrice("SOLUSDT", "152.5");
      expect(ticks).toContain("SOLUSDT 152.5 +1000");
    });
    expect(fake.marketStreams()).toEqual([["!markPrice@arr@1s"]]);
  });

  it("ignores a tick older than the last one for its symbol (other symbols keep their own order)", async () => {
    const { fake, gateway, clock } = await setup();
    const start = clock.now();
    const { ticks, listener } = recorder(start);
    gateway.subscribeAllMarkPrices(listener);
    await gateway.streamsReady();
    await waitFor(() => expect(ticks).toHaveLength(fake.engine.symbols.length));
    ticks.length = 0;

    clock.advance(1000);
    await fake.engine.setMarkPrice("BTCUSDT", "65002");
    fake.pushMarkPrice("BTCUSDT", "64000", start + 500); // late
    fake.pushMarkPrice("ETHUSDT", "3300", start + 500); // ETH's last was at +0
    fake.pushMarkPrice("BTCUSDT", "65003", start + 1000); // as new as the last: passed on
    await waitFor(() => expect(ticks).toContain("BTCUSDT 65003 +1000"));
    expect(ticks).toEqual(["BTCUSDT 65002 +1000", "ETHUSDT 3300 +500", "BTCUSDT 65003 +1000"]);
  });

  it("ignores a late tick on a symbol's own stream too", async () => {
    const { fake, gateway, clock } = await setup();
    const start = clock.now();
    const { ticks, listener } = recorder(start);
    gateway.subscribeMarkPrices(["BTCUSDT"], listener);
    await gateway.streamsReady();
    await waitFor(() => expect(ticks).toEqual(["BTCUSDT 65000 +0"]));
    clock.advance(2000);
    await fake.engine.setMarkPrice("BTCUSDT", "65010");
    fake.pushMarkPrice("BTCUSDT", "64990", start + 1000);
    fake.pushMarkPrice("BTCUSDT", "65011", start + 2000);
    await waitFor(() => expect(ticks).toContain("BTCUSDT 65011 +2000"));
    expect(ticks).toEqual(["BTCUSDT 65000 +0", "BTCUSDT 65010 +2000", "BTCUSDT 65011 +2000"]);
  });
});

describe("user data stream order and gaps", () => {
  const orderEvents = (events: AccountEvent[], clientOrderId: string) =>
    events.flatMap((e) =>
      e.type === "order" && e.order.clientOrderId === clientOrderId
        ? [`${e.order.status} ${e.order.filledQuantity.toFixed()}`]
        : [],
    );

  it("drops an ORDER_TRADE_UPDATE older than the last one for that order: a filled order never shows NEW again", async () => {
    const { fake, gateway, account, clock } = await setupOnClock();
    const events: AccountEvent[] = [];
    gateway.subscribeAccountEvents(account, (e) => events.push(e));
    await gateway.streamsReady();
    await gateway.placeOrder(account, { ...market("rest-1"), type: "LIMIT", price: new Decimal("64000") });
    clock.advance(1000);
    await fake.engine.setMarkPrice("BTCUSDT", "63900");
    await waitFor(() => expect(orderEvents(events, "rest-1")).toEqual(["NEW 0", "FILLED 0.01"]));

    // Binance sends the NEW update again, late (its T is a second older).
    const accountId = fake.accounts[0]!.accountId;
    const late = fake.userMessages.find(
      ({ message }) =>
        (message as { e?: string; o?: { c?: string; X?: string } }).e === "ORDER_TRADE_UPDATE" &&
        (message as { o: { c: string; X: string } }).o.c === "rest-1" &&
        (message as { o: { c: string; X: string } }).o.X === "NEW",
    )?.message;
    expect(late).toBeDefined();
    fake.pushUserMessage(accountId, late!);
    await gateway.placeOrder(account, market("after-late"));
    await waitFor(() => expect(orderEvents(events, "after-late")).toEqual(["FILLED 0.01"]));
    expect(orderEvents(events, "rest-1")).toEqual(["NEW 0", "FILLED 0.01"]);
  });

  it("loses what happens while the stream is down, says once that it is back, and REST has the truth", async () => {
    const { fake, gateway, account } = await setup();
    const events: AccountEvent[] = [];
    gateway.subscribeAccountEvents(account, (e) => events.push(e));
    await gateway.streamsReady();

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    fake.dropStreams();
    // Filled while the gateway is not connected: Binance does not send it again on reconnect.
    await fake.engine.placeOrder({ id: fake.accounts[0]!.accountId }, market("while-down"));
    await waitFor(() => {
      vi.advanceTimersByTime(1000);
      expect(events.filter((e) => e.type === "stream-restarted")).toHaveLength(1);
    });
    vi.useRealTimers();
    await gateway.streamsReady();
    await gateway.placeOrder(account, market("after-drop"));
    await waitFor(() => expect(orderEvents(events, "after-drop")).toEqual(["FILLED 0.01"]));

    expect(orderEvents(events, "while-down")).toEqual([]);
    expect(events.filter((e) => e.type === "stream-restarted")).toHaveLength(1);
    // What the desk's reconcile on stream-restarted reads:
    const missed = await gateway.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "while-down" });
    expect(missed?.status).toBe("FILLED");
  });

  it("cannot tell a message lost on a live connection: Binance's stream has no sequence number to show the gap", async () => {
    const { fake, gateway, account } = await setup();
    const events: AccountEvent[] = [];
    gateway.subscribeAccountEvents(account, (e) => events.push(e));
    await gateway.streamsReady();
    fake.loseUserMessages(1, (m) => m.e === "ORDER_TRADE_UPDATE");
    await gateway.placeOrder(account, market("silent"));
    await gateway.placeOrder(account, market("heard"));
    await waitFor(() => expect(orderEvents(events, "heard")).toEqual(["FILLED 0.01"]));

    expect(
      fake.userMessages.filter((m) => m.lost).map((m) => (m.message as { o: { c: string } }).o.c),
    ).toEqual(["silent"]);
    expect(orderEvents(events, "silent")).toEqual([]);
    // Nothing says so: no restart, no marker. Only a read of the exchange finds the fill.
    expect(events.some((e) => e.type === "stream-restarted")).toBe(false);
    expect((await gateway.getOrder(account, { symbol: "BTCUSDT", clientOrderId: "silent" }))?.status).toBe(
      "FILLED",
    );
  });
});
