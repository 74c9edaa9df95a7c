/** The parts of a database schema the drift check compares, in PostgreSQL's own vocabulary. */
export interface SchemaShape {
  tables: Map<string, TableShape>;
  /** enum type name -> labels in order */
  enums: Map<string, string[]>;
}

export interface TableShape {
  /** How the table is partitioned, as pg_get_partkeydef() prints it ("RANGE (created_at)"); null if not. */
  partitionBy: string | null;
  columns: Map<string, ColumnShape>;
  /** Primary key, unique and plain indexes, keyed by a canonical description (see describeIndex). */
  indexes: Set<string>;
  /** Foreign keys, keyed by a canonical description (see describeForeignKey). */
  foreignKeys: Set<string>;
}

export interface ColumnShape {
  /** As PostgreSQL's format_type() spells it, e.g. "character varying(254)"; enums by their name. */
  type: string;
  nullable: boolean;
  /** The default expression without casts, e.g. "CURRENT_TIMESTAMP", "'NEW'", "0"; null for none. */
  default: string | null;
}

export interface IndexShape {
  name: string;
  kind: "primary key" | "unique" | "index";
  /** Column names, " DESC" appended for descending ones. */
  columns: string[];
}

export const describeIndex = (index: IndexShape): string =>
  `${index.kind} ${index.name} (${index.columns.join(", ")})`;

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export const describeForeignKey = (fk: ForeignKeyShape): string =>
  `foreign key ${fk.name} (${fk.columns.join(", ")}) -> ${fk.referencedTable} (${fk.referencedColumns.join(", ")}) ` +
  `on delete ${fk.onDelete} on update ${fk.onUpdate}`;

/** Drops casts and redundant parentheses so "'NEW'::\"OrderStatus\"" compares equal to "'NEW'". */
export function normalizeDefault(expression: string | null): string | null {
  if (expression === null) return null;
  let value = expression.trim();
  value = value.replace(/::[\w" .[\]]+(\(\d+(,\s*\d+)?\))?$/g, "");
  while (/^\((.*)\)$/.test(value)) value = value.slice(1, -1);
  if (/^nextval\(/i.test(value)) return "autoincrement()";
  if (/^(now\(\)|current_timestamp(\(\d\))?)$/i.test(value)) return "CURRENT_TIMESTAMP";
  return value;
}

export function emptyShape(): SchemaShape {
  return { tables: new Map(), enums: new Map() };
}

export function tableOf(shape: SchemaShape, name: string): TableShape {
  let table = shape.tables.get(name);
  if (!table) {
    table = { partitionBy: null, columns: new Map(), indexes: new Set(), foreignKeys: new Set() };
    shape.tables.set(name, table);
  }
  return table;
}
