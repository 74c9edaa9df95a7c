import { useEffect, useState } from "react";
import type { BalancesRead } from "../types.ts";

/** Re-renders every second so the age counts up between fetches. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * Whether the balances came from the server's cache or were loaded fresh, and how old they are:
 * the age the server reported plus the time since this tab received them. "offline" when the
 * last read failed: nothing on screen can be fresh then, whatever the last answer said.
 */
export function CacheBadge({
  read,
  receivedAt,
  offline = false,
  label = "Balances source",
}: {
  read: BalancesRead;
  receivedAt: number;
  offline?: boolean;
  label?: string;
}) {
  const now = useNow(1000);
  const ageSeconds = Math.max(0, read.ageMs + (now - receivedAt)) / 1000;
  const source = offline ? "offline" : read.stale ? "stale" : read.fromCache ? "cached" : "fresh";
  return (
    <span role="status" aria-label={label} className={`badge ${offline ? "stale" : source}`}>
      {source} · {ageSeconds.toFixed(1)} s old
    </span>
  );
}
