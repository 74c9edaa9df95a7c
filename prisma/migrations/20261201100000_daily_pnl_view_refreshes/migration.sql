-- When each materialized view was last refreshed. The dashboard's history reads the days before
-- the refresh from daily_account_pnl and says how old they are; the days since it are aggregated
-- live. The server's refresh writes its row in the refresh's own transaction.
CREATE TABLE "materialized_view_refreshes" (
    "view_name" VARCHAR(63) NOT NULL,
    "refreshed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "materialized_view_refreshes_pkey" PRIMARY KEY ("view_name")
);

-- The view was filled when it was created, perhaps long before this migration runs: filled again
-- here, so that its recorded time is true. now() is this transaction's start, before the refresh
-- reads anything (truncated, not rounded up, to the column's milliseconds).
REFRESH MATERIALIZED VIEW "daily_account_pnl";
INSERT INTO "materialized_view_refreshes" ("view_name", "refreshed_at")
VALUES ('daily_account_pnl', date_trunc('milliseconds', now()));
