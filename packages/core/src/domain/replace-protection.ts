import type { Order } from "@tradedesk/db";
import type Decimal from "decimal.js";
import { requestCancelStatement, settleCancellations } from "./cancellations.ts";
import type { DeskDeps } from "./deps.ts";
import { accountRef, gatewayFor } from "./exchange-accounts.ts";
import { intentRow, protectiveClientOrderId } from "./intents.ts";
import type { OwnedPosition, ProtectiveOrderRow } from "./owned-position.ts";
import { type ProtectionRole, protectiveRequest, sendProtection } from "./protection.ts";

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
 * position's current quantity. The new orders are recorded (PENDING intents), then placed on
 * the exchange; if one fails, those placed are taken back and the error is thrown. Then the old
 * rows are marked PENDING_CANCEL in one statement and cancelled on the exchange, where a failure
 * is only a warning (the reconciler finishes it): the position is over-protected for a moment,
 * never unprotected. `parentClientOrderId` derives the new orders' clientOrderIds (an add to a
 * position: its retry finds the same ones); without it they are random.
 */
export async function replaceProtection(
  deps: DeskDeps,
  position: OwnedPosition,
  changes: ProtectionChange[],
  parentClientOrderId?: string,
): Promise<ReplacedProtection> {
  const gateway = gatewayFor(deps, position.account.exchange);
  const ref = accountRef(deps, position.account);
  const replaced = position.protectiveOrders.filter((order) =>
    changes.some((change) => change.role === order.role),
  );
  const intents = changes.flatMap(({ role, level }) => {
    if (!level) return [];
    const clientOrderId = parentClientOrderId
      ? protectiveClientOrderId(parentClientOrderId, role)
      : undefined;
    return [{ role, request: protectiveRequest(position, { role, triggerPrice: level }, clientOrderId) }];
  });
  const rows = await deps.prisma.order.createManyAndReturn({
    data: intents.map(({ role, request }) =>
      intentRow(position.account.id, position.id, role, request, deps.now()),
    ),
  });
  const { placed, failures } = await sendProtection(
    deps,
    gateway,
    ref,
    rows.map((row, index) => ({ row, request: intents[index]!.request })),
  );
  if (failures.length > 0) {
    // Take back what was placed, and whatever an unknown outcome may have placed.
    const undo = [...placed, ...failures.map((failure) => failure.row)];
    await requestCancelStatement(
      deps.prisma,
      undo.map((order) => order.id),
    );
    await settleCancellations(deps, gateway, ref, undo);
    throw failures[0]?.error;
  }

  await requestCancelStatement(
    deps.prisma,
    replaced.map((order) => order.id),
  );
  const warnings = await settleCancellations(
    deps,
    gateway,
    ref,
    replaced.map((order) => ({ ...order, accountId: position.account.id, symbol: position.symbol })),
  );
  return { inserted: placed, replaced, warnings };
}
