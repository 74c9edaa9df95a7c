import type { Prisma } from "@tradedesk/db";
import type Decimal from "decimal.js";
import { averageEntryPrice } from "../exchange/entry-price.ts";
import { toDecimal, toWire, ZERO } from "./money.ts";

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

/**
 * What an order's fills add beyond those the record holds: the exchange reports an order's
 * cumulative filled quantity and average price, so an update delivered twice, or late, adds
 * nothing, and one missed is caught up by the next. The price is what the new fills cost per
 * unit (the order's limit price when every fill was at it). Null when nothing is new.
 */
export function unrecordedFill(
  recorded: { filledQuantity: Decimal; averagePrice: Decimal | null },
  reported: { filledQuantity: Decimal; averagePrice: Decimal | null },
): { quantity: Decimal; price: Decimal } | null {
  const quantity = toDecimal(reported.filledQuantity).minus(recorded.filledQuantity);
  if (quantity.lte(0) || reported.averagePrice === null) return null;
  const cost = toDecimal(reported.averagePrice)
    .times(reported.filledQuantity)
    .minus(toDecimal(recorded.averagePrice ?? ZERO).times(recorded.filledQuantity));
  return { quantity, price: cost.div(quantity) };
}
