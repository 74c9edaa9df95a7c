-- Database at scale: orders partitioned by month of created_at, a fee per order, the closed
-- positions' index, and the daily PnL / fees / volume view the dashboard's history reads.
--
-- Works on PostgreSQL and on the embedded PGlite (PostgreSQL 17): declarative partitioning,
-- plpgsql and materialized views are in both.

-- 1. The old table moves aside with its constraints and indexes dropped, so the names are free.
ALTER TABLE "orders" RENAME TO "orders_before_partitioning";
ALTER TABLE "orders_before_partitioning"
  DROP CONSTRAINT "orders_pkey",
  DROP CONSTRAINT "orders_account_id_fkey",
  DROP CONSTRAINT "orders_position_id_fkey";
DROP INDEX "orders_position_id_role_status_idx";
DROP INDEX "orders_account_id_created_at_idx";
DROP INDEX "orders_account_id_client_order_id_key";
DROP INDEX "orders_account_id_status_idx";

-- 2. Orders, partitioned by range of created_at: one partition per calendar month (UTC).
-- A unique constraint of a partitioned table must contain the partition key, so the primary key
-- is (id, created_at) (ids are UUIDs, unique on their own), and (account_id, client_order_id),
-- the desk's idempotency key, is kept unique by order_client_ids below.
CREATE TABLE "orders" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "position_id" UUID,
    "role" "OrderRole" NOT NULL,
    "client_order_id" VARCHAR(36) NOT NULL,
    "exchange_order_id" VARCHAR(64),
    "symbol" VARCHAR(32) NOT NULL,
    "side" "OrderSide" NOT NULL,
    "type" "OrderType" NOT NULL,
    "quantity" DECIMAL(38,18) NOT NULL,
    "price" DECIMAL(38,18),
    "trigger_price" DECIMAL(38,18),
    "reduce_only" BOOLEAN NOT NULL DEFAULT false,
    "status" "OrderStatus" NOT NULL DEFAULT 'NEW',
    "filled_quantity" DECIMAL(38,18) NOT NULL DEFAULT 0,
    "average_price" DECIMAL(38,18),
    "fee" DECIMAL(38,18) NOT NULL DEFAULT 0,
    "status_reason" VARCHAR(300),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id", "created_at")
) PARTITION BY RANGE ("created_at");

-- Rows of a month without its partition land here instead of failing the insert; the server
-- creates partitions months ahead, so this stays empty, and ensure_order_partition moves any
-- rows it holds into their month's partition when that is created.
CREATE TABLE "orders_default" PARTITION OF "orders" DEFAULT;

CREATE INDEX "orders_position_id_role_status_idx" ON "orders"("position_id", "role", "status");
CREATE INDEX "orders_account_id_created_at_idx" ON "orders"("account_id", "created_at" DESC);
CREATE INDEX "orders_account_id_client_order_id_idx" ON "orders"("account_id", "client_order_id");
CREATE INDEX "orders_account_id_status_idx" ON "orders"("account_id", "status");

ALTER TABLE "orders" ADD CONSTRAINT "orders_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "exchange_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "orders" ADD CONSTRAINT "orders_position_id_fkey" FOREIGN KEY ("position_id") REFERENCES "positions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- 3. (account_id, client_order_id) unique across every partition: one row per order in a plain
-- table, kept by a trigger on orders (a duplicate fails the insert with a unique violation,
-- which Prisma reports as P2002, as the old unique index did).
CREATE TABLE "order_client_ids" (
    "account_id" UUID NOT NULL,
    "client_order_id" VARCHAR(36) NOT NULL,

    CONSTRAINT "order_client_ids_pkey" PRIMARY KEY ("account_id", "client_order_id")
);

CREATE FUNCTION "orders_keep_client_order_ids"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM order_client_ids WHERE account_id = OLD.account_id AND client_order_id = OLD.client_order_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO order_client_ids (account_id, client_order_id) VALUES (NEW.account_id, NEW.client_order_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "orders_keep_client_order_ids"
  AFTER INSERT OR DELETE OR UPDATE OF "account_id", "client_order_id" ON "orders"
  FOR EACH ROW EXECUTE FUNCTION "orders_keep_client_order_ids"();

-- 4. One month's partition, created if missing (the migration below and the server's partition
-- maintenance both call it). Built beside the table and attached, which does not block reads or
-- writes of the other partitions; rows that had landed in the default partition move in first.
-- Returns the partition's name when it created one, null when it existed.
CREATE FUNCTION "ensure_order_partition"(month_start DATE) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
  first_day DATE := date_trunc('month', month_start)::date;
  partition_name TEXT := 'orders_' || to_char(first_day, 'YYYY_MM');
  from_ts TIMESTAMPTZ := first_day::timestamp AT TIME ZONE 'UTC';
  to_ts TIMESTAMPTZ := (first_day + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = partition_name AND n.nspname = current_schema()
  ) THEN
    RETURN NULL;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE orders INCLUDING DEFAULTS)', partition_name);
  EXECUTE format(
    'WITH moved AS (DELETE FROM orders_default WHERE created_at >= $1 AND created_at < $2 RETURNING *) '
    'INSERT INTO %I SELECT * FROM moved', partition_name) USING from_ts, to_ts;
  -- Deleting them from the default partition released their client order ids: taken again.
  EXECUTE format(
    'INSERT INTO order_client_ids (account_id, client_order_id) SELECT account_id, client_order_id FROM %I',
    partition_name);
  EXECUTE format('ALTER TABLE orders ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
    partition_name, from_ts, to_ts);
  RETURN partition_name;
END $$;

-- 5. Partitions for every month that has orders, through three months ahead; the rows move in.
DO $$
DECLARE
  first_month DATE;
  last_month DATE := (date_trunc('month', now() AT TIME ZONE 'UTC') + INTERVAL '3 months')::date;
BEGIN
  SELECT LEAST(
           date_trunc('month', now() AT TIME ZONE 'UTC'),
           date_trunc('month', min(created_at) AT TIME ZONE 'UTC'))::date
    INTO first_month FROM orders_before_partitioning;
  WHILE first_month <= last_month LOOP
    PERFORM ensure_order_partition(first_month);
    first_month := (first_month + INTERVAL '1 month')::date;
  END LOOP;
END $$;

INSERT INTO "orders" (
  "id", "account_id", "position_id", "role", "client_order_id", "exchange_order_id", "symbol", "side",
  "type", "quantity", "price", "trigger_price", "reduce_only", "status", "filled_quantity",
  "average_price", "status_reason", "created_at", "updated_at"
)
SELECT
  "id", "account_id", "position_id", "role", "client_order_id", "exchange_order_id", "symbol", "side",
  "type", "quantity", "price", "trigger_price", "reduce_only", "status", "filled_quantity",
  "average_price", "status_reason", "created_at", "updated_at"
FROM "orders_before_partitioning";

DROP TABLE "orders_before_partitioning";

-- 6. Closed positions by close time (history pages, the daily view's refresh); the open ones
-- still use its (account_id, status) prefix.
DROP INDEX "positions_account_id_status_idx";
CREATE INDEX "positions_account_id_status_closed_at_idx" ON "positions"("account_id", "status", "closed_at" DESC);

-- 7. Realized PnL, fees and traded volume per account, symbol and UTC day: what the dashboard's
-- PnL curve and history summary read instead of aggregating every order. Realized PnL counts on
-- the day a position closed; fees and volume on the day the order was placed (its partition).
-- Refreshed concurrently (the unique index allows it) by the server.
CREATE MATERIALIZED VIEW "daily_account_pnl" AS
SELECT "account_id", "symbol", "day",
       sum("realized_pnl") AS "realized_pnl",
       sum("fees") AS "fees",
       sum("volume") AS "volume",
       sum("closed_positions")::INTEGER AS "closed_positions",
       sum("filled_orders")::INTEGER AS "filled_orders"
  FROM (
    SELECT "account_id", "symbol", ("closed_at" AT TIME ZONE 'UTC')::date AS "day",
           "realized_pnl", 0::numeric AS "fees", 0::numeric AS "volume",
           1 AS "closed_positions", 0 AS "filled_orders"
      FROM "positions"
     WHERE "status" = 'CLOSED' AND "closed_at" IS NOT NULL
    UNION ALL
    SELECT "account_id", "symbol", ("created_at" AT TIME ZONE 'UTC')::date,
           0, "fee", "filled_quantity" * COALESCE("average_price", 0),
           0, 1
      FROM "orders"
     WHERE "filled_quantity" > 0
  ) AS "day_rows"
 GROUP BY "account_id", "symbol", "day";

CREATE UNIQUE INDEX "daily_account_pnl_account_id_day_symbol_key" ON "daily_account_pnl"("account_id", "day", "symbol");
