import type { SchemaShape } from "./schema-shape.ts";

/**
 * The differences between what schema.prisma expects and what the database has, one line each,
 * sorted; [] when they match.
 */
export function compareSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  const drift: string[] = [];
  const missing = "in schema.prisma, missing in the database";
  const extra = "in the database, not in schema.prisma";

  for (const [name, labels] of expected.enums) {
    const found = actual.enums.get(name);
    if (!found) drift.push(`enum ${name}: ${missing}`);
    else if (found.join(",") !== labels.join(",")) {
      drift.push(
        `enum ${name}: values (${labels.join(", ")}) in schema.prisma, (${found.join(", ")}) in the database`,
      );
    }
  }
  for (const name of actual.enums.keys()) if (!expected.enums.has(name)) drift.push(`enum ${name}: ${extra}`);

  for (const [tableName, table] of expected.tables) {
    const found = actual.tables.get(tableName);
    if (!found) {
      drift.push(`table ${tableName}: ${missing}`);
      continue;
    }
    if (found.partitionBy !== table.partitionBy) {
      const say = (by: string | null) => (by ? `partitioned by ${by}` : "not partitioned");
      drift.push(
        `table ${tableName}: ${say(table.partitionBy)} expected, ${say(found.partitionBy)} in the database`,
      );
    }
    for (const [columnName, column] of table.columns) {
      const where = `column ${tableName}.${columnName}`;
      const real = found.columns.get(columnName);
      if (!real) {
        drift.push(`${where}: ${missing}`);
        continue;
      }
      if (real.type !== column.type) {
        drift.push(`${where}: type ${column.type} in schema.prisma, ${real.type} in the database`);
      }
      if (real.nullable !== column.nullable) {
        const say = (nullable: boolean) => (nullable ? "nullable" : "NOT NULL");
        drift.push(
          `${where}: ${say(column.nullable)} in schema.prisma, ${say(real.nullable)} in the database`,
        );
      }
      if (real.default !== column.default) {
        drift.push(
          `${where}: default ${column.default ?? "none"} in schema.prisma, ${real.default ?? "none"} in the database`,
        );
      }
    }
    for (const columnName of found.columns.keys()) {
      if (!table.columns.has(columnName)) drift.push(`column ${tableName}.${columnName}: ${extra}`);
    }
    for (const index of table.indexes) if (!found.indexes.has(index)) drift.push(`${index}: ${missing}`);
    for (const index of found.indexes) if (!table.indexes.has(index)) drift.push(`${index}: ${extra}`);
    for (const fk of table.foreignKeys) if (!found.foreignKeys.has(fk)) drift.push(`${fk}: ${missing}`);
    for (const fk of found.foreignKeys) if (!table.foreignKeys.has(fk)) drift.push(`${fk}: ${extra}`);
  }
  for (const tableName of actual.tables.keys()) {
    if (!expected.tables.has(tableName)) drift.push(`table ${tableName}: ${extra}`);
  }
  return drift.sort();
}
