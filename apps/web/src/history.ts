import type { RouterOutputs } from "@tradedesk/api";

/** The range the dashboard's PnL curve and history summary show. */
export const HISTORY_RANGE = { lastDays: 90 } as const;

type Freshness = Pick<RouterOutputs["history"]["summary"], "asOf" | "liveFrom" | "viewRefreshedAt">;

/**
 * How fresh the history is, in words: the days read live (today, and every day since the daily
 * view's last refresh) are as of the answer; earlier days as of that refresh.
 */
export function describeFreshness(history: Freshness, timeZone?: string): string {
  const time = new Intl.DateTimeFormat("en-GB", { timeStyle: "medium", ...(timeZone ? { timeZone } : {}) });
  const live = `live as of ${time.format(new Date(history.asOf))}`;
  if (history.viewRefreshedAt === null) return `Every day ${live}.`;
  const today = history.asOf.slice(0, 10);
  const from = history.liveFrom === today ? "Today (UTC)" : `From ${utcDay(history.liveFrom)} (UTC)`;
  const refreshed = new Date(history.viewRefreshedAt);
  const sameDay = dayIn(refreshed, timeZone) === dayIn(new Date(history.asOf), timeZone);
  const at = new Intl.DateTimeFormat("en-GB", {
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  }).format(refreshed);
  return `${from} ${live}; earlier days as of ${at} (the daily view's last refresh).`;
}

const utcDay = (day: string) =>
  new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }).format(
    new Date(`${day}T00:00:00Z`),
  );
const dayIn = (at: Date, timeZone?: string) =>
  new Intl.DateTimeFormat("en-CA", timeZone ? { timeZone } : {}).format(at);
