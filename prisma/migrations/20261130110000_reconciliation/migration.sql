-- Reconciliation: intents recorded before effects, external orders, audited repairs.

-- AlterEnum
ALTER TYPE "OrderRole" ADD VALUE 'EXTERNAL';

-- AlterEnum
ALTER TYPE "OrderStatus" ADD VALUE 'PENDING';
ALTER TYPE "OrderStatus" ADD VALUE 'PENDING_CANCEL';

-- CreateEnum
CREATE TYPE "PositionCloseReason" AS ENUM ('TRADER', 'STOP_LOSS', 'TAKE_PROFIT', 'EXCHANGE');

-- CreateEnum
CREATE TYPE "ReconcileTrigger" AS ENUM ('STARTUP', 'SCHEDULE', 'STREAM_RECONNECT', 'AFTER_MUTATION', 'MANUAL');

-- CreateEnum
CREATE TYPE "ReconcileOutcome" AS ENUM ('OK', 'FAILED');

-- CreateEnum
CREATE TYPE "ReconcileRepairKind" AS ENUM ('ORDER_CANCELED', 'ORDER_RECORDED_EXTERNAL', 'ORDER_STATUS_UPDATED', 'INTENT_RESOLVED', 'POSITION_CLOSED', 'POSITION_OPENED', 'POSITION_UPDATED', 'REALIZED_PNL_SETTLED');

-- AlterTable
ALTER TABLE "exchange_accounts" ADD COLUMN "reconcile_lease_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "positions" ADD COLUMN "realized_pnl_pending" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "closed_by" "PositionCloseReason";

-- AlterTable
ALTER TABLE "orders" ADD COLUMN "status_reason" VARCHAR(300);

-- CreateTable
CREATE TABLE "reconcile_runs" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "trigger" "ReconcileTrigger" NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" "ReconcileOutcome",
    "repair_count" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "reconcile_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconcile_repairs" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "kind" "ReconcileRepairKind" NOT NULL,
    "symbol" VARCHAR(32) NOT NULL,
    "client_order_id" VARCHAR(36),
    "position_id" UUID,
    "recorded" JSONB,
    "exchange" JSONB,
    "action" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconcile_repairs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "orders_account_id_status_idx" ON "orders"("account_id", "status");

-- CreateIndex
CREATE INDEX "reconcile_runs_account_id_started_at_idx" ON "reconcile_runs"("account_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "reconcile_repairs_run_id_idx" ON "reconcile_repairs"("run_id");

-- CreateIndex
CREATE INDEX "reconcile_repairs_account_id_created_at_idx" ON "reconcile_repairs"("account_id", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "reconcile_runs" ADD CONSTRAINT "reconcile_runs_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "exchange_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reconcile_repairs" ADD CONSTRAINT "reconcile_repairs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "reconcile_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reconcile_repairs" ADD CONSTRAINT "reconcile_repairs_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "exchange_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
