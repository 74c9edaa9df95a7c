import type { Order } from "@tradedesk/db";
import type Decimal from "decimal.js";
import type { DeskDeps } from "./deps.ts";
import { accountRef, gatewayFor } from "./exchange-accounts.ts";
import { errorMessage } from "./order-rows.ts";
import { cancelOrdersStatement, type OwnedPosition, type ProtectiveOrderRow } from "./owned-position.ts";
import { type ProtectionRole, placeProtection, protectiveOrderRows } from "./protection.ts";

/** A role to replace: a level places a new order, null only removes the current one. */
export interface ProtectionChange {
  role: ProtectionRole;
  level: Decimal | null;
}

export interface ReplacedProtection {
  inserted: Order[];
  replaced: ProtectiveOrderRow[];
  warnings: string[];
}

/**
 * Replaces a position's stop-loss / take-profit for the roles in `changes`, covering the
 * position's current quantity. The new orders are placed on the exchange first; if one fails,
 * those placed are taken back and the error is thrown with nothing written. Then one
 * transaction cancels the old rows (one UPDATE ... = ANY) and inserts the new (one INSERT);
 * then the old orders are cancelled on the exchange, where a failure is only a warning: the
 * position is over-protected for a moment, never unprotected.
 */
export async function replaceProtection(
  deps: DeskDeps,
  position: OwnedPosition,
  changes: ProtectionChange[],
): Promise<ReplacedProtection> {
  const gateway = gatewayFor(deps, position.account.exchange);
  const ref = accountRef(deps, position.account);
  const replaced = position.protectiveOrders.filter((order) =>
    changes.some((change) => change.role === order.role),
  );
  const levels = changes.flatMap(({ role, level }) => (level ? [{ role, triggerPrice: level }] : []));

  const { placed, failures } = await placeProtection(gateway, ref, position, levels);
  if (failures.length > 0) {
    const undo = placed.map(({ order }) => ({
      symbol: position.symbol,
      clientOrderId: order.clientOrderId,
      kind: "trigger" as const,
    }));
    if (undo.length > 0) {
      await gateway.cancelOrders(ref, undo).catch((error: unknown) => {
        deps.logger.error({ err: error, positionId: position.id }, "could not take back a protective order");
      });
    }
    throw failures[0]?.error;
  }

  const [, inserted] = await deps.prisma.$transaction([
    cancelOrdersStatement(
      deps.prisma,
      replaced.map((order) => order.id),
    ),
    deps.prisma.order.createManyAndReturn({
      data: protectiveOrderRows(position.account.id, position.id, placed),
    }),
  ]);
  const warnings: string[] = [];
  await cancelOnExchange(deps, position, replaced, warnings);
  return { inserted, replaced, warnings };
}

/** Cancels on the exchange; a failure is logged and reported, never thrown (the DB already moved on). */
export async function cancelOnExchange(
  deps: DeskDeps,
  position: OwnedPosition,
  orders: ProtectiveOrderRow[],
  warnings: string[],
): Promise<void> {
  if (orders.length === 0) return;
  try {
    await gatewayFor(deps, position.account.exchange).cancelOrders(
      accountRef(deps, position.account),
      orders.map((order) => ({
        symbol: position.symbol,
        clientOrderId: order.clientOrderId,
        kind: "trigger",
      })),
    );
  } catch (error) {
    warnings.push(`old protective orders could not be cancelled on the exchange: ${errorMessage(error)}`);
    deps.logger.warn(
      { err: error, positionId: position.id, orders: orders.map((order) => order.clientOrderId) },
      "cancelling protective orders failed",
    );
  }
}
