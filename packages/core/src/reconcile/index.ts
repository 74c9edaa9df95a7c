export {
  createReconciler,
  type ReconcileListener,
  type Reconciler,
  type ReconcilerOptions,
} from "./reconciler.ts";
export type { ReconcileRunReport, ReconcileTriggerName, Repair, RepairKind } from "./repairs.ts";
