import type { Prisma } from "@tradedesk/db";

export type RepairKind =
  | "ORDER_CANCELED"
  | "ORDER_RECORDED_EXTERNAL"
  | "ORDER_STATUS_UPDATED"
  | "INTENT_RESOLVED"
  | "POSITION_CLOSED"
  | "POSITION_OPENED"
  | "POSITION_UPDATED"
  | "REALIZED_PNL_SETTLED";

export type ReconcileTriggerName = "STARTUP" | "SCHEDULE" | "STREAM_RECONNECT" | "AFTER_MUTATION" | "MANUAL";

/** One repair, as audited (reconcile_repairs), logged and counted. */
export interface Repair {
  kind: RepairKind;
  symbol: string;
  clientOrderId?: string;
  positionId?: string;
  /** What the database recorded, and what the exchange holds (amounts as decimal strings). */
  recorded?: Prisma.InputJsonValue;
  exchange?: Prisma.InputJsonValue;
  /** What was done, in a trader's words. */
  action: string;
}

export interface ReconcileRunReport {
  runId: string;
  accountId: string;
  userId: string;
  trigger: ReconcileTriggerName;
  outcome: "OK" | "FAILED";
  repairs: Repair[];
  error?: unknown;
}
