import { describe, expect, it } from "vitest";
import { signQuery, verifySignature } from "./sign.ts";

// The worked example from Binance's USD-M futures "General Info" page (SIGNED endpoint examples
// for POST /fapi/v1/order, HMAC keys, example 1): this exact query string and secret.
const docsSecret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
const docsQuery =
  "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
const docsSignature = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";

describe("signQuery", () => {
  it("reproduces the signature in Binance's API docs", () => {
    expect(signQuery(docsQuery, docsSecret)).toBe(docsSignature);
  });

  it("signs the exact bytes: reordering parameters changes the signature", () => {
    const reordered =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943";
    expect(signQuery(reordered, docsSecret)).not.toBe(docsSignature);
  });
});

describe("verifySignature", () => {
  it("accepts the docs' signature in either case and rejects a tampered query or wrong secret", () => {
    expect(verifySignature(docsQuery, docsSecret, docsSignature)).toBe(true);
    expect(verifySignature(docsQuery, docsSecret, docsSignature.toUpperCase())).toBe(true);
    expect(verifySignature(docsQuery.replace("quantity=1", "quantity=2"), docsSecret, docsSignature)).toBe(
      false,
    );
    expect(verifySignature(docsQuery, `${docsSecret.slice(0, -1)}0`, docsSignature)).toBe(false);
    expect(verifySignature(docsQuery, docsSecret, "abc")).toBe(false);
  });
});
