import type { DailyPnlQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError } from "./errors.ts";
import type { DailyPnlDayView, DailyPnlView, HistorySummaryView, HistoryTotalsView } from "./views.ts";

/** What a user's history may span at most in one answer (ten years of days). */
export const MAX_HISTORY_DAYS = 3660;

/**
 * One row of daily_pnl()'s answer: a day (a live one, or one account's or symbol's), a month of
 * the rollup's days (`days`), or (neither) the range's totals, which also carry from which day
 * the answer is live and when the views were refreshed; amounts as wire decimals already.
 */
interface AnswerRow {
  day: string | null;
  days: MonthDay[] | null;
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

/** A day in daily_user_pnl_by_month's JSON: [day, realized PnL, fees, net, volume, closed, won, filled]. */
type MonthDay = [string, string, string, string, string, number, number, number];

/**
 * The user's realized PnL, fees and volume per UTC day, summed over their accounts (or one) and
 * symbols (or one), with the range's totals, in one call of the database's daily_pnl() (its plans
 * kept per connection). Days before the views' last refresh come from them, the refresh's day and
 * any since live from positions and orders, so the newest days are exact. Over every account and
 * symbol, the views' days come a month to a row, printed at refresh (daily_user_pnl_by_month).
 * Migrations 20261202090000_history_read_in_the_database and 20261205090000_history_days_by_month
 * say why.
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
  const rows = await deps.prisma.$queryRaw<AnswerRow[]>`
    SELECT day, days, realized_pnl, fees, net, volume, closed_positions, winning_positions,
           filled_orders, live_from::text, view_refreshed_at
      FROM daily_pnl(${userId}::uuid, ${query.accountId ?? null}::uuid, ${query.symbol ?? null}::text,
                     ${from}::date, ${to}::date, ${asOf}::timestamptz, ${answer.days})`;
  // The totals' row is the one without a day or days.
  const totals = rows.find((row) => row.day === null && row.days === null)!;
  const liveFrom = totals.live_from!;
  const days: DailyPnlDayView[] = [];
  for (const row of rows) {
    if (row.day !== null) days.push({ day: row.day, ...amountsOf(row) });
    // A month comes whole: its days in the range and before the first live day are the answer's
    // (from that day on, the live rows hold them).
    for (const monthDay of row.days ?? []) {
      const day = monthDay[0];
      if ((from === null || day >= from) && day <= to && day < liveFrom) days.push(viewOfMonthDay(monthDay));
    }
  }
  // The months and the live days (all after them) arrive nearly in order: the sort is a pass.
  days.sort((a, b) => (a.day < b.day ? -1 : 1));
  return {
    from,
    to,
    days,
    totals: amountsOf(totals),
    asOf: asOf.toISOString(),
    liveFrom,
    viewRefreshedAt: totals.view_refreshed_at?.toISOString() ?? null,
  };
}

function amountsOf(row: AnswerRow): HistoryTotalsView {
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

function viewOfMonthDay([
  day,
  realizedPnl,
  fees,
  net,
  volume,
  closed,
  won,
  filled,
]: MonthDay): DailyPnlDayView {
  return {
    day,
    realizedPnl,
    fees,
    net,
    volume,
    closedPositions: closed,
    winningPositions: won,
    filledOrders: filled,
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
