import type { DeskDeps } from "../domain/deps.ts";
import { ACCOUNT_ROW_SELECT, accountRef } from "../domain/exchange-accounts.ts";
import { errorMessage } from "../domain/order-rows.ts";
import type { Unsubscribe } from "../exchange/gateway.ts";
import { acquireLease, releaseLease } from "./lease.ts";
import { reconcileAccount } from "./reconcile-account.ts";
import type { ReconcileRunReport, ReconcileTriggerName } from "./repairs.ts";

export interface ReconcilerOptions {
  /** Accounts of users with an open dashboard are reconciled this often; default 30 s. */
  activeIntervalMs?: number;
  /** Every other account this often; default 10 min. */
  idleIntervalMs?: number;
  /**
   * Request weight reconciling may spend per minute, scheduled runs only (a fixed share of the
   * IP's budget, so it never starves the traders); default 240 (10% of Binance's 2400).
   */
  weightPerMinute?: number;
  /** What one run is taken to weigh (snapshot 10 + open orders 80 + a few look-ups); default 100. */
  weightPerRun?: number;
  /** See ReconcileAccountOptions.intentGraceMs; default 30 s. */
  intentGraceMs?: number;
  /** How long a run holds its account's lease at most; default 2 min. */
  leaseMs?: number;
  /** A requested run (after a mutation, a stream reconnect) waits this long to gather a burst; default 500 ms. */
  requestDelayMs?: number;
  /** Runs each account's reconciliation in its owner's one-at-a-time queue (with their mutations). */
  runForUser: <T>(userId: string, task: () => Promise<T>) => Promise<T>;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

export type ReconcileListener = (report: ReconcileRunReport) => void;

export interface Reconciler {
  /** One run of one account now; null when another run holds it or the account is unknown. */
  run(accountId: string, trigger: ReconcileTriggerName): Promise<ReconcileRunReport | null>;
  /** Every account, one after the other. */
  runAll(trigger: ReconcileTriggerName): Promise<ReconcileRunReport[]>;
  /** A run soon (coalesced with other requests for the account); never throws. */
  request(accountId: string, trigger: ReconcileTriggerName): void;
  /** The user has an open dashboard: their accounts are reconciled at the active interval. */
  watch(userId: string): Unsubscribe;
  /** Start-up run of every account, then the schedule. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every run (metrics, tests). */
  onRun(listener: ReconcileListener): Unsubscribe;
  /** Resolves when no run is requested or running (tests, shutdown). */
  idle(): Promise<void>;
}

const MINUTE_MS = 60_000;

export function createReconciler(deps: DeskDeps, options: ReconcilerOptions): Reconciler {
  const { prisma } = deps;
  const activeIntervalMs = options.activeIntervalMs ?? 30_000;
  const idleIntervalMs = options.idleIntervalMs ?? 10 * MINUTE_MS;
  const weightPerMinute = options.weightPerMinute ?? 240;
  const weightPerRun = options.weightPerRun ?? 100;
  const intentGraceMs = options.intentGraceMs ?? 30_000;
  const leaseMs = options.leaseMs ?? 2 * MINUTE_MS;
  const requestDelayMs = options.requestDelayMs ?? 500;
  const setTimer = options.setTimeout ?? ((callback, ms) => unref(setTimeout(callback, ms)));
  const clearTimer = options.clearTimeout ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));

  const listeners = new Set<ReconcileListener>();
  const watchers = new Map<string, number>();
  const lastRunAt = new Map<string, number>();
  const requested = new Map<string, { trigger: ReconcileTriggerName; timer: unknown }>();
  const inFlight = new Set<Promise<unknown>>();
  let spent: { at: number; weight: number }[] = [];
  let scheduleTimer: unknown = null;
  let stopped = false;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => {});
    return work;
  }

  async function run(accountId: string, trigger: ReconcileTriggerName): Promise<ReconcileRunReport | null> {
    const account = await prisma.exchangeAccount.findUnique({
      where: { id: accountId },
      select: ACCOUNT_ROW_SELECT,
    });
    const gateway = account ? deps.gateways[account.exchange] : undefined;
    if (!account || !gateway) return null;
    lastRunAt.set(accountId, deps.now().getTime());
    return options.runForUser(account.userId, async () => {
      if (!(await acquireLease(prisma, accountId, deps.now(), leaseMs))) return null;
      const started = await prisma.reconcileRun.create({ data: { accountId, trigger } });
      let report: ReconcileRunReport;
      try {
        const repairs = await reconcileAccount(deps, gateway, accountRef(deps, account), { intentGraceMs });
        report = { runId: started.id, accountId, userId: account.userId, trigger, outcome: "OK", repairs };
      } catch (error) {
        report = {
          runId: started.id,
          accountId,
          userId: account.userId,
          trigger,
          outcome: "FAILED",
          repairs: [],
          error,
        };
        deps.logger.warn(
          { err: error, accountId, trigger },
          "reconciliation failed; the next run tries again",
        );
      } finally {
        await releaseLease(prisma, accountId);
      }
      await prisma.$transaction([
        prisma.reconcileRepair.createMany({
          data: report.repairs.map((repair) => ({ ...repair, runId: started.id, accountId })),
        }),
        prisma.reconcileRun.update({
          where: { id: started.id },
          data: {
            finishedAt: deps.now(),
            outcome: report.outcome,
            repairCount: report.repairs.length,
            ...(report.error ? { error: errorMessage(report.error) } : {}),
          },
        }),
      ]);
      for (const repair of report.repairs) {
        deps.logger.warn(
          {
            accountId,
            runId: started.id,
            trigger,
            repair: repair.kind,
            symbol: repair.symbol,
            clientOrderId: repair.clientOrderId,
          },
          `reconciliation repaired the record: ${repair.action}`,
        );
      }
      if (report.repairs.length > 0) await deps.userDataChanged(account.userId);
      for (const listener of listeners) listener(report);
      return report;
    });
  }

  function budgetAllows(now: number): boolean {
    spent = spent.filter((entry) => entry.at > now - MINUTE_MS);
    const used = spent.reduce((total, entry) => total + entry.weight, 0);
    if (used + weightPerRun > weightPerMinute) return false;
    spent.push({ at: now, weight: weightPerRun });
    return true;
  }

  async function scheduledPass(): Promise<void> {
    const accounts = await prisma.exchangeAccount.findMany({ select: { id: true, userId: true } });
    const now = deps.now().getTime();
    const due = accounts
      .map((account) => ({
        ...account,
        overdue:
          now -
          (lastRunAt.get(account.id) ?? 0) -
          (watchers.has(account.userId) ? activeIntervalMs : idleIntervalMs),
      }))
      .filter((account) => account.overdue >= 0)
      .sort((a, b) => b.overdue - a.overdue);
    for (const account of due) {
      if (stopped || !budgetAllows(deps.now().getTime())) return;
      await run(account.id, "SCHEDULE");
    }
  }

  function scheduleNext() {
    if (stopped) return;
    const tickMs = Math.min(activeIntervalMs, idleIntervalMs, 5_000);
    scheduleTimer = setTimer(() => {
      void track(scheduledPass())
        .catch((error: unknown) => deps.logger.warn({ err: error }, "scheduled reconciliation failed"))
        .finally(scheduleNext);
    }, tickMs);
  }

  return {
    run: (accountId, trigger) => track(run(accountId, trigger)),
    async runAll(trigger) {
      const accounts = await prisma.exchangeAccount.findMany({
        select: { id: true },
        orderBy: { id: "asc" },
      });
      const reports: ReconcileRunReport[] = [];
      for (const account of accounts) {
        const report = await track(run(account.id, trigger));
        if (report) reports.push(report);
      }
      return reports;
    },
    request(accountId, trigger) {
      if (stopped || requested.has(accountId)) return;
      const timer = setTimer(() => {
        requested.delete(accountId);
        void track(run(accountId, trigger)).catch((error: unknown) =>
          deps.logger.warn({ err: error, accountId }, "requested reconciliation failed"),
        );
      }, requestDelayMs);
      requested.set(accountId, { trigger, timer });
    },
    watch(userId) {
      watchers.set(userId, (watchers.get(userId) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const left = (watchers.get(userId) ?? 1) - 1;
        if (left <= 0) watchers.delete(userId);
        else watchers.set(userId, left);
      };
    },
    async start() {
      stopped = false;
      await this.runAll("STARTUP");
      scheduleNext();
    },
    async stop() {
      stopped = true;
      if (scheduleTimer !== null) clearTimer(scheduleTimer);
      for (const { timer } of requested.values()) clearTimer(timer);
      requested.clear();
      await Promise.allSettled([...inFlight]);
    },
    onRun(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async idle() {
      while (inFlight.size > 0 || requested.size > 0) {
        // Requested runs wait for their timer; run them now so idle() settles.
        for (const [accountId, { trigger, timer }] of [...requested]) {
          clearTimer(timer);
          requested.delete(accountId);
          void track(run(accountId, trigger)).catch(() => {});
        }
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}

function unref(handle: NodeJS.Timeout): NodeJS.Timeout {
  handle.unref?.();
  return handle;
}
