import type { AssetBalance } from "../exchange/gateway.ts";

interface Kept {
  balances: Map<string, AssetBalance>;
  /** Exchange time of the newest snapshot or event applied. */
  at: number;
}

/**
 * Each account's exchange balances, kept by its event stream so that a balances read asks the
 * exchange nothing: seeded once from a REST snapshot, then moved by every balance event (the
 * newer one wins, whatever arrives first). Only while the account's stream is live: an account
 * with no stream, or whose stream restarted (events may have been lost), has no current balances
 * here until the next snapshot seeds them again.
 */
export interface AccountBalances {
  /** The balances the stream keeps current, or null: ask the exchange. */
  current(accountId: string): { balances: AssetBalance[]; at: number } | null;
  /** A REST snapshot taken at `at`; kept if the stream is live and nothing newer arrived. */
  seed(accountId: string, balances: AssetBalance[], at: number): void;
  /** A balance event: the assets it names change. */
  apply(accountId: string, balances: AssetBalance[], at: number): void;
  /** The stream of the account is live from now on (nothing is current until seeded). */
  streaming(accountId: string): void;
  /** The stream stopped or restarted: forget what it kept. */
  lost(accountId: string): void;
  clear(): void;
}

export function createAccountBalances(): AccountBalances {
  const live = new Set<string>();
  const kept = new Map<string, Kept>();
  // The newest event seen per account, seeded or not: a snapshot older than it is already out of date.
  const eventAt = new Map<string, number>();
  return {
    current(accountId) {
      const entry = live.has(accountId) ? kept.get(accountId) : undefined;
      return entry ? { balances: [...entry.balances.values()], at: entry.at } : null;
    },
    seed(accountId, balances, at) {
      if (!live.has(accountId)) return;
      const entry = kept.get(accountId);
      if ((entry && entry.at > at) || (eventAt.get(accountId) ?? Number.NEGATIVE_INFINITY) > at) return;
      kept.set(accountId, { balances: new Map(balances.map((b) => [b.asset, b])), at });
    },
    apply(accountId, balances, at) {
      eventAt.set(accountId, Math.max(at, eventAt.get(accountId) ?? at));
      const entry = kept.get(accountId);
      // Before the first snapshot an event names only some assets: the snapshot fills the rest.
      if (!live.has(accountId) || !entry || entry.at > at) return;
      for (const balance of balances) entry.balances.set(balance.asset, balance);
      entry.at = at;
    },
    streaming(accountId) {
      live.add(accountId);
    },
    lost(accountId) {
      live.delete(accountId);
      kept.delete(accountId);
      eventAt.delete(accountId);
    },
    clear() {
      live.clear();
      kept.clear();
      eventAt.clear();
    },
  };
}
