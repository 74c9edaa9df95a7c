-- The symbols a trader has history in (closed positions, filled orders), for the dashboard's
-- "History for" picker: those the exchange lists now, and those it delisted since. Measured at
-- 10 million orders (a trader's two years: 1,552 to 8,949 (account, symbol, day) rows of
-- daily_account_pnl for 6 symbols), reading every row of the trader's accounts to keep the
-- distinct symbols cost 0.36 to 1.9 ms in the database (1.3 to 3.2 ms planned per call); this
-- index and the skip over it below, 0.08 to 0.21 ms.

-- 1. One entry per (account, symbol) run of days: btree deduplication keeps it small (20 MB at
-- 2.9 million rows, beside the covering index's 308 MB). A view made again (DROP ... CREATE)
-- loses its indexes: make this one again with it (the plan test in core's query-plans looks for it).
CREATE INDEX "daily_account_pnl_account_id_symbol_idx" ON "daily_account_pnl"("account_id", "symbol");

-- 2. A user's symbols with history, once each: per account, the view's symbols by a skip over
-- that index (the first, then the next after each: one index descent per symbol, whatever the
-- days behind it), and the symbols of the positions closed and the orders filled from
-- history_live_from on (the days the view may not hold yet; the same rule as daily_account_pnl's),
-- bounded by closed_at / created_at so only those months' order partitions are read. PL/pgSQL
-- keeps its generic plan for the connection (pruning the partitions when it runs), as
-- live_daily_pnl's: planned per call, this statement cost more than running it.
CREATE FUNCTION "history_symbols"("user_id" uuid, "as_of" timestamptz)
  RETURNS TABLE ("symbol" text)
  LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  live_since timestamptz := history_live_from(history_symbols."as_of", NULL)::timestamp AT TIME ZONE 'UTC';
BEGIN
  RETURN QUERY
  SELECT DISTINCT s."symbol"::text
    FROM "exchange_accounts" a
   CROSS JOIN LATERAL (
     WITH RECURSIVE "in_view" AS (
       (SELECT v."symbol" FROM "daily_account_pnl" v
         WHERE v."account_id" = a."id" ORDER BY v."symbol" LIMIT 1)
       UNION ALL
       SELECT (SELECT v."symbol" FROM "daily_account_pnl" v
                WHERE v."account_id" = a."id" AND v."symbol" > t."symbol" ORDER BY v."symbol" LIMIT 1)
         FROM "in_view" t WHERE t."symbol" IS NOT NULL
     )
     SELECT t."symbol" FROM "in_view" t WHERE t."symbol" IS NOT NULL
     UNION ALL
     SELECT p."symbol" FROM "positions" p
      WHERE p."account_id" = a."id" AND p."status" = 'CLOSED' AND p."closed_at" >= live_since
     UNION ALL
     SELECT o."symbol" FROM "orders" o
      WHERE o."account_id" = a."id" AND o."filled_quantity" > 0 AND o."created_at" >= live_since
   ) AS s
   WHERE a."user_id" = history_symbols."user_id";
END
$$;
