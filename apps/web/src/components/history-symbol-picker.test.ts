import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { HistorySymbolPicker } from "./HistorySymbolPicker.tsx";

const picker = (symbol: string | null) =>
  renderToStaticMarkup(
    createElement(HistorySymbolPicker, { symbol, choices: ["BTCUSDT", "ETHUSDT"], onChange: () => {} }),
  );

describe("HistorySymbolPicker", () => {
  it("is a labelled select offering all symbols first, then each symbol", () => {
    const html = picker(null);
    const id = /<select id="([^"]+)"/.exec(html)?.[1];
    expect(html).toContain(`<label for="${id}">History for</label>`);
    expect([...html.matchAll(/<option value="([^"]*)"[^>]*>([^<]+)</g)].map((m) => [m[1], m[2]])).toEqual([
      ["", "All symbols"],
      ["BTCUSDT", "BTCUSDT"],
      ["ETHUSDT", "ETHUSDT"],
    ]);
    expect(html).toMatch(/<option value="" selected="">All symbols/);
  });

  it("shows the chosen symbol as selected", () => {
    expect(picker("ETHUSDT")).toMatch(/<option value="ETHUSDT" selected="">ETHUSDT/);
  });
});
