import type { Database } from "../connection/database.ts";
import { sqlAccessOf } from "../connection/database.ts";

/** A node of EXPLAIN (FORMAT JSON)'s plan, with the fields the plan tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  /** Partitions pruned at run time (plan-time pruning leaves no trace but their absence). */
  "Subplans Removed"?: number;
  Plans?: PlanNode[];
  [field: string]: unknown;
}

/** One read of a table (or partition) in a plan. */
export interface TableScan {
  /** "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"... */
  node: string;
  table: string;
  /** The index read; a bitmap scan's come from its Bitmap Index Scan children. */
  indexes: string[];
  /** Each index's "Index Cond" (what bounds the part of it read), in the order of `indexes`. */
  indexConditions: string[];
  /**
   * Of an executed plan: the rows the scan read, those it returned and those its filter or recheck
   * dropped, over all its loops; null when the plan was not run.
   */
  rowsRead: number | null;
}

/**
 * The plan PostgreSQL chooses for a statement with these values bound to its parameters (a custom
 * plan, as for the driver's unnamed statements), on the database's own session and schema. With
 * `run`, the statement is executed too (EXPLAIN ANALYZE): each node then says its actual rows;
 * for reads only.
 */
export async function explain(
  db: Database,
  sql: string,
  params: readonly unknown[] = [],
  options: { run?: boolean } = {},
): Promise<PlanNode> {
  const mode = options.run ? "ANALYZE, FORMAT JSON" : "FORMAT JSON";
  const rows = await sqlAccessOf(db).withSession((session) =>
    session.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (${mode}) ${sql}`, [...params]),
  );
  // node-postgres parses the json column; PGlite too, but hands json text back on some builds.
  const json = rows[0]?.["QUERY PLAN"];
  const document = (typeof json === "string" ? JSON.parse(json) : json) as { Plan: PlanNode }[];
  return document[0]!.Plan;
}

/**
 * The executed plans of every statement a call runs, those of the functions it calls included, in
 * the order they finished: auto_explain, loaded for one session, sends each plan back to it as a
 * log message. A function's statements are planned once per session (PL/pgSQL keeps their plans),
 * so each is shown as the session after its first call runs it. PostgreSQL only.
 */
export async function explainEach(
  db: Database,
  sql: string,
  params: readonly unknown[] = [],
): Promise<{ sql: string; plan: PlanNode }[]> {
  return sqlAccessOf(db).withSession(async (session) => {
    if (!session.onMessage) throw new Error("explainEach needs PostgreSQL (auto_explain)");
    await session.exec(`LOAD 'auto_explain';
      SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
      SET auto_explain.log_timing = off; SET auto_explain.log_nested_statements = on;
      SET auto_explain.log_format = json`);
    // Once quietly, so that the plans shown are the ones kept for the session's later calls.
    await session.query(sql, [...params]);
    const plans: { sql: string; plan: PlanNode }[] = [];
    const stop = session.onMessage((message) => {
      if (!message.startsWith("duration:")) return;
      const logged = JSON.parse(message.slice(message.indexOf("{"))) as {
        "Query Text": string;
        Plan: PlanNode;
      };
      plans.push({ sql: logged["Query Text"], plan: logged.Plan });
    });
    try {
      await session.exec("SET client_min_messages = log");
      await session.query(sql, [...params]);
    } finally {
      stop();
      await session.exec("RESET client_min_messages; RESET auto_explain.log_min_duration");
    }
    return plans;
  });
}

/** Every table read in the plan, subplans and CTEs included, in plan order. */
export function scansOf(plan: PlanNode): TableScan[] {
  const scans: TableScan[] = [];
  const visit = (node: PlanNode) => {
    if (node["Relation Name"] !== undefined) {
      const indexes = node["Index Name"] ? [node] : bitmapIndexScansOf(node);
      scans.push({
        node: node["Node Type"],
        table: node["Relation Name"],
        indexes: indexes.map((index) => String(index["Index Name"])),
        indexConditions: indexes.map((index) => String(index["Index Cond"] ?? "")),
        rowsRead: rowsReadBy(node),
      });
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan);
  return scans;
}

function bitmapIndexScansOf(node: PlanNode): PlanNode[] {
  const found: PlanNode[] = [];
  const visit = (child: PlanNode) => {
    if (child["Node Type"] === "Bitmap Index Scan" && child["Index Name"]) found.push(child);
    // Stops at the next table read: its indexes are its own.
    if (child["Relation Name"] === undefined || child === node) for (const c of child.Plans ?? []) visit(c);
  };
  visit(node);
  return found;
}

function rowsReadBy(node: PlanNode): number | null {
  if (node["Actual Rows"] === undefined) return null;
  const count = (field: string) => Number(node[field] ?? 0);
  // EXPLAIN shows each of these per loop (averaged).
  const perLoop =
    count("Actual Rows") + count("Rows Removed by Filter") + count("Rows Removed by Index Recheck");
  return Math.round(perLoop * count("Actual Loops"));
}

/** The first column of every index in the database's schema: what an index condition must bound. */
export async function leadingColumns(db: Database): Promise<Map<string, string>> {
  const rows = await sqlAccessOf(db).withSession((session) =>
    session.query<{ index: string; column: string }>(
      `SELECT c.relname::text AS index, a.attname::text AS column
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE n.nspname = current_schema()`,
    ),
  );
  return new Map(rows.map((row) => [row.index, row.column]));
}
