import { randomUUID } from "node:crypto";
import type { Prisma } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { ExchangeAccountRef, ExchangeGateway, ExchangeOrder } from "../exchange/gateway.ts";
import { InvalidCommandError } from "./errors.ts";
import { closingSide } from "./exchange-accounts.ts";
import { toWire } from "./money.ts";
import { exchangeOrderRow } from "./order-rows.ts";

export type ProtectionRole = "STOP_LOSS" | "TAKE_PROFIT";

/**
 * A LONG's stop-loss sits below the mark price and its take-profit above; a SHORT's the
 * other way round. Anything else would trigger at once (or never protect).
 */
export function checkProtection(
  side: "LONG" | "SHORT",
  markPrice: Decimal,
  levels: { stopLoss?: Decimal | null; takeProfit?: Decimal | null },
): void {
  const mark = toWire(markPrice);
  const { stopLoss, takeProfit } = levels;
  if (stopLoss) {
    if (side === "LONG" && !stopLoss.lt(markPrice)) {
      throw new InvalidCommandError("stopLoss", `a LONG's stop-loss must be below the mark price ${mark}`);
    }
    if (side === "SHORT" && !stopLoss.gt(markPrice)) {
      throw new InvalidCommandError("stopLoss", `a SHORT's stop-loss must be above the mark price ${mark}`);
    }
  }
  if (takeProfit) {
    if (side === "LONG" && !takeProfit.gt(markPrice)) {
      throw new InvalidCommandError(
        "takeProfit",
        `a LONG's take-profit must be above the mark price ${mark}`,
      );
    }
    if (side === "SHORT" && !takeProfit.lt(markPrice)) {
      throw new InvalidCommandError(
        "takeProfit",
        `a SHORT's take-profit must be below the mark price ${mark}`,
      );
    }
  }
}

export async function markPriceOf(
  gateway: ExchangeGateway,
  symbol: string,
  field = "symbol",
): Promise<Decimal> {
  const price = (await gateway.getMarkPrices([symbol])).get(symbol);
  if (!price) throw new InvalidCommandError(field, `the exchange has no mark price for ${symbol}`);
  return price;
}

export interface PlacedProtection {
  role: ProtectionRole;
  order: ExchangeOrder;
}

/** Places reduce-only trigger orders for a position, one per requested level. */
export async function placeProtection(
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  position: { symbol: string; side: "LONG" | "SHORT"; quantity: Decimal },
  levels: { role: ProtectionRole; triggerPrice: Decimal }[],
): Promise<{ placed: PlacedProtection[]; failures: { role: ProtectionRole; error: unknown }[] }> {
  const placed: PlacedProtection[] = [];
  const failures: { role: ProtectionRole; error: unknown }[] = [];
  for (const level of levels) {
    try {
      const order = await gateway.placeOrder(account, {
        clientOrderId: randomUUID(),
        symbol: position.symbol,
        side: closingSide(position.side),
        type: level.role === "STOP_LOSS" ? "STOP_MARKET" : "TAKE_PROFIT_MARKET",
        quantity: position.quantity,
        triggerPrice: level.triggerPrice,
        reduceOnly: true,
      });
      placed.push({ role: level.role, order });
    } catch (error) {
      failures.push({ role: level.role, error });
    }
  }
  return { placed, failures };
}

/** The Order rows recording placed protective orders. */
export function protectiveOrderRows(
  accountId: string,
  positionId: string,
  placed: PlacedProtection[],
): Prisma.OrderCreateManyInput[] {
  return placed.map(({ role, order }) => ({ ...exchangeOrderRow(order), accountId, positionId, role }));
}
