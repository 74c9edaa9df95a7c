export * from "./client.ts";
export { type Database, embeddedPgliteOf } from "./connection/database.ts";
export { maskUrl } from "./connection/database-url.ts";
export { DatabaseConfigError } from "./connection/errors.ts";
export { type OpenDatabaseOptions, openDatabase } from "./connection/open-database.ts";
export type { OnQuery } from "./connection/query-hook.ts";
export {
  FAKE_PASSWORD,
  type FakeHistory,
  type FakeHistoryOptions,
  type FakeHistoryProgress,
  fakeTradingHistory,
} from "./fake/fake-history.ts";
export { fakeHistoryProgressBar } from "./fake/progress-bar.ts";
export { MigrationError } from "./migrations/errors.ts";
export {
  type MigrateOptions,
  type MigrateResult,
  type MigrationStatus,
  migrate,
  migrationStatus,
} from "./migrations/migrate.ts";
export {
  maintainOrderPartitions,
  monthsCoveredAhead,
  type OrderPartition,
  type OrderPartitions,
  orderPartitions,
  type PartitionMaintenance,
  type PartitionMaintenanceOptions,
} from "./partitions/order-partitions.ts";
export { hashPassword, verifyPassword } from "./password/password.ts";
export { DEMO_PASSWORD } from "./seed/demo-data.ts";
export { isEmptyDatabase, seed } from "./seed/seed.ts";
export {
  DAILY_PNL_VIEW,
  DAILY_USER_PNL_BY_MONTH_VIEW,
  DAILY_USER_PNL_VIEW,
  type DailyPnlViewRefresh,
  type DailyPnlViewRefreshOptions,
  refreshDailyPnlView,
} from "./views/daily-pnl-view.ts";
