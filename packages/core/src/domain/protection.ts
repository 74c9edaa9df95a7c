import { randomUUID } from "node:crypto";
import type { Order } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type {
  ExchangeAccountRef,
  ExchangeGateway,
  PlaceOrderRequest,
  PositionSide,
} from "../exchange/gateway.ts";
import type { DeskDeps, Gateways } from "./deps.ts";
import { shownPrice } from "./display.ts";
import { InvalidCommandError } from "./errors.ts";
import { closingSide } from "./exchange-accounts.ts";
import { definitelyNotPlaced, resolvedRow, sendIntent } from "./intents.ts";
import { errorMessage } from "./order-rows.ts";

export type ProtectionRole = "STOP_LOSS" | "TAKE_PROFIT";

/**
 * A LONG's stop-loss sits below the mark price and its take-profit above; a SHORT's the
 * other way round. Anything else would trigger at once (or never protect).
 */
export function checkProtection(
  side: PositionSide,
  markPrice: Decimal,
  levels: { stopLoss?: Decimal | null; takeProfit?: Decimal | null },
): void {
  const mark = `${shownPrice(markPrice)} USDT`;
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

/** The symbol's mark price from the feed (a REST refresh only when the stream is late). */
export async function markPriceOf(
  deps: DeskDeps,
  exchange: keyof Gateways,
  symbol: string,
  field = "symbol",
): Promise<Decimal> {
  const quote = (await deps.prices(exchange).quotes([symbol])).get(symbol);
  if (!quote) throw new InvalidCommandError(field, `the exchange has no mark price for ${symbol}`);
  return quote.price;
}

export interface ProtectionLevel {
  role: ProtectionRole;
  triggerPrice: Decimal;
}

/** The reduce-only trigger order protecting a position at one level. */
export function protectiveRequest(
  position: { symbol: string; side: PositionSide; quantity: Decimal },
  level: ProtectionLevel,
  clientOrderId: string = randomUUID(),
): PlaceOrderRequest {
  return {
    clientOrderId,
    symbol: position.symbol,
    side: closingSide(position.side),
    type: level.role === "STOP_LOSS" ? "STOP_MARKET" : "TAKE_PROFIT_MARKET",
    quantity: position.quantity,
    triggerPrice: level.triggerPrice,
    reduceOnly: true,
  };
}

export interface ProtectionIntent {
  row: Order;
  request: PlaceOrderRequest;
}

export interface ProtectionFailure {
  role: ProtectionRole;
  row: Order;
  error: unknown;
}

/**
 * Sends recorded protective intents one by one and writes each answer into its row. A failure
 * leaves its row REJECTED (certainly not placed) or PENDING (unknown: the reconciler settles it).
 */
export async function sendProtection(
  deps: DeskDeps,
  gateway: ExchangeGateway,
  account: ExchangeAccountRef,
  intents: ProtectionIntent[],
): Promise<{ placed: Order[]; failures: ProtectionFailure[] }> {
  const placed: Order[] = [];
  const failures: ProtectionFailure[] = [];
  for (const { row, request } of intents) {
    const role = row.role as ProtectionRole;
    try {
      const order = await sendIntent(deps, gateway, account, row, request);
      placed.push(await deps.prisma.order.update({ where: { id: row.id }, data: resolvedRow(order) }));
    } catch (error) {
      failures.push({ role, row, error });
    }
  }
  return { placed, failures };
}

/** What a trader reads when a stop-loss / take-profit did not go through. */
export function protectionWarning(failure: ProtectionFailure): string {
  const what = failure.role === "STOP_LOSS" ? "stop-loss" : "take-profit";
  return definitelyNotPlaced(failure.error)
    ? `the ${what} was not placed: ${errorMessage(failure.error)}; set it again with positions.modifySlTp`
    : `the ${what}'s outcome is unknown (${errorMessage(failure.error)}); reconciliation will settle it`;
}
