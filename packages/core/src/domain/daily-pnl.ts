import { DAILY_USER_PNL_VIEW, Prisma } from "@tradedesk/db";
import type { DailyPnlQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError } from "./errors.ts";
import type { DailyPnlView, HistorySummaryView, HistoryTotalsView } from "./views.ts";

/** What a user's history may span at most in one answer (ten years of days). */
export const MAX_HISTORY_DAYS = 3660;

/**
 * One row of the answer: a day (the rollup's, or daily_pnl()'s), or (day null) the range's totals,
 * which also carry from which day the answer is live and when the views were refreshed; amounts as
 * wire decimals already.
 */
interface DayRow {
  day: string | null;
  realized_pnl: string;
  fees: string;
  net: string;
  volume: string;
  closed_positions: number;
  winning_positions: number;
  filled_orders: number;
  live_from: string | null;
  view_refreshed_at: Date | null;
}

/**
 * The user's realized PnL, fees and volume per UTC day, summed over their accounts (or one) and
 * symbols (or one), with the range's totals, in one statement. Days before the views' last
 * refresh come from them, the refresh's day and any since live from positions and orders, so the
 * newest days are exact. Over every account and symbol, the days the rollup daily_user_pnl holds
 * are its rows as they are (printed at refresh), read straight from its index; the database's
 * daily_pnl() answers the rest (the live days, the totals, one account's or symbol's days), its
 * plans kept per connection. Migration 20261202090000_history_read_in_the_database says why.
 */
export function dailyPnl(deps: DeskDeps, userId: string, query: DailyPnlQuery): Promise<DailyPnlView> {
  return historyOf(deps, userId, query, { days: true });
}

/** The same range's totals, without the days. */
export async function historySummary(
  deps: DeskDeps,
  userId: string,
  query: DailyPnlQuery,
): Promise<HistorySummaryView> {
  const { days: _days, ...summary } = await historyOf(deps, userId, query, { days: false });
  return summary;
}

async function historyOf(
  deps: DeskDeps,
  userId: string,
  query: DailyPnlQuery,
  answer: { days: boolean },
): Promise<DailyPnlView> {
  const asOf = deps.now();
  const { from, to } = rangeOf(query, asOf);
  const account = query.accountId ?? null;
  const symbol = query.symbol ?? null;
  const fromRollup = answer.days && account === null && symbol === null;
  const rows = await deps.prisma.$queryRaw<DayRow[]>`
    SELECT v.day::text AS day, v.realized_pnl, v.fees, v.net, v.volume, v.closed_positions,
           v.winning_positions, v.filled_orders, NULL AS live_from, NULL::timestamptz AS view_refreshed_at
      FROM ${Prisma.raw(DAILY_USER_PNL_VIEW)} v
     WHERE ${fromRollup} AND v.user_id = ${userId}::uuid AND v.day <= ${to}::date
       AND v.day >= coalesce(${from}::date, '-infinity') AND v.day < history_live_from(${asOf}::timestamptz, ${from}::date)
    UNION ALL
    SELECT day, realized_pnl, fees, net, volume, closed_positions, winning_positions, filled_orders,
           live_from::text, view_refreshed_at
      FROM daily_pnl(${userId}::uuid, ${account}::uuid, ${symbol}::text, ${from}::date, ${to}::date,
                     ${asOf}::timestamptz, ${answer.days})`;
  // The totals' row is the one without a day. The view's days and the live days (all after them)
  // arrive nearly in order: the sort is a pass over them.
  const totals = rows.find((row) => row.day === null)!;
  const days = rows.filter((row) => row.day !== null).sort((a, b) => (a.day! < b.day! ? -1 : 1));
  return {
    from,
    to,
    days: days.map((row) => ({ day: row.day!, ...amountsOf(row) })),
    totals: amountsOf(totals),
    asOf: asOf.toISOString(),
    liveFrom: totals.live_from!,
    viewRefreshedAt: totals.view_refreshed_at?.toISOString() ?? null,
  };
}

function amountsOf(row: DayRow): HistoryTotalsView {
  return {
    realizedPnl: row.realized_pnl,
    fees: row.fees,
    net: row.net,
    volume: row.volume,
    closedPositions: row.closed_positions,
    winningPositions: row.winning_positions,
    filledOrders: row.filled_orders,
  };
}

/** The query's first (null: the beginning) and last UTC day. */
function rangeOf(query: DailyPnlQuery, now: Date): { from: string | null; to: string } {
  const today = dayOf(now);
  if (query.lastDays !== undefined) {
    if (!Number.isInteger(query.lastDays) || query.lastDays < 1 || query.lastDays > MAX_HISTORY_DAYS) {
      throw new InvalidCommandError("lastDays", `must be a whole number from 1 to ${MAX_HISTORY_DAYS}`);
    }
    return { from: addDays(today, 1 - query.lastDays), to: today };
  }
  const to = query.to ?? today;
  const from = query.from ?? null;
  if (from && from > to) throw new InvalidCommandError("from", `must not be after ${to}`);
  return { from, to };
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10);
function addDays(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00.000Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return dayOf(at);
}
