import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getDMMF } from "@prisma/get-dmmf";
import { partitionedTables } from "../partitions/partitioned-tables.ts";
import {
  describeForeignKey,
  describeIndex,
  emptyShape,
  normalizeDefault,
  type SchemaShape,
  tableOf,
} from "./schema-shape.ts";

/** prisma/schema.prisma at the repository root. */
export const schemaPath = fileURLToPath(new URL("../../../../prisma/schema.prisma", import.meta.url));

export function readSchemaFile(path: string = schemaPath): string {
  return readFileSync(path, "utf8");
}

type Dmmf = Exclude<ReturnType<typeof getDMMF>, { type: "wasm-error" | "parse-json" }>;
type Model = Dmmf["datamodel"]["models"][number];
type Field = Model["fields"][number];

/** What schema.prisma says the database must look like, read with Prisma's own parser. */
export function expectedSchema(schemaText: string): SchemaShape {
  const dmmf = getDMMF({ datamodel: schemaText });
  if ("type" in dmmf && "reason" in dmmf) throw new Error(`schema.prisma does not parse: ${dmmf.reason}`);
  const { models, enums, indexes } = (dmmf as Dmmf).datamodel;
  const shape = emptyShape();
  const enumDbNames = new Map(enums.map((e) => [e.name, e.dbName ?? e.name]));
  for (const e of enums)
    shape.enums.set(
      e.dbName ?? e.name,
      e.values.map((v) => v.dbName ?? v.name),
    );

  const modelsByName = new Map(models.map((model) => [model.name, model]));
  const tableName = (model: Model) => model.dbName ?? model.name;
  const columnName = (model: Model, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    return field?.dbName ?? fieldName;
  };

  for (const model of models) {
    const table = tableOf(shape, tableName(model));
    table.partitionBy = partitionedTables[tableName(model)]?.partitionBy ?? null;
    for (const field of model.fields) {
      if (field.kind === "object") continue;
      table.columns.set(field.dbName ?? field.name, {
        type: field.kind === "enum" ? enumDbNames.get(field.type)! : columnType(field),
        nullable: !field.isRequired,
        default: columnDefault(field, enumDbNames),
      });
    }
    for (const field of model.fields) {
      if (field.kind !== "object" || !field.relationFromFields?.length) continue;
      const target = modelsByName.get(field.type)!;
      const columns = field.relationFromFields.map((f) => columnName(model, f));
      table.foreignKeys.add(
        describeForeignKey({
          name: `${tableName(model)}_${columns.join("_")}_fkey`,
          columns,
          referencedTable: tableName(target),
          referencedColumns: (field.relationToFields ?? []).map((f) => columnName(target, f)),
          // Prisma's defaults: Restrict for a required relation, SetNull for an optional one; Cascade on update.
          onDelete: referentialAction(field.relationOnDelete ?? (field.isRequired ? "Restrict" : "SetNull")),
          onUpdate: referentialAction(field.relationOnUpdate ?? "Cascade"),
        }),
      );
    }
  }

  for (const index of indexes) {
    const model = modelsByName.get(index.model)!;
    const table = tableName(model);
    const columns = index.fields.map(
      (f) => `${columnName(model, f.name)}${f.sortOrder === "desc" ? " DESC" : ""}`,
    );
    const bare = index.fields.map((f) => columnName(model, f.name)).join("_");
    // On a partitioned table the primary key also holds the partition key, and a unique without
    // it is a plain index (a guard table keeps it unique): see partitioned-tables.ts.
    const partitionKey = partitionedTables[table]?.keyColumn;
    const withoutKey = partitionKey !== undefined && !columns.some((c) => c.split(" ")[0] === partitionKey);
    if (index.type === "id" && withoutKey) columns.push(partitionKey);
    const [kind, suffix] =
      index.type === "id"
        ? (["primary key", "pkey"] as const)
        : index.type === "unique" && !withoutKey
          ? (["unique", `${bare}_key`] as const)
          : (["index", `${bare}_idx`] as const);
    const name = index.dbName ?? (kind === "primary key" ? `${table}_pkey` : `${table}_${suffix}`);
    tableOf(shape, table).indexes.add(describeIndex({ name, kind, columns }));
  }
  return shape;
}

// Prisma's PostgreSQL types for scalars without @db.*, and its native types, as format_type() prints them.
const defaultTypes: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

function columnType(field: Field): string {
  const list = field.isList ? "[]" : "";
  if (!field.nativeType) return `${defaultTypes[field.type] ?? field.type}${list}`;
  const [name, args] = field.nativeType as [string, string[]];
  const a = args.length > 0 ? `(${args.join(",")})` : "";
  const native: Record<string, string> = {
    Text: "text",
    VarChar: `character varying${a}`,
    Char: `character${a}`,
    Uuid: "uuid",
    Integer: "integer",
    SmallInt: "smallint",
    BigInt: "bigint",
    Decimal: `numeric${a}`,
    Money: "money",
    Real: "real",
    DoublePrecision: "double precision",
    Boolean: "boolean",
    Timestamptz: `timestamp${a} with time zone`,
    Timestamp: `timestamp${a} without time zone`,
    Date: "date",
    Time: `time${a} without time zone`,
    Timetz: `time${a} with time zone`,
    Json: "json",
    JsonB: "jsonb",
    ByteA: "bytea",
    Xml: "xml",
    Inet: "inet",
  };
  return `${native[name] ?? name.toLowerCase()}${list}`;
}

function columnDefault(field: Field, enumDbNames: Map<string, string>): string | null {
  const value = field.default as unknown;
  if (value === undefined || value === null) return null;
  if (typeof value === "object" && "name" in value) {
    const fn = value as { name: string; args: unknown[] };
    switch (fn.name) {
      case "now":
        return "CURRENT_TIMESTAMP";
      case "autoincrement":
        return "autoincrement()";
      case "dbgenerated":
        return normalizeDefault(String(fn.args[0] ?? ""));
      default:
        // uuid(), cuid(), nanoid(), ulid(): generated by Prisma Client, no database default.
        return null;
    }
  }
  if (field.kind === "enum" && enumDbNames.has(field.type)) return `'${String(value)}'`;
  // BigInt and Decimal defaults come as strings too, but PostgreSQL shows them unquoted.
  if (typeof value === "string" && (field.type === "String" || field.type === "Json"))
    return `'${value.replace(/'/g, "''")}'`;
  return String(value);
}

function referentialAction(action: string): string {
  return (
    {
      Cascade: "CASCADE",
      Restrict: "RESTRICT",
      NoAction: "NO ACTION",
      SetNull: "SET NULL",
      SetDefault: "SET DEFAULT",
    }[action] ?? action
  );
}
