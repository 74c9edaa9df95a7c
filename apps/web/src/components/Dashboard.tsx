import { useEffect } from "react";
import { useBalancesSummary } from "../hooks/useBalancesSummary.ts";
import { useDashboardEvents } from "../hooks/useDashboardEvents.ts";
import { useHistorySymbol } from "../hooks/useHistorySymbol.ts";
import { recordMarks } from "../mark-history.ts";
import { trpc } from "../trpc.ts";
import { AccountsPanel } from "./AccountsPanel.tsx";
import { BalancesTable } from "./BalancesTable.tsx";
import { CacheBadge } from "./CacheBadge.tsx";
import { CachePanel } from "./CachePanel.tsx";
import { HistoryPanel } from "./HistoryPanel.tsx";
import { HistorySummary } from "./HistorySummary.tsx";
import { HistorySymbolPicker } from "./HistorySymbolPicker.tsx";
import { OpenOrdersPanel } from "./OpenOrdersPanel.tsx";
import { OrderForm } from "./OrderForm.tsx";
import { PnlCurve } from "./PnlCurve.tsx";
import { PositionsTable } from "./PositionsTable.tsx";
import { PriceChart } from "./PriceChart.tsx";
import { RecentlyClosedNotices } from "./RecentlyClosedNotices.tsx";
import { Totals } from "./Totals.tsx";

const time = new Intl.DateTimeFormat("en-GB", { timeStyle: "medium" });

export function Dashboard({ onSignOut }: { onSignOut: () => void }) {
  const me = trpc.auth.me.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
  const balances = useBalancesSummary();
  const events = useDashboardEvents();
  const read = balances.data;
  // The last read failed (the server or the network is away): what is on screen is what we had.
  const offline = read !== undefined && balances.isError;
  const streaming = events.status === "pending";
  const history = useHistorySymbol(read?.data.accounts ?? [], read?.data.positions ?? []);

  useEffect(() => {
    if (!read) return;
    const marks = Object.fromEntries(read.data.positions.map((p) => [p.symbol, p.markPrice]));
    recordMarks(marks, read.data.pricesAt);
  }, [read]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>tradedesk</h1>
        <span className={`live ${streaming ? "pending" : "down"}`} role="status" aria-label="Live updates">
          {streaming ? "live" : events.status === "connecting" ? "connecting" : "reconnecting"}
        </span>
        <span className="spacer" />
        <a className="skip" href="#order-heading">
          New order
        </a>
        {me.data && <span className="muted email">{me.data.email}</span>}
        <button type="button" onClick={onSignOut} title="Signs out every tab of this browser">
          Sign out
        </button>
      </header>
      {offline && (
        <p role="alert" className="banner">
          The server is not answering ({balances.error?.message}). Figures below are from{" "}
          {time.format(new Date(balances.dataUpdatedAt))} and may be out of date; retrying.
        </p>
      )}
      {balances.error && !read && (
        <p role="alert" className="error">
          Could not load your balances: {balances.error.message}
        </p>
      )}
      {!read && !balances.error && <p className="muted">Loading your desk…</p>}
      {read && (
        <main className={`layout${offline ? " is-stale" : ""}`} aria-busy={offline}>
          <div className="main-column">
            <Totals totals={read.data.totals} />
            <section className="card" aria-labelledby="positions-heading">
              <div className="section-head">
                <h2 id="positions-heading">Positions</h2>
                <CacheBadge
                  read={read}
                  receivedAt={balances.dataUpdatedAt}
                  offline={offline}
                  label="Positions source"
                />
              </div>
              <RecentlyClosedNotices closed={read.data.recentlyClosed} />
              <PositionsTable positions={read.data.positions} />
            </section>
            <PriceChart positions={read.data.positions} />
            <OpenOrdersPanel />
            <HistoryPanel />
            <section className="card" aria-labelledby="balances-heading">
              <div className="section-head">
                <h2 id="balances-heading">Balances</h2>
                <CacheBadge read={read} receivedAt={balances.dataUpdatedAt} offline={offline} />
              </div>
              <BalancesTable accounts={read.data.accounts} />
            </section>
          </div>
          <aside className="side-column">
            <OrderForm accounts={read.data.accounts} positions={read.data.positions} />
            <HistorySymbolPicker
              symbol={history.symbol}
              choices={history.choices}
              onChange={history.setSymbol}
            />
            <PnlCurve symbol={history.symbol} />
            <HistorySummary symbol={history.symbol} />
            <AccountsPanel />
            <CachePanel />
          </aside>
        </main>
      )}
    </div>
  );
}
