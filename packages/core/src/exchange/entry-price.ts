import Decimal from "decimal.js";

/**
 * A position's entry price after a fill adds to it: the quantity-weighted mean of the entry and
 * the fill price, rounded half up to 8 decimals, as the simulated exchange books it (USD-M keeps
 * prices and balances to 8 decimals). The desk records an add with this same function, so the
 * record and the exchange agree to the digit and reconciliation has nothing to repair. Binance
 * does not document its own rounding: a difference there is the reconciler's to copy.
 */
export const ENTRY_PRICE_DECIMALS = 8;

// Exact until the one rounding: decimal.js' default 20 significant digits would round the
// products and the quotient first (and could round the result a second time).
const Exact = Decimal.clone({ precision: 100 });

export function averageEntryPrice(
  held: { quantity: Decimal; entryPrice: Decimal },
  fill: { quantity: Decimal; price: Decimal },
): Decimal {
  const cost = new Exact(held.entryPrice)
    .times(held.quantity)
    .plus(new Exact(fill.price).times(fill.quantity));
  return cost
    .div(new Exact(held.quantity).plus(fill.quantity))
    .toDecimalPlaces(ENTRY_PRICE_DECIMALS, Decimal.ROUND_HALF_UP);
}
