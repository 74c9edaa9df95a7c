import { describe, expect, it } from "vitest";
import { ExchangeRejectedError } from "../errors.ts";
import { BinanceUnknownOutcomeError, createBinanceRestClient } from "./rest-client.ts";
import { createWeightBudget } from "./weight-budget.ts";

function clientAnswering(status: number, body: string) {
  const now = () => 1_700_000_000_000;
  return createBinanceRestClient({
    baseUrl: "http://127.0.0.1:9",
    recvWindowMs: 5000,
    timeoutMs: 1000,
    budget: createWeightBudget({ limitPerMinute: 100, now }),
    fetch: async () => new Response(body, { status }),
    now,
  });
}

const order = { method: "POST", path: "/fapi/v1/order", weight: 0, security: "NONE" } as const;

describe("createBinanceRestClient signing", () => {
  it("sends the exact query of Binance's docs example (POST /fapi/v1/order, HMAC example 1) with its signature", async () => {
    const sent: { url: string; headers: Record<string, string> }[] = [];
    const now = () => 1591702613943;
    const client = createBinanceRestClient({
      baseUrl: "http://127.0.0.1:9",
      recvWindowMs: 5000,
      timeoutMs: 1000,
      budget: createWeightBudget({ limitPerMinute: 100, now }),
      fetch: async (url, init) => {
        sent.push({ url: String(url), headers: init?.headers as Record<string, string> });
        return new Response("{}", { status: 200 });
      },
      now,
    });
    const apiKey = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
    await client.request({
      method: "POST",
      path: "/fapi/v1/order",
      weight: 0,
      security: "SIGNED",
      credentials: () => ({
        apiKey,
        apiSecret: "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9",
      }),
      params: {
        symbol: "BTCUSDT",
        side: "BUY",
        type: "LIMIT",
        quantity: "1",
        price: "9000",
        timeInForce: "GTC",
      },
    });
    expect(sent[0]?.url).toBe(
      "http://127.0.0.1:9/fapi/v1/order?symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC" +
        "&recvWindow=5000&timestamp=1591702613943&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9",
    );
    expect(sent[0]?.headers).toEqual({ "X-MBX-APIKEY": apiKey });
  });
});

describe("createBinanceRestClient outcome mapping", () => {
  it.each([500, 502, 503, 408])("treats HTTP %i as an unknown outcome, not a failure", async (status) => {
    const client = clientAnswering(
      status,
      '{"code":-1007,"msg":"Timeout waiting for response from backend server."}',
    );
    await expect(client.request(order)).rejects.toBeInstanceOf(BinanceUnknownOutcomeError);
  });

  it("tells when a signed request with an unknown outcome can no longer be processed: timestamp + recvWindow", async () => {
    const now = () => 1_700_000_000_000;
    const client = createBinanceRestClient({
      baseUrl: "http://127.0.0.1:9",
      recvWindowMs: 5000,
      timeoutMs: 1000,
      budget: createWeightBudget({ limitPerMinute: 100, now }),
      fetch: async () => new Response('{"code":-1001,"msg":"Internal error"}', { status: 503 }),
      now,
    });
    await expect(
      client.request({ ...order, security: "SIGNED", credentials: () => ({ apiKey: "k", apiSecret: "s" }) }),
    ).rejects.toMatchObject({ name: "BinanceUnknownOutcomeError", expiresAt: 1_700_000_005_000 });
    await expect(client.request(order)).rejects.toMatchObject({ expiresAt: null });
  });

  it("turns a 4xx with Binance's error body into a rejection carrying the code", async () => {
    const client = clientAnswering(400, '{"code":-2019,"msg":"Margin is insufficient."}');
    await expect(client.request(order)).rejects.toMatchObject({
      constructor: ExchangeRejectedError,
      code: -2019,
      message: expect.stringContaining("Margin is insufficient."),
    });
  });

  it("treats a connection failure as unknown: the request may have gone out", async () => {
    const now = () => 0;
    const client = createBinanceRestClient({
      baseUrl: "http://127.0.0.1:9",
      recvWindowMs: 5000,
      timeoutMs: 1000,
      budget: createWeightBudget({ limitPerMinute: 100, now }),
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
      now,
    });
    await expect(client.request(order)).rejects.toBeInstanceOf(BinanceUnknownOutcomeError);
  });
});
