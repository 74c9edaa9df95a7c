import { formatQuantity, formatSigned } from "./money.ts";
import type { RecentlyClosed } from "./types.ts";

/** Why the exchange closed it, in the notice's words. */
const REASONS: Record<RecentlyClosed["closedBy"], string> = {
  STOP_LOSS: "stop-loss fired",
  TAKE_PROFIT: "take-profit fired",
  EXCHANGE: "not from the desk",
};

/**
 * "BTCUSDT LONG 0.5 was closed on the exchange (stop-loss fired) — realized PnL -12.30 USDT":
 * the app's own quantity and signed PnL formatting, from the decimal strings.
 */
export function closedNoticeParts(closed: RecentlyClosed): { text: string; pnl: string } {
  return {
    text: `${closed.symbol} ${closed.side} ${formatQuantity(closed.quantity)} was closed on the exchange (${REASONS[closed.closedBy]}) — realized PnL`,
    pnl: `${formatSigned(closed.realizedPnl)} USDT`,
  };
}

export function closedNoticeText(closed: RecentlyClosed): string {
  const { text, pnl } = closedNoticeParts(closed);
  return `${text} ${pnl}`;
}

/** The notices still to show: the ones the trader has not dismissed, in the server's order. */
export function undismissed(closed: RecentlyClosed[], dismissed: ReadonlySet<string>): RecentlyClosed[] {
  return closed.filter((position) => !dismissed.has(position.positionId));
}

const STORAGE_KEY = "tradedesk.dismissed-closes";

/** Dismissed notices stay dismissed for the browser session (sessionStorage), like the token. */
export function readDismissed(): Set<string> {
  try {
    const stored = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    const parsed: unknown = stored ? JSON.parse(stored) : [];
    return new Set(Array.isArray(parsed) ? parsed.filter((id) => typeof id === "string") : []);
  } catch {
    return new Set(); // storage disabled or garbled: memory only
  }
}

export function storeDismissed(dismissed: ReadonlySet<string>): void {
  try {
    globalThis.sessionStorage?.setItem(STORAGE_KEY, JSON.stringify([...dismissed]));
  } catch {
    // memory only
  }
}
