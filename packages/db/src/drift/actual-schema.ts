import type { SqlRunner } from "../connection/sql-session.ts";
import {
  describeForeignKey,
  describeIndex,
  emptyShape,
  normalizeDefault,
  type SchemaShape,
  tableOf,
} from "./schema-shape.ts";

// Prisma's bookkeeping table is not part of the data model.
const IGNORED_TABLES = ["_prisma_migrations"];

// Tables and partitioned tables, not their partitions (which repeat the parent's columns, indexes
// and foreign keys) nor views: what schema.prisma models.
const MODELLED = `c.relkind IN ('r', 'p') AND NOT c.relispartition`;

/** What the database in `schema` actually looks like, read from pg_catalog. */
export async function actualSchema(sql: SqlRunner, schema: string): Promise<SchemaShape> {
  const shape = emptyShape();
  const ignored = (table: string) => IGNORED_TABLES.includes(table);

  const columns = await sql.query<{
    table: string;
    column: string;
    type: string;
    enum_name: string | null;
    not_null: boolean;
    default: string | null;
  }>(
    `SELECT c.relname AS "table", a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS "type",
            CASE WHEN t.typtype = 'e' THEN t.typname::text END AS enum_name,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS "default"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND ${MODELLED} AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema],
  );
  for (const row of columns) {
    if (ignored(row.table)) continue;
    tableOf(shape, row.table).columns.set(row.column, {
      type: row.enum_name ?? row.type,
      nullable: !row.not_null,
      default: normalizeDefault(row.default),
    });
  }

  const partitioned = await sql.query<{ table: string; partition_by: string }>(
    `SELECT c.relname::text AS "table", pg_get_partkeydef(c.oid) AS partition_by
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'p' AND NOT c.relispartition`,
    [schema],
  );
  for (const row of partitioned) {
    if (ignored(row.table)) continue;
    tableOf(shape, row.table).partitionBy = row.partition_by;
  }

  const enums = await sql.query<{ name: string; labels: string[] }>(
    `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1
   GROUP BY t.typname`,
    [schema],
  );
  for (const row of enums) shape.enums.set(row.name, row.labels);

  const indexes = await sql.query<{
    table: string;
    name: string;
    is_unique: boolean;
    is_primary: boolean;
    columns: string[];
  }>(
    `SELECT c.relname::text AS "table", i.relname::text AS name, ix.indisunique AS is_unique,
            ix.indisprimary AS is_primary,
            array_agg(a.attname::text || CASE WHEN (ix.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                      ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class c ON c.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND ${MODELLED}
   GROUP BY c.relname, i.relname, ix.indisunique, ix.indisprimary`,
    [schema],
  );
  for (const row of indexes) {
    if (ignored(row.table)) continue;
    const kind = row.is_primary ? "primary key" : row.is_unique ? "unique" : "index";
    tableOf(shape, row.table).indexes.add(describeIndex({ name: row.name, kind, columns: row.columns }));
  }

  const foreignKeys = await sql.query<{
    table: string;
    name: string;
    referenced_table: string;
    columns: string[];
    referenced_columns: string[];
    on_delete: string;
    on_update: string;
  }>(
    `SELECT c.relname::text AS "table", fk.conname::text AS name, rt.relname::text AS referenced_table,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(fk.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(fk.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = fk.confrelid AND a.attnum = k.attnum) AS referenced_columns,
            fk.confdeltype::text AS on_delete, fk.confupdtype::text AS on_update
       FROM pg_constraint fk
       JOIN pg_class c ON c.oid = fk.conrelid
       JOIN pg_class rt ON rt.oid = fk.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE fk.contype = 'f' AND n.nspname = $1 AND ${MODELLED}`,
    [schema],
  );
  const actions: Record<string, string> = {
    a: "NO ACTION",
    r: "RESTRICT",
    c: "CASCADE",
    n: "SET NULL",
    d: "SET DEFAULT",
  };
  for (const row of foreignKeys) {
    if (ignored(row.table)) continue;
    tableOf(shape, row.table).foreignKeys.add(
      describeForeignKey({
        name: row.name,
        columns: row.columns,
        referencedTable: row.referenced_table,
        referencedColumns: row.referenced_columns,
        onDelete: actions[row.on_delete] ?? row.on_delete,
        onUpdate: actions[row.on_update] ?? row.on_update,
      }),
    );
  }
  return shape;
}
