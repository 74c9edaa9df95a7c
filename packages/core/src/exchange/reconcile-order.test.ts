import Decimal from "decimal.js";
import { describe, expect, it, vi } from "vitest";
import {
  ExchangeOrderStatusUnknownError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
} from "./errors.ts";
import type { ExchangeOrder } from "./gateway.ts";
import { placeWithReconciliation } from "./reconcile-order.ts";

const order: ExchangeOrder = {
  exchangeOrderId: "1",
  clientOrderId: "c-1",
  symbol: "BTCUSDT",
  side: "BUY",
  type: "MARKET",
  status: "FILLED",
  quantity: new Decimal("0.01"),
  filledQuantity: new Decimal("0.01"),
  averagePrice: new Decimal("65000"),
  price: null,
  triggerPrice: null,
  reduceOnly: false,
};
const isUnknown = (e: unknown) => e instanceof ExchangeUnavailableError;

describe("placeWithReconciliation", () => {
  it("returns the placed order without looking it up", async () => {
    const lookup = vi.fn(async () => null);
    await expect(
      placeWithReconciliation({
        place: async () => order,
        lookup,
        isUnknownOutcome: isUnknown,
        clientOrderId: "c-1",
      }),
    ).resolves.toBe(order);
    expect(lookup).not.toHaveBeenCalled();
  });

  it("returns the order found by clientOrderId when the outcome was unknown, placing once", async () => {
    const failure = new ExchangeUnavailableError("502 after accept");
    const place = vi.fn(async (): Promise<ExchangeOrder> => {
      throw failure;
    });
    const lookup = vi.fn(async (_placeError: unknown) => order);
    await expect(
      placeWithReconciliation({ place, lookup, isUnknownOutcome: isUnknown, clientOrderId: "c-1" }),
    ).resolves.toBe(order);
    expect(place).toHaveBeenCalledTimes(1);
    // The lookup learns what went wrong (Binance: when the request stops being processable).
    expect(lookup).toHaveBeenCalledWith(failure);
  });

  it("says 'unavailable, safe to retry' when the lookup finds nothing", async () => {
    const failure = placeWithReconciliation({
      place: async () => {
        throw new ExchangeUnavailableError("timeout");
      },
      lookup: async () => null,
      isUnknownOutcome: isUnknown,
      clientOrderId: "c-1",
    });
    await expect(failure).rejects.toBeInstanceOf(ExchangeUnavailableError);
    await expect(failure).rejects.toThrow(/safe to retry/);
  });

  it("says 'status unknown' when the lookup fails as well", async () => {
    const failure = placeWithReconciliation({
      place: async () => {
        throw new ExchangeUnavailableError("503");
      },
      lookup: async () => {
        throw new ExchangeUnavailableError("503 again");
      },
      isUnknownOutcome: isUnknown,
      clientOrderId: "c-1",
    });
    await expect(failure).rejects.toBeInstanceOf(ExchangeOrderStatusUnknownError);
    await expect(failure).rejects.toMatchObject({ clientOrderId: "c-1" });
  });

  it("rethrows a definite failure untouched, without a lookup", async () => {
    const rejected = new ExchangeRejectedError("insufficient margin", -2019);
    const lookup = vi.fn(async () => order);
    await expect(
      placeWithReconciliation({
        place: async () => {
          throw rejected;
        },
        lookup,
        isUnknownOutcome: isUnknown,
      }),
    ).rejects.toBe(rejected);
    expect(lookup).not.toHaveBeenCalled();
  });
});
