-- Two look-ups that read an account's whole history without these (query plans in
-- packages/core/test/query-plans.test.ts):
-- 1. whose orders the exchange's trades belong to (realized PnL when a position closes, by the
--    trader or the reconciler): by the exchange's order ids. On the partitioned orders table the
--    index is created on every monthly partition, and on those made later.
CREATE INDEX "orders_account_id_exchange_order_id_idx" ON "orders"("account_id", "exchange_order_id");

-- 2. the reconciler's positions whose realized PnL is still the desk's estimate, every run.
CREATE INDEX "positions_account_id_realized_pnl_pending_idx" ON "positions"("account_id", "realized_pnl_pending");
