import type { Database } from "../connection/database.ts";
import { sqlAccessOf } from "../connection/database.ts";
import type { SqlRunner } from "../connection/sql-session.ts";
import { maintainOrderPartitions } from "../partitions/order-partitions.ts";
import { hashPassword } from "../password/password.ts";
import { refreshDailyPnlView } from "../views/daily-pnl-view.ts";
import {
  INSERT_MONTH_POSITIONS,
  INSERT_USERS_AND_ACCOUNTS,
  insertMonthOrders,
  MONTH_POSITIONS,
  SESSION_SETUP,
} from "./history-sql.ts";

/** Every fake trader signs in with this password. */
export const FAKE_PASSWORD = "tradedesk-fake";

export interface FakeHistoryOptions {
  users: number;
  /** Orders in all, exactly (entries, exits, stop-losses, take-profits, cancelled limits). */
  orders: number;
  /** Months of history, the current one included; default 24. */
  months?: number;
  /** Same seed, same clock: the same rows (ids, prices, times), except the password hash's salt. */
  seed?: number;
  /** The clock: history ends an hour before it. Default: now. */
  now?: Date;
  onProgress?: (progress: FakeHistoryProgress) => void;
}

export interface FakeHistoryProgress {
  step: "users" | "months" | "vacuum" | "daily view" | "done";
  monthsDone: number;
  months: number;
  ordersDone: number;
  orders: number;
}

export interface FakeHistory {
  users: number;
  accounts: number;
  positions: number;
  openPositions: number;
  orders: number;
  /** The first and last month of history (UTC month starts). */
  from: Date;
  to: Date;
  /** Whether the load ran with the order triggers and foreign-key checks off (superuser only). */
  fastLoad: boolean;
}

/** Orders per closed position on average (3.3: see CLOSED_BY_CLASS) plus a cancelled limit per ten. */
const ORDERS_PER_POSITION = 3.4;

/**
 * Fills a migrated database with `orders` orders of `users` traders over `months` months: users
 * with one to three accounts, positions opened and closed (by their stop-loss, take-profit or by
 * hand, realized PnL from entry and exit), their orders with fees, cancelled limit orders, and a
 * few positions still open with live protection. Creates the months' partitions first; then
 * VACUUM ANALYZE (a steady state: statistics and visibility map) and refreshes daily_account_pnl
 * (recorded, as the server's refresh is).
 *
 * As superuser the rows go in with triggers and foreign-key checks off
 * (session_replication_role = replica), which is what makes millions of rows take minutes: the rows
 * are consistent by construction, and order_client_ids is filled in the same statements.
 */
export async function fakeTradingHistory(db: Database, options: FakeHistoryOptions): Promise<FakeHistory> {
  const months = options.months ?? 24;
  const seed = options.seed ?? 1;
  for (const [name, value, min] of [
    ["users", options.users, 1],
    ["orders", options.orders, 0],
    ["months", months, 1],
    ["seed", seed, 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min)
      throw new RangeError(`${name}: a whole number >= ${min}`);
  }
  const now = options.now ?? new Date();
  // History ends an hour before the clock, so that nothing is dated in the future.
  const end = new Date(now.getTime() - 3_600_000);
  const first = addMonths(monthStart(end), 1 - months);
  const progress: FakeHistoryProgress = {
    step: "users",
    monthsDone: 0,
    months,
    ordersDone: 0,
    orders: options.orders,
  };
  const report = (step: FakeHistoryProgress["step"]) => options.onProgress?.({ ...progress, step });
  report("users");

  // Partitions first: the current month and those ahead as the server keeps them, then the past.
  await maintainOrderPartitions(db, { now });
  const passwordHash = await hashPassword(FAKE_PASSWORD);
  const { withSession } = sqlAccessOf(db);
  const history = await withSession(async (session) => {
    for (let month = 0; month < months; month++) {
      await session.query("SELECT ensure_order_partition($1::date)", [isoDate(addMonths(first, month))]);
    }
    const [taken] = await session.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [
      `fake${seed}-trader1@example.com`,
    ]);
    if (taken)
      throw new Error(`this database already holds the fake history of seed ${seed}; pick another --seed`);
    const [role] = await session.query<{ super: boolean }>(
      "SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user",
    );
    const fastLoad = role?.super === true;
    const loadMode = async (tx: SqlRunner) => {
      if (fastLoad) await tx.query("SET LOCAL session_replication_role = replica");
    };

    await session.exec(`DROP TABLE IF EXISTS fake_symbols, fake_accounts; ${SESSION_SETUP}`);
    try {
      await session.transaction(async (tx) => {
        await tx.query("SELECT setseed($1)", [seedFraction(seed, -1)]);
        const [usersTable, users, accountNumbers, accounts] = INSERT_USERS_AND_ACCOUNTS;
        await tx.query(usersTable, [options.users, String(seed), first]);
        await tx.query(users, [passwordHash]);
        await tx.query(accountNumbers, [String(seed)]);
        await tx.query(accounts, [String(seed)]);
      });
      const [counted] = await session.query<{ n: number }>("SELECT count(*)::int AS n FROM fake_accounts");
      const accounts = counted?.n ?? 0;

      let positions = 0;
      let openPositions = 0;
      for (let month = 0; month < months; month++) {
        const last = month === months - 1;
        const budget =
          Math.floor((options.orders * (month + 1)) / months) - Math.floor((options.orders * month) / months);
        // Open positions (entry, stop-loss, take-profit: 3 orders) in the last month, one on every
        // 4th account, at most a tenth of its orders.
        const firstOpenAccount = 1 + (seed % 4);
        const open = last
          ? Math.max(0, Math.min(Math.floor((accounts - firstOpenAccount) / 4) + 1, Math.floor(budget / 30)))
          : 0;
        const closed = Math.floor((budget - 3 * open) / ORDERS_PER_POSITION);
        const limits = budget - 3 * open - ordersOfClosed(closed);
        const from = addMonths(first, month);
        const to = last ? new Date(Math.max(end.getTime(), from.getTime() + 60_000)) : addMonths(from, 1);
        const key = `${seed}:${month}`;
        await session.transaction(async (tx) => {
          await loadMode(tx);
          await tx.query("SELECT setseed($1)", [seedFraction(seed, month)]);
          await tx.query(MONTH_POSITIONS, [closed, open, from, to, accounts, key, now, firstOpenAccount]);
          await tx.query(INSERT_MONTH_POSITIONS);
          await tx.query(insertMonthOrders(fastLoad), [
            key,
            limits,
            from,
            to,
            accounts,
            String((month + 1) * 10_000_000_000),
          ]);
        });
        positions += closed + open;
        openPositions += open;
        progress.monthsDone = month + 1;
        progress.ordersDone += budget;
        report("months");
      }

      report("vacuum");
      await session.exec("VACUUM (ANALYZE) users, exchange_accounts, positions, orders, order_client_ids");
      return {
        users: options.users,
        accounts,
        positions,
        openPositions,
        orders: options.orders,
        from: first,
        to: addMonths(first, months - 1),
        fastLoad,
      };
    } finally {
      await session.exec("DROP TABLE IF EXISTS fake_symbols, fake_accounts");
    }
  });
  report("daily view");
  await refreshDailyPnlView(db);
  // Its visibility map too: the dashboard reads it index-only.
  await withSession((session) =>
    session.exec("VACUUM (ANALYZE) daily_account_pnl, daily_user_pnl, daily_user_pnl_by_month"),
  );
  report("done");
  return history;
}

/** The orders of closed positions 1..count: 3 each, 4 for those the trader closed (n % 20 >= 14). */
function ordersOfClosed(count: number): number {
  const byTrader = Math.floor(count / 20) * 6 + Math.max(0, (count % 20) - 13);
  return 3 * count + byTrader;
}

/** setseed() takes a number in [-1, 1]: one per seed and step, so each month is reproducible alone. */
const seedFraction = (seed: number, step: number) =>
  (((seed * 7919 + (step + 1) * 104_729) % 1_999_993) / 1_999_993) * 2 - 1;

const monthStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
const addMonths = (month: Date, n: number) =>
  new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
const isoDate = (at: Date) => at.toISOString().slice(0, 10);
