import { type Database, sqlAccessOf } from "../connection/database.ts";
import { actualSchema } from "./actual-schema.ts";
import { compareSchemas } from "./compare-schemas.ts";
import { expectedSchema, readSchemaFile } from "./expected-schema.ts";

/**
 * Compares a (migrated) database with a Prisma schema (default: prisma/schema.prisma): tables,
 * columns (type, nullability, default), enums, primary keys, unique and plain indexes, foreign keys.
 * Returns one line per difference; [] means no drift.
 */
export async function checkDrift(db: Database, schemaText: string = readSchemaFile()): Promise<string[]> {
  const expected = expectedSchema(schemaText);
  const { schema, withSession } = sqlAccessOf(db);
  const actual = await withSession((session) => actualSchema(session, schema));
  return compareSchemas(expected, actual);
}
