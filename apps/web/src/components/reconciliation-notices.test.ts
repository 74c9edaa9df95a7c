import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { closedNoticeText, undismissed } from "../recently-closed.ts";
import type { RecentlyClosed } from "../types.ts";
import { ExternalOrdersBadge } from "./ExternalOrdersBadge.tsx";
import { RecentlyClosedNotices } from "./RecentlyClosedNotices.tsx";

function closed(overrides: Partial<RecentlyClosed> = {}): RecentlyClosed {
  return {
    positionId: "p1",
    accountId: "a",
    symbol: "BTCUSDT",
    side: "LONG",
    quantity: "0.500000000000000000",
    closedBy: "STOP_LOSS",
    closedAt: "2026-11-24T09:00:00.000Z",
    realizedPnl: "-12.3",
    ...overrides,
  };
}

describe("ExternalOrdersBadge", () => {
  it("names the count of outside orders for screen readers and explains itself in a title", () => {
    const html = renderToStaticMarkup(createElement(ExternalOrdersBadge, { count: 1 }));
    expect(html).toContain('role="img"');
    expect(html).toContain('aria-label="1 order placed outside the desk"');
    expect(html).toMatch(/title="1 order placed outside the desk: found on the exchange by reconciliation/);
    expect(renderToStaticMarkup(createElement(ExternalOrdersBadge, { count: 3 }))).toContain(
      'aria-label="3 orders placed outside the desk"',
    );
  });

  it("shows nothing on a position without outside orders", () => {
    expect(renderToStaticMarkup(createElement(ExternalOrdersBadge, { count: 0 }))).toBe("");
  });
});

describe("recently closed notices", () => {
  it("words the notice with the app's quantity and signed PnL formatting", () => {
    expect(closedNoticeText(closed())).toBe(
      "BTCUSDT LONG 0.5 was closed on the exchange (stop-loss fired) — realized PnL -12.30 USDT",
    );
    expect(
      closedNoticeText(
        closed({
          symbol: "ETHUSDT",
          side: "SHORT",
          quantity: "2",
          closedBy: "TAKE_PROFIT",
          realizedPnl: "1250",
        }),
      ),
    ).toBe("ETHUSDT SHORT 2 was closed on the exchange (take-profit fired) — realized PnL +1,250.00 USDT");
    expect(closedNoticeText(closed({ closedBy: "EXCHANGE", realizedPnl: "0" }))).toBe(
      "BTCUSDT LONG 0.5 was closed on the exchange (not from the desk) — realized PnL 0.00 USDT",
    );
  });

  it("renders one status per position, the PnL red or green, each with a dismiss button", () => {
    const html = renderToStaticMarkup(
      createElement(RecentlyClosedNotices, {
        closed: [
          closed(),
          closed({
            positionId: "p2",
            closedBy: "TAKE_PROFIT",
            closedAt: "2026-11-24T09:30:00.000Z",
            realizedPnl: "40.5",
          }),
        ],
      }),
    );
    expect(html.match(/role="status"/g)).toHaveLength(2);
    expect(html).toContain('<span class="loss">-12.30 USDT</span>');
    expect(html).toContain('<span class="profit">+40.50 USDT</span>');
    expect(html).toContain('dateTime="2026-11-24T09:00:00.000Z"');
    const dismissNames = html.match(/aria-label="Dismiss notice: BTCUSDT long 0.5 closed at [^"]+"/g);
    expect(new Set(dismissNames).size).toBe(2); // one name per notice
  });

  it("renders nothing when nothing was closed on the exchange", () => {
    expect(renderToStaticMarkup(createElement(RecentlyClosedNotices, { closed: [] }))).toBe("");
  });

  it("drops dismissed notices and keeps the server's order", () => {
    const list = [closed({ positionId: "p1" }), closed({ positionId: "p2" }), closed({ positionId: "p3" })];
    expect(undismissed(list, new Set(["p2"])).map((p) => p.positionId)).toEqual(["p1", "p3"]);
  });
});
