/**
 * The tables the migrations partition, which schema.prisma cannot say. PostgreSQL requires every
 * unique index of a partitioned table to contain the partition key, so such a table's primary
 * key in the database is schema.prisma's plus the key, and a schema.prisma unique without the key
 * is a plain index there, its uniqueness held by a guard table (kept by a trigger).
 */
export interface PartitionedTable {
  /** As pg_get_partkeydef() prints it. */
  partitionBy: string;
  /** The column of the partition key. */
  keyColumn: string;
}

export const partitionedTables: Record<string, PartitionedTable> = {
  orders: { partitionBy: "RANGE (created_at)", keyColumn: "created_at" },
};
