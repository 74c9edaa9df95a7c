import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SymbolRules } from "../gateway.ts";
import { toSymbolRules } from "./wire.ts";

// An excerpt of GET /fapi/v1/exchangeInfo in Binance's shape (field order, string amounts with
// Binance's trailing zeros, every filter type it sends): two perpetuals, a 1000-multiplier
// perpetual, a quarterly contract and a symbol that is SETTLING.
const recorded: unknown = JSON.parse(
  readFileSync(new URL("./testing/exchange-info.usdm.json", import.meta.url), "utf8"),
);

/** The rules with every amount as its exact decimal string. */
const plain = (rules: SymbolRules[]) =>
  rules.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([key, value]) => [key, typeof value === "string" ? value : value.toFixed()]),
    ),
  );

describe("exchangeInfo", () => {
  it("parses every symbol of a recorded document into exact trading rules", () => {
    expect(plain(toSymbolRules(recorded))).toEqual([
      {
        symbol: "BTCUSDT",
        status: "TRADING",
        baseAsset: "BTC",
        quoteAsset: "USDT",
        tickSize: "0.1",
        stepSize: "0.001",
        minQuantity: "0.001",
        maxQuantity: "1000",
        marketStepSize: "0.001",
        marketMinQuantity: "0.001",
        marketMaxQuantity: "120",
        minNotional: "100",
      },
      {
        symbol: "ETHUSDT",
        status: "TRADING",
        baseAsset: "ETH",
        quoteAsset: "USDT",
        tickSize: "0.01",
        stepSize: "0.001",
        minQuantity: "0.001",
        maxQuantity: "10000",
        marketStepSize: "0.001",
        marketMinQuantity: "0.001",
        marketMaxQuantity: "2000",
        minNotional: "20",
      },
      {
        symbol: "1000PEPEUSDT",
        status: "TRADING",
        baseAsset: "1000PEPE",
        quoteAsset: "USDT",
        tickSize: "0.0000001",
        stepSize: "1",
        minQuantity: "1",
        maxQuantity: "80000000",
        marketStepSize: "1",
        marketMinQuantity: "1",
        marketMaxQuantity: "20000000",
        minNotional: "5",
      },
      {
        symbol: "BTCUSDT_260327",
        status: "TRADING",
        baseAsset: "BTC",
        quoteAsset: "USDT",
        tickSize: "0.1",
        stepSize: "0.001",
        minQuantity: "0.001",
        maxQuantity: "500",
        marketStepSize: "0.001",
        marketMinQuantity: "0.001",
        marketMaxQuantity: "50",
        minNotional: "5",
      },
      {
        symbol: "LINAUSDT",
        status: "SETTLING",
        baseAsset: "LINA",
        quoteAsset: "USDT",
        tickSize: "0.000001",
        stepSize: "1",
        minQuantity: "1",
        maxQuantity: "50000000",
        marketStepSize: "1",
        marketMinQuantity: "1",
        marketMaxQuantity: "10000000",
        minNotional: "5",
      },
    ]);
  });

  it("ignores filter types it does not use, and refuses a symbol missing one it needs", () => {
    const doc = recorded as { symbols: { symbol: string; filters: { filterType: string }[] }[] };
    const btc = doc.symbols[0]!;
    const withNewFilter = {
      symbols: [{ ...btc, filters: [...btc.filters, { filterType: "SOME_FUTURE_FILTER", limit: 3 }] }],
    };
    expect(toSymbolRules(withNewFilter).map((r) => r.tickSize.toFixed())).toEqual(["0.1"]);
    const noMinNotional = {
      symbols: [{ ...btc, filters: btc.filters.filter((f) => f.filterType !== "MIN_NOTIONAL") }],
    };
    expect(() => toSymbolRules(noMinNotional)).toThrow(/BTCUSDT has no MIN_NOTIONAL filter/);
  });

  it("refuses an amount sent as a JSON number", () => {
    const doc = recorded as { symbols: { filters: { filterType: string }[] }[] };
    const btc = doc.symbols[0]!;
    const numeric = {
      symbols: [
        {
          ...btc,
          filters: btc.filters.map((f) => (f.filterType === "PRICE_FILTER" ? { ...f, tickSize: 0.1 } : f)),
        },
      ],
    };
    expect(() => toSymbolRules(numeric)).toThrow();
  });
});
