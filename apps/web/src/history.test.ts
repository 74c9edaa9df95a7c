import { describe, expect, it } from "vitest";
import {
  describeFreshness,
  describeWinRate,
  historyHeading,
  historyQuery,
  historySymbolChoices,
  withSymbol,
} from "./history.ts";

describe("the history's freshness in words", () => {
  it("says today is live and earlier days are as of the view's refresh", () => {
    expect(
      describeFreshness(
        {
          asOf: "2026-11-30T10:00:03.000Z",
          liveFrom: "2026-11-30",
          viewRefreshedAt: "2026-11-30T09:55:00.000Z",
        },
        "UTC",
      ),
    ).toBe("Today (UTC) live as of 10:00:03; earlier days as of 09:55 (the daily view's last refresh).");
  });

  it("says from which day it is live when the view was last refreshed before today", () => {
    expect(
      describeFreshness(
        {
          asOf: "2026-11-30T10:00:03.000Z",
          liveFrom: "2026-11-28",
          viewRefreshedAt: "2026-11-28T23:10:00.000Z",
        },
        "UTC",
      ),
    ).toBe(
      "From 28 Nov (UTC) live as of 10:00:03; earlier days as of 28 Nov, 23:10 (the daily view's last refresh).",
    );
  });

  it("says every day is live when no refresh is recorded", () => {
    expect(
      describeFreshness(
        { asOf: "2026-11-30T10:00:03.000Z", liveFrom: "1970-01-01", viewRefreshedAt: null },
        "UTC",
      ),
    ).toBe("Every day live as of 10:00:03.");
  });
});

describe("the history of one symbol or all", () => {
  it("asks for the range alone for all symbols, and with the symbol once one is chosen", () => {
    expect(historyQuery(null)).toEqual({ lastDays: 90 });
    expect(historyQuery("BTCUSDT")).toEqual({ lastDays: 90, symbol: "BTCUSDT" });
  });

  it("names the chosen symbol in headings and labels", () => {
    expect(historyHeading("BTCUSDT")).toBe("Last 90 days · BTCUSDT");
    expect(historyHeading(null)).toBe("Last 90 days");
    expect(withSymbol("Realized PnL", "BTCUSDT")).toBe("Realized PnL · BTCUSDT");
    expect(withSymbol("Realized PnL", null)).toBe("Realized PnL");
  });

  it("offers the listed, traded and held symbols once each, in order, and keeps the chosen one", () => {
    const none = { listed: [], traded: [], held: [] };
    expect(
      historySymbolChoices({ ...none, listed: ["ETHUSDT", "BTCUSDT"], held: ["SOLUSDT", "BTCUSDT"] }, null),
    ).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    expect(historySymbolChoices(none, "DOGEUSDT")).toEqual(["DOGEUSDT"]);
  });

  it("offers a symbol traded in the past that no exchange lists any more (delisted)", () => {
    expect(
      historySymbolChoices(
        { listed: ["BTCUSDT", "ETHUSDT"], traded: ["LUNAUSDT", "BTCUSDT"], held: ["ETHUSDT"] },
        null,
      ),
    ).toEqual(["BTCUSDT", "ETHUSDT", "LUNAUSDT"]);
  });
});

describe("the win rate", () => {
  it("is the share of closed positions that made money, with the counts; a dash with none closed", () => {
    expect(describeWinRate({ closedPositions: 3, winningPositions: 2 })).toBe("66.7% (2 of 3)");
    expect(describeWinRate({ closedPositions: 4, winningPositions: 0 })).toBe("0.0% (0 of 4)");
    expect(describeWinRate({ closedPositions: 0, winningPositions: 0 })).toBe("–");
  });
});
