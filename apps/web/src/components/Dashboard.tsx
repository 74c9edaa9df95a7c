import { useBalancesSummary } from "../hooks/useBalancesSummary.ts";
import { useDashboardEvents } from "../hooks/useDashboardEvents.ts";
import { trpc } from "../trpc.ts";
import { BalancesTable } from "./BalancesTable.tsx";
import { CacheBadge } from "./CacheBadge.tsx";
import { CachePanel } from "./CachePanel.tsx";
import { OrderForm } from "./OrderForm.tsx";
import { PositionsTable } from "./PositionsTable.tsx";
import { RecentlyClosedNotices } from "./RecentlyClosedNotices.tsx";
import { Totals } from "./Totals.tsx";

export function Dashboard({ onSignOut }: { onSignOut: () => void }) {
  const me = trpc.auth.me.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
  const balances = useBalancesSummary();
  const events = useDashboardEvents();
  const read = balances.data;

  return (
    <div className="app">
      <header className="topbar">
        <h1>tradedesk</h1>
        <span className={`live ${events.status}`} role="status" aria-label="Live updates">
          {events.status === "pending" ? "live" : events.status}
        </span>
        <span className="spacer" />
        {me.data && <span className="muted">{me.data.email}</span>}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {balances.error && !read && (
        <p role="alert" className="error">
          Could not load your balances: {balances.error.message}
        </p>
      )}
      {!read && !balances.error && <p className="muted">Loading your desk…</p>}
      {read && (
        <main className="layout">
          <div className="main-column">
            <Totals totals={read.data.totals} />
            <section className="card" aria-labelledby="positions-heading">
              <h2 id="positions-heading">Positions</h2>
              <RecentlyClosedNotices closed={read.data.recentlyClosed} />
              <PositionsTable positions={read.data.positions} />
            </section>
            <section className="card" aria-labelledby="balances-heading">
              <div className="section-head">
                <h2 id="balances-heading">Balances</h2>
                <CacheBadge read={read} receivedAt={balances.dataUpdatedAt} />
              </div>
              <BalancesTable accounts={read.data.accounts} />
            </section>
          </div>
          <aside className="side-column">
            <OrderForm accounts={read.data.accounts} />
            <CachePanel />
          </aside>
        </main>
      )}
    </div>
  );
}
