import type { Database } from "../connection/database.ts";
import { sqlAccessOf } from "../connection/database.ts";
import type { SqlRunner } from "../connection/sql-session.ts";

/** One month of orders: its partition's name and the range of created_at it holds, [from, to). */
export interface OrderPartition {
  name: string;
  from: Date;
  to: Date;
}

export interface OrderPartitions {
  /** Attached monthly partitions, oldest first. */
  months: OrderPartition[];
  /** Rows in the default partition: orders of a month that had no partition (0 when all is well). */
  defaultRows: number;
}

/** What partition maintenance did. */
export interface PartitionMaintenance {
  /** Partitions created (months that had none), oldest first. */
  created: string[];
  /** Partitions detached or dropped by retention, oldest first. */
  retired: string[];
  /** How many whole months ahead of the current one have a partition after the run. */
  monthsAhead: number;
}

export interface PartitionMaintenanceOptions {
  /** The clock: which month is "now" (UTC). */
  now: Date;
  /** Months after the current one that must have a partition before they are needed. Default 3. */
  monthsAhead?: number;
  /**
   * Months of orders to keep, the current one included: older monthly partitions are retired.
   * Undefined (the default) keeps everything.
   */
  retentionMonths?: number;
  /**
   * "detach" (default): a retired month leaves the orders table but stays in the database as a
   * table of its own (`orders_2024_01`), to archive or drop by hand; "drop" deletes it.
   */
  retention?: "detach" | "drop";
}

/**
 * Creates the current month's and the next `monthsAhead` months' partitions if missing, and
 * retires the months past the retention. Safe to run from several instances at once: the work is
 * done under a transaction-level advisory lock, and creating a partition that exists is a no-op.
 */
export async function maintainOrderPartitions(
  db: Database,
  options: PartitionMaintenanceOptions,
): Promise<PartitionMaintenance> {
  const monthsAhead = options.monthsAhead ?? 3;
  if (!Number.isInteger(monthsAhead) || monthsAhead < 0)
    throw new RangeError("monthsAhead: a whole number >= 0");
  const { retentionMonths } = options;
  if (retentionMonths !== undefined && (!Number.isInteger(retentionMonths) || retentionMonths < 1)) {
    throw new RangeError("retentionMonths: a whole number >= 1");
  }
  const thisMonth = monthStart(options.now);
  return sqlAccessOf(db).withSession((session) =>
    session.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK_KEY]);
      const created: string[] = [];
      for (let ahead = 0; ahead <= monthsAhead; ahead++) {
        const [row] = await tx.query<{ name: string | null }>(
          "SELECT ensure_order_partition($1::date) AS name",
          [isoDate(addMonths(thisMonth, ahead))],
        );
        if (row?.name) created.push(row.name);
      }
      const retired: string[] = [];
      if (retentionMonths !== undefined) {
        const keepFrom = addMonths(thisMonth, 1 - retentionMonths);
        for (const partition of (await listMonths(tx)).filter((p) => p.to <= keepFrom)) {
          // Identifiers come from pg_class (orders_YYYY_MM), quoted all the same.
          await tx.query(`ALTER TABLE orders DETACH PARTITION "${partition.name}"`);
          if (options.retention === "drop") {
            await tx.query(
              `DELETE FROM order_client_ids g USING "${partition.name}" o
                WHERE g.account_id = o.account_id AND g.client_order_id = o.client_order_id`,
            );
            await tx.query(`DROP TABLE "${partition.name}"`);
          }
          retired.push(partition.name);
        }
      }
      const months = await listMonths(tx);
      return { created, retired, monthsAhead: coveredMonthsAhead(months, thisMonth) };
    }),
  );
}

/** The orders table's partitions as they are now. */
export async function orderPartitions(db: Database): Promise<OrderPartitions> {
  return sqlAccessOf(db).withSession(async (session) => {
    const months = await listMonths(session);
    const [row] = await session.query<{ rows: string }>("SELECT count(*)::text AS rows FROM orders_default");
    return { months, defaultRows: Number(row?.rows ?? 0) };
  });
}

// Any fixed key: one maintenance run at a time across every instance on this database.
const PARTITION_LOCK_KEY = 72707370;

async function listMonths(sql: SqlRunner): Promise<OrderPartition[]> {
  const rows = await sql.query<{ name: string; bound: string }>(
    `SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE p.relname = 'orders' AND n.nspname = current_schema()`,
  );
  const months: OrderPartition[] = [];
  for (const row of rows) {
    // "FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00')"; DEFAULT has none.
    const bounds = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(row.bound);
    if (!bounds) continue;
    months.push({ name: row.name, from: new Date(toIso(bounds[1]!)), to: new Date(toIso(bounds[2]!)) });
  }
  return months.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * How many whole months after the one `now` is in have a partition (a gauge read at scrape time
 * from the last listing); -1 when `now`'s own month has none.
 */
export function monthsCoveredAhead(months: OrderPartition[], now: Date): number {
  return coveredMonthsAhead(months, monthStart(now));
}

function coveredMonthsAhead(months: OrderPartition[], thisMonth: Date): number {
  const starts = new Set(months.map((p) => p.from.getTime()));
  if (!starts.has(thisMonth.getTime())) return -1;
  let ahead = 0;
  while (starts.has(addMonths(thisMonth, ahead + 1).getTime())) ahead++;
  return ahead;
}

// PostgreSQL prints "2026-11-01 00:00:00+00"; Date wants ISO 8601.
const toIso = (bound: string) => bound.replace(" ", "T").replace(/\+00$/, "Z");

const monthStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
const addMonths = (month: Date, n: number) =>
  new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
const isoDate = (at: Date) => at.toISOString().slice(0, 10);
