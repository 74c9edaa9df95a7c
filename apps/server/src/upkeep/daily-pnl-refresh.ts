import type { DailyPnlViewRefresh } from "@tradedesk/db";
import { clearIntervalAsync, setIntervalAsync } from "set-interval-async/fixed";

export interface DailyPnlRefresherOptions {
  /** packages/db's refreshDailyPnlView on the app's database. */
  refresh(options: { notBefore: Date }): Promise<DailyPnlViewRefresh>;
  /** The view is refreshed when older than this; checked at start and this long after each check. */
  intervalMs: number;
  /** A repair waits this long for the rest of its burst, so that the burst costs one refresh. Default 2 s. */
  settleMs?: number;
  now?: () => Date;
  onRefresh?(result: DailyPnlViewRefresh): void;
  onError?(error: unknown): void;
}

export interface DailyPnlRefresher {
  /** A check now, then the schedule. */
  start(): void;
  /** Reconciliation repaired the record (PnL, fills): a refresh soon, one for a burst. */
  afterRepairs(): void;
  /** Resolves when no refresh is running or queued (a repair still settling is not waited for). */
  idle(): Promise<void>;
  /** No further refreshes; waits for one running. */
  stop(): Promise<void>;
}

/**
 * Keeps daily_account_pnl fresh: on a schedule and after reconciliation repairs. Refreshes run one
 * at a time here, and each asks the database whether it is still needed (`notBefore`: a refresh
 * that started after the need arose, by any instance, already holds it), so several instances on
 * one database refresh about once per interval between them, not once each.
 */
export function createDailyPnlRefresher(options: DailyPnlRefresherOptions): DailyPnlRefresher {
  const now = options.now ?? (() => new Date());
  const settleMs = options.settleMs ?? 2_000;
  let queue: Promise<void> = Promise.resolve();
  let schedule: ReturnType<typeof setIntervalAsync> | null = null;
  let settling: ReturnType<typeof setTimeout> | null = null;
  let repairsSince: Date | null = null;
  let stopped = false;

  function refresh(notBefore: Date): Promise<void> {
    queue = queue.then(async () => {
      if (stopped) return;
      try {
        options.onRefresh?.(await options.refresh({ notBefore }));
      } catch (error) {
        options.onError?.(error);
      }
    });
    return queue;
  }
  const scheduled = () => refresh(new Date(now().getTime() - options.intervalMs));

  return {
    start() {
      if (stopped || schedule) return;
      void scheduled();
      schedule = setIntervalAsync(scheduled, options.intervalMs);
    },
    afterRepairs() {
      if (stopped) return;
      // The first repair of a burst: a refresh that started after it holds the whole burst.
      repairsSince ??= now();
      settling ??= setTimeout(() => {
        const since = repairsSince ?? now();
        settling = null;
        repairsSince = null;
        void refresh(since);
      }, settleMs);
    },
    idle: () => queue,
    async stop() {
      stopped = true;
      if (settling) clearTimeout(settling);
      if (schedule) await clearIntervalAsync(schedule);
      await queue;
    },
  };
}
