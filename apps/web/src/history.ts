import type { RouterInputs, RouterOutputs } from "@tradedesk/api";
import { formatPercent } from "./money.ts";

/**
 * How long the history's queries (curve, summary, symbols, closed positions, trades) count as
 * fresh: history changes only when the trader's data does, and that change is pushed (the
 * dashboard then invalidates them), so a panel mounted again within this reuses what it had.
 */
export const HISTORY_STALE_MS = 10_000;

/** The range the dashboard's PnL curve and history summary show. */
export const HISTORY_RANGE = { lastDays: 90 } as const;

/** The symbol the PnL curve and history summary are filtered to; null: every symbol. */
export type HistorySymbol = string | null;

/**
 * What the curve and the summary ask for: the symbol only when one is chosen, so "All symbols"
 * keeps the query (and its cache entry) it always had, and each symbol gets its own.
 */
export function historyQuery(symbol: HistorySymbol): NonNullable<RouterInputs["history"]["summary"]> {
  return symbol === null ? HISTORY_RANGE : { ...HISTORY_RANGE, symbol };
}

/** A heading or label naming the chosen symbol: "Last 90 days · BTCUSDT"; as is for all symbols. */
export function withSymbol(label: string, symbol: HistorySymbol): string {
  return symbol === null ? label : `${label} · ${symbol}`;
}

/** The history summary's heading: the range, and the symbol when one is chosen. */
export function historyHeading(symbol: HistorySymbol): string {
  return withSymbol(`Last ${HISTORY_RANGE.lastDays} days`, symbol);
}

/** Where the symbols the history can be filtered to come from. */
export interface SymbolsToChoose {
  /** What the trader's exchanges list now. */
  listed: readonly string[];
  /** What they have history in (history.symbols), delisted symbols included. */
  traded: readonly string[];
  /** What they hold (open positions). */
  held: readonly string[];
}

/**
 * The symbols the trader can filter the history to: those their exchanges list, those they
 * traded (delisted since or not) and those they hold, once each, in order; the chosen one stays
 * listed even if it is none of these.
 */
export function historySymbolChoices(
  { listed, traded, held }: SymbolsToChoose,
  chosen: HistorySymbol,
): string[] {
  const all = new Set([...listed, ...traded, ...held, ...(chosen === null ? [] : [chosen])]);
  return [...all].sort((a, b) => a.localeCompare(b));
}

type Freshness = Pick<RouterOutputs["history"]["summary"], "asOf" | "liveFrom" | "viewRefreshedAt">;
type Totals = RouterOutputs["history"]["summary"]["totals"];

/** The share of closed positions that made money, with the counts behind it; none closed: a dash. */
export function describeWinRate({
  closedPositions,
  winningPositions,
}: Pick<Totals, "closedPositions" | "winningPositions">): string {
  if (closedPositions === 0) return "–";
  return `${formatPercent(winningPositions / closedPositions)} (${winningPositions} of ${closedPositions})`;
}

/**
 * How fresh the history is, in words: the days read live (today, and every day since the daily
 * view's last refresh) are as of the answer; earlier days as of that refresh.
 */
export function describeFreshness(history: Freshness, timeZone?: string): string {
  const time = new Intl.DateTimeFormat("en-GB", { timeStyle: "medium", ...(timeZone ? { timeZone } : {}) });
  const live = `live as of ${time.format(new Date(history.asOf))}`;
  if (history.viewRefreshedAt === null) return `Every day ${live}.`;
  const today = history.asOf.slice(0, 10);
  const from = history.liveFrom === today ? "Today (UTC)" : `From ${utcDay(history.liveFrom)} (UTC)`;
  const refreshed = new Date(history.viewRefreshedAt);
  const sameDay = dayIn(refreshed, timeZone) === dayIn(new Date(history.asOf), timeZone);
  const at = new Intl.DateTimeFormat("en-GB", {
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  }).format(refreshed);
  return `${from} ${live}; earlier days as of ${at} (the daily view's last refresh).`;
}

const utcDay = (day: string) =>
  new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(
    new Date(`${day}T00:00:00Z`),
  );
const dayIn = (at: Date, timeZone?: string) =>
  new Intl.DateTimeFormat("en-CA", timeZone ? { timeZone } : {}).format(at);
