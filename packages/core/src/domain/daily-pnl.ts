import { DAILY_PNL_VIEW, DAILY_USER_PNL_VIEW, Prisma } from "@tradedesk/db";
import type { DailyPnlQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError } from "./errors.ts";
import type { DailyPnlView, HistorySummaryView, HistoryTotalsView } from "./views.ts";

/** What a user's history may span at most in one answer (ten years of days). */
export const MAX_HISTORY_DAYS = 3660;

/** One day of the answer, or (day null) the range's totals; amounts as wire decimals already. */
interface DayRow {
  day: string | null;
  realized_pnl: string;
  fees: string;
  net: string;
  volume: string;
  closed_positions: number;
  winning_positions: number;
  filled_orders: number;
}

/** With no refresh recorded, every day is live: the first day anything can have happened. */
const EPOCH_DAY = "1970-01-01";

/**
 * An amount as the wire carries it: exact, plain notation, no trailing zeros (what toWire prints
 * for the same value), 0 when nothing was summed. PostgreSQL does it, so that a trader's two years
 * (~750 days, 4 amounts each, and the totals) cost the desk no decimal arithmetic.
 */
const wire = (expression: string) => Prisma.raw(`trim_scale(coalesce(${expression}, 0))::text`);

/**
 * The user's realized PnL, fees and volume per UTC day, summed over their accounts (or one) and
 * symbols (or one), with the range's totals. Days before the view's last refresh come from the
 * views: daily_user_pnl (one row per user and day: the rows are the answer), or daily_account_pnl
 * summed per day for one account or symbol. Today and any day since the refresh are aggregated
 * live from positions and orders, bounded by closed_at / created_at (so only those months'
 * partitions are read), so the newest days are exact. Two statements: the refresh time, then one
 * over the view and the live days that also sums the totals.
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
  const { prisma } = deps;
  const asOf = deps.now();
  const { from, to } = rangeOf(query, asOf);
  const [refresh] = await prisma.$queryRaw<{ refreshed_at: Date }[]>`
    SELECT refreshed_at FROM materialized_view_refreshes WHERE view_name = ${DAILY_PNL_VIEW}`;
  // The refresh's own day is live too: the view holds only part of it.
  const liveFrom = refresh ? minDay(dayOf(asOf), dayOf(refresh.refreshed_at)) : (from ?? EPOCH_DAY);
  const liveStart = from && from > liveFrom ? from : liveFrom;
  const toEnd = addDays(to, 1);
  const inRange = (day: Prisma.Sql) =>
    Prisma.sql`${day} < ${liveFrom}::date AND ${day} <= ${to}::date
      ${from ? Prisma.sql`AND ${day} >= ${from}::date` : Prisma.empty}`;
  const owned = (alias: string) =>
    Prisma.sql`JOIN exchange_accounts a ON a.id = ${Prisma.raw(alias)}.account_id AND a.user_id = ${userId}::uuid
      ${query.accountId ? Prisma.sql`AND a.id = ${query.accountId}::uuid` : Prisma.empty}
      ${query.symbol ? Prisma.sql`AND ${Prisma.raw(alias)}.symbol = ${query.symbol}` : Prisma.empty}`;
  const viewDays =
    query.accountId || query.symbol
      ? Prisma.sql`
        SELECT v.day, sum(v.realized_pnl), sum(v.fees), sum(v.volume),
               sum(v.closed_positions)::int, sum(v.winning_positions)::int, sum(v.filled_orders)::int
          FROM ${Prisma.raw(DAILY_PNL_VIEW)} v ${owned("v")}
         WHERE ${inRange(Prisma.sql`v.day`)}
         GROUP BY v.day`
      : Prisma.sql`
        SELECT v.day, v.realized_pnl, v.fees, v.volume, v.closed_positions, v.winning_positions,
               v.filled_orders
          FROM ${Prisma.raw(DAILY_USER_PNL_VIEW)} v
         WHERE v.user_id = ${userId}::uuid AND ${inRange(Prisma.sql`v.day`)}`;
  const dayRows = answer.days
    ? Prisma.sql`
      SELECT day::text AS day, ${wire("realized_pnl")} AS realized_pnl, ${wire("fees")} AS fees,
             ${wire("realized_pnl - fees")} AS net, ${wire("volume")} AS volume, closed_positions,
             winning_positions, filled_orders
        FROM days
      UNION ALL`
    : Prisma.empty;

  const rows = await prisma.$queryRaw<DayRow[]>`
    WITH days (day, realized_pnl, fees, volume, closed_positions, winning_positions, filled_orders) AS (
      ${viewDays}
      UNION ALL
      SELECT day, sum(realized_pnl), sum(fees), sum(volume), sum(closed_positions)::int,
             sum(winning_positions)::int, sum(filled_orders)::int
        FROM (
          SELECT (p.closed_at AT TIME ZONE 'UTC')::date AS day, p.realized_pnl, 0 AS fees,
                 0 AS volume, 1 AS closed_positions, (p.realized_pnl > 0)::int AS winning_positions,
                 0 AS filled_orders
            FROM positions p ${owned("p")}
           WHERE p.status = 'CLOSED'
             AND p.closed_at >= ${utcMidnight(liveStart)}::timestamptz
             AND p.closed_at < ${utcMidnight(toEnd)}::timestamptz
          UNION ALL
          SELECT (o.created_at AT TIME ZONE 'UTC')::date, 0, o.fee,
                 o.filled_quantity * COALESCE(o.average_price, 0), 0, 0, 1
            FROM orders o ${owned("o")}
           WHERE o.filled_quantity > 0
             AND o.created_at >= ${utcMidnight(liveStart)}::timestamptz
             AND o.created_at < ${utcMidnight(toEnd)}::timestamptz
        ) AS live
       GROUP BY day
    )
    ${dayRows}
    SELECT NULL AS day, ${wire("sum(realized_pnl)")} AS realized_pnl, ${wire("sum(fees)")} AS fees,
           ${wire("sum(realized_pnl) - sum(fees)")} AS net, ${wire("sum(volume)")} AS volume,
           coalesce(sum(closed_positions), 0)::int AS closed_positions,
           coalesce(sum(winning_positions), 0)::int AS winning_positions,
           coalesce(sum(filled_orders), 0)::int AS filled_orders
      FROM days`;

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
    liveFrom,
    viewRefreshedAt: refresh?.refreshed_at.toISOString() ?? null,
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
const minDay = (a: string, b: string) => (a < b ? a : b);
const utcMidnight = (day: string) => `${day}T00:00:00.000Z`;
function addDays(day: string, days: number): string {
  const at = new Date(utcMidnight(day));
  at.setUTCDate(at.getUTCDate() + days);
  return dayOf(at);
}
