import type { OrderPartitions, PartitionMaintenance } from "@tradedesk/db";
import { clearIntervalAsync, setIntervalAsync } from "set-interval-async/fixed";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface OrderPartitionUpkeepOptions {
  /** packages/db's maintainOrderPartitions with the configured months ahead and retention. */
  maintain(now: Date): Promise<PartitionMaintenance>;
  /** packages/db's orderPartitions: what the metrics show after each run. */
  list(): Promise<OrderPartitions>;
  /** Default: a day. */
  intervalMs?: number;
  now?: () => Date;
  onRun?(result: OrderPartitionUpkeepRun): void;
  onError?(error: unknown): void;
}

export interface OrderPartitionUpkeepRun {
  maintenance: PartitionMaintenance;
  partitions: OrderPartitions;
}

export interface OrderPartitionUpkeep {
  /** One run now (start-up, before serving); throws what it meets. */
  run(): Promise<OrderPartitionUpkeepRun>;
  /** A run every interval from now on; a failure is reported and the next run tries again. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * The orders' monthly partitions made ahead and retired past the retention, at start-up and then
 * daily: a month needs its partition before its first order (else that order lands in the
 * default partition, which every query reads).
 */
export function createOrderPartitionUpkeep(options: OrderPartitionUpkeepOptions): OrderPartitionUpkeep {
  const now = options.now ?? (() => new Date());
  let schedule: ReturnType<typeof setIntervalAsync> | null = null;

  async function run(): Promise<OrderPartitionUpkeepRun> {
    const maintenance = await options.maintain(now());
    const result = { maintenance, partitions: await options.list() };
    options.onRun?.(result);
    return result;
  }

  return {
    run,
    start() {
      schedule ??= setIntervalAsync(async () => {
        try {
          await run();
        } catch (error) {
          options.onError?.(error);
        }
      }, options.intervalMs ?? DAY_MS);
    },
    async stop() {
      if (schedule) await clearIntervalAsync(schedule);
      schedule = null;
    },
  };
}
