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
