-- AlterTable
ALTER TABLE "simulated_books" ADD COLUMN "open_orders" BOOLEAN NOT NULL DEFAULT false;

-- Books stored before the column: mark those with an open order, so price moves match them.
UPDATE "simulated_books" SET "open_orders" = true WHERE "state" -> 'orders' @> '[{"status": "NEW"}]';
