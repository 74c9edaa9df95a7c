import type { Prisma } from "@tradedesk/db";
import type Decimal from "decimal.js";
import { averageEntryPrice } from "../exchange/entry-price.ts";
import { toDecimal, toWire } from "./money.ts";

/**
 * Records a fill that adds to an open position: the quantity grows and the entry becomes the
 * average the exchange books (averageEntryPrice, its rounding), so the record and the exchange
 * agree to the digit. The row is locked for its read and write; a closed position is left as it is.
 */
export async function recordAdd(
  tx: Prisma.TransactionClient,
  positionId: string,
  fill: { quantity: Decimal; price: Decimal },
): Promise<void> {
  const [row] = await tx.$queryRaw<{ quantity: string; entry_price: string }[]>`
    SELECT quantity::text AS quantity, entry_price::text AS entry_price
      FROM positions
     WHERE id = ${positionId}::uuid AND status = 'OPEN'
       FOR UPDATE`;
  if (!row) return;
  const held = { quantity: toDecimal(row.quantity), entryPrice: toDecimal(row.entry_price) };
  await tx.position.update({
    where: { id: positionId },
    data: {
      quantity: toWire(held.quantity.plus(fill.quantity)),
      entryPrice: toWire(averageEntryPrice(held, fill)),
    },
  });
}
