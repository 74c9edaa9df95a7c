import type { Database } from "../connection/database.ts";
import { sqlAccessOf } from "../connection/database.ts";

/** The materialized view of realized PnL, fees and volume per account, symbol and UTC day. */
export const DAILY_PNL_VIEW = "daily_account_pnl";
/** Its rollup over accounts and symbols: one row per user and UTC day, with running totals. */
export const DAILY_USER_PNL_VIEW = "daily_user_pnl";
/** The rollup's days a month to a row, for the PnL curve (a year is 12 rows, not 365). */
export const DAILY_USER_PNL_BY_MONTH_VIEW = "daily_user_pnl_by_month";

export interface DailyPnlViewRefresh {
  /**
   * false when a refresh that started at or after `notBefore` had already been recorded (by this
   * or another instance): the view already holds what the caller needed, so it was not run again.
   */
  refreshed: boolean;
  /** The view's data is as of this: everything committed before it is in the view. */
  refreshedAt: Date;
  /** How long REFRESH itself took (waiting for another instance's refresh not included); 0 when skipped. */
  durationMs: number;
}

export interface DailyPnlViewRefreshOptions {
  /** Skip when the last refresh started at or after this (the change the caller waits for is in). */
  notBefore?: Date;
}

// Any fixed key (the migrator's is 72707369, partition maintenance's 72707370).
const REFRESH_LOCK_KEY = 72707371;

/**
 * `REFRESH MATERIALIZED VIEW CONCURRENTLY daily_account_pnl`, then its rollup daily_user_pnl
 * from it and that by month (readers keep the old rows of all three meanwhile, and see the new
 * ones together), and the time they are as of, in one transaction. One refresh at a time across
 * every instance on the database (a transaction-level advisory lock): a second caller waits for
 * the first, then skips when the first's refresh already started after its `notBefore`.
 */
export async function refreshDailyPnlView(
  db: Database,
  options: DailyPnlViewRefreshOptions = {},
): Promise<DailyPnlViewRefresh> {
  return sqlAccessOf(db).withSession((session) =>
    session.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [REFRESH_LOCK_KEY]);
      if (options.notBefore) {
        const [last] = await tx.query<{ at: string }>(
          `SELECT ${iso("refreshed_at")} AS at FROM materialized_view_refreshes
            WHERE view_name = $1 AND refreshed_at >= $2`,
          [DAILY_PNL_VIEW, options.notBefore.toISOString()],
        );
        if (last) return { refreshed: false, refreshedAt: new Date(last.at), durationMs: 0 };
      }
      // Read just before REFRESH takes its snapshot, so nothing committed before it is missed;
      // truncated, not rounded up, to the column's milliseconds.
      const [start] = await tx.query<{ at: string }>(
        `SELECT ${iso("date_trunc('milliseconds', clock_timestamp())")} AS at`,
      );
      const startedAt = performance.now();
      await tx.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY "${DAILY_PNL_VIEW}"`);
      await tx.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY "${DAILY_USER_PNL_VIEW}"`);
      await tx.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY "${DAILY_USER_PNL_BY_MONTH_VIEW}"`);
      const durationMs = performance.now() - startedAt;
      await tx.query(
        `INSERT INTO materialized_view_refreshes (view_name, refreshed_at) VALUES ($1, $2)
         ON CONFLICT (view_name) DO UPDATE SET refreshed_at = excluded.refreshed_at`,
        [DAILY_PNL_VIEW, start!.at],
      );
      return { refreshed: true, refreshedAt: new Date(start!.at), durationMs };
    }),
  );
}

// Drivers differ in how they hand timestamps back; ISO 8601 text is the same on both.
const iso = (expression: string) =>
  `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
