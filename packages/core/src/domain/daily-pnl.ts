import { DAILY_PNL_VIEW, Prisma } from "@tradedesk/db";
import type { DailyPnlQuery } from "./commands.ts";
import type { DeskDeps } from "./deps.ts";
import { InvalidCommandError } from "./errors.ts";
import { sum, toDecimal, toWire } from "./money.ts";
import type { DailyPnlDayView, DailyPnlView, HistorySummaryView, HistoryTotalsView } from "./views.ts";

/** What a user's history may span at most in one answer (ten years of days). */
export const MAX_HISTORY_DAYS = 3660;

interface DayRow {
  day: string;
  realized_pnl: string;
  fees: string;
  volume: string;
  closed_positions: number;
  filled_orders: number;
}

/** With no refresh recorded, every day is live: the first day anything can have happened. */
const EPOCH_DAY = "1970-01-01";

/**
 * The user's realized PnL, fees and volume per UTC day, summed over their accounts (or one) and
 * symbols. Days before the view's last refresh come from daily_account_pnl; today and any day
 * since the refresh are aggregated live from positions and orders, bounded by closed_at /
 * created_at (so only those months' partitions are read), so the newest days are exact. Two
 * statements: the refresh time, then one query over the view and the live rows.
 */
export async function dailyPnl(deps: DeskDeps, userId: string, query: DailyPnlQuery): Promise<DailyPnlView> {
  const { prisma } = deps;
  const asOf = deps.now();
  const { from, to } = rangeOf(query, asOf);
  const refresh = await prisma.materializedViewRefresh.findUnique({
    where: { viewName: DAILY_PNL_VIEW },
    select: { refreshedAt: true },
  });
  // The refresh's own day is live too: the view holds only part of it.
  const liveFrom = refresh ? minDay(dayOf(asOf), dayOf(refresh.refreshedAt)) : (from ?? EPOCH_DAY);
  const liveStart = from && from > liveFrom ? from : liveFrom;
  const toEnd = addDays(to, 1);
  const owned = (alias: string) =>
    Prisma.sql`JOIN exchange_accounts a ON a.id = ${Prisma.raw(alias)}.account_id AND a.user_id = ${userId}::uuid
      ${query.accountId ? Prisma.sql`AND a.id = ${query.accountId}::uuid` : Prisma.empty}`;

  const rows = await prisma.$queryRaw<DayRow[]>`
    SELECT day::text AS day, sum(realized_pnl)::text AS realized_pnl, sum(fees)::text AS fees,
           sum(volume)::text AS volume, sum(closed_positions)::int AS closed_positions,
           sum(filled_orders)::int AS filled_orders
      FROM (
        SELECT v.day, v.realized_pnl, v.fees, v.volume, v.closed_positions, v.filled_orders
          FROM daily_account_pnl v ${owned("v")}
         WHERE v.day < ${liveFrom}::date AND v.day <= ${to}::date
               ${from ? Prisma.sql`AND v.day >= ${from}::date` : Prisma.empty}
        UNION ALL
        SELECT (p.closed_at AT TIME ZONE 'UTC')::date, p.realized_pnl, 0, 0, 1, 0
          FROM positions p ${owned("p")}
         WHERE p.status = 'CLOSED'
           AND p.closed_at >= ${utcMidnight(liveStart)}::timestamptz
           AND p.closed_at < ${utcMidnight(toEnd)}::timestamptz
        UNION ALL
        SELECT (o.created_at AT TIME ZONE 'UTC')::date, 0, o.fee,
               o.filled_quantity * COALESCE(o.average_price, 0), 0, 1
          FROM orders o ${owned("o")}
         WHERE o.filled_quantity > 0
           AND o.created_at >= ${utcMidnight(liveStart)}::timestamptz
           AND o.created_at < ${utcMidnight(toEnd)}::timestamptz
      ) AS day_rows
     GROUP BY day
     ORDER BY day`;

  const days = rows.map(presentDay);
  return {
    from,
    to,
    days,
    totals: totalsOf(days),
    asOf: asOf.toISOString(),
    liveFrom,
    viewRefreshedAt: refresh?.refreshedAt.toISOString() ?? null,
  };
}

/** The same range's totals, without the days. */
export async function historySummary(
  deps: DeskDeps,
  userId: string,
  query: DailyPnlQuery,
): Promise<HistorySummaryView> {
  const { days: _days, ...summary } = await dailyPnl(deps, userId, query);
  return summary;
}

function presentDay(row: DayRow): DailyPnlDayView {
  const realizedPnl = toDecimal(row.realized_pnl);
  const fees = toDecimal(row.fees);
  return {
    day: row.day,
    realizedPnl: toWire(realizedPnl),
    fees: toWire(fees),
    net: toWire(realizedPnl.minus(fees)),
    volume: toWire(row.volume),
    closedPositions: row.closed_positions,
    filledOrders: row.filled_orders,
  };
}

function totalsOf(days: readonly DailyPnlDayView[]): HistoryTotalsView {
  const total = (field: "realizedPnl" | "fees" | "volume") => sum(days.map((d) => toDecimal(d[field])));
  const realizedPnl = total("realizedPnl");
  const fees = total("fees");
  return {
    realizedPnl: toWire(realizedPnl),
    fees: toWire(fees),
    net: toWire(realizedPnl.minus(fees)),
    volume: toWire(total("volume")),
    closedPositions: days.reduce((n, d) => n + d.closedPositions, 0),
    filledOrders: days.reduce((n, d) => n + d.filledOrders, 0),
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
