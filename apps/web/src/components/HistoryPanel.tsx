import { useState } from "react";
import { HISTORY_STALE_MS } from "../history.ts";
import { formatPrice, formatQuantity, formatSigned, pnlTone } from "../money.ts";
import { trpc } from "../trpc.ts";
import { roleLabel, statusLabel } from "./order-labels.ts";

export const HISTORY_PAGE_SIZE = 10;
type Tab = "closed" | "trades";

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "short", timeStyle: "medium" });
const CLOSED_BY: Record<string, string> = {
  TRADER: "you",
  STOP_LOSS: "stop-loss",
  TAKE_PROFIT: "take-profit",
  EXCHANGE: "the exchange",
};

/** Cursor pages: the cursors of the pages seen so far, so "Newer" goes back without a query of its own. */
function usePages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  return {
    cursor,
    page: cursors.length,
    older: (next: string) => setCursors((c) => [...c, next]),
    newer: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([undefined]),
  };
}

function Pager({
  label,
  page,
  nextCursor,
  pages,
}: {
  label: string;
  page: number;
  nextCursor: string | null | undefined;
  pages: ReturnType<typeof usePages>;
}) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={pages.newer} disabled={page === 1} aria-label={`Newer ${label}`}>
        ← Newer
      </button>
      <output className="muted small" aria-label={`${label} page`}>
        Page {page}
      </output>
      <button
        type="button"
        onClick={() => nextCursor && pages.older(nextCursor)}
        disabled={!nextCursor}
        aria-label={`Older ${label}`}
      >
        Older →
      </button>
    </nav>
  );
}

export function HistoryPanel() {
  const [tab, setTab] = useState<Tab>("closed");
  return (
    <section className="card" aria-labelledby="history-heading">
      <div className="section-head">
        <h2 id="history-heading">History</h2>
        <div role="tablist" aria-label="History" className="tabs">
          <button type="button" role="tab" aria-selected={tab === "closed"} onClick={() => setTab("closed")}>
            Closed positions
          </button>
          <button type="button" role="tab" aria-selected={tab === "trades"} onClick={() => setTab("trades")}>
            Trades
          </button>
        </div>
      </div>
      <div role="tabpanel" aria-label={tab === "closed" ? "Closed positions" : "Trades"}>
        {tab === "closed" ? <ClosedPositions /> : <Trades />}
      </div>
    </section>
  );
}

function ClosedPositions() {
  const pages = usePages();
  const closed = trpc.positions.closed.useQuery(
    { limit: HISTORY_PAGE_SIZE, ...(pages.cursor ? { cursor: pages.cursor } : {}) },
    { staleTime: HISTORY_STALE_MS },
  );
  const items = closed.data?.items ?? [];
  return (
    <>
      <table aria-label="Closed positions" className="stack">
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col" className="num">
              Entry
            </th>
            <th scope="col" className="num">
              Realized PnL
            </th>
            <th scope="col">Closed</th>
          </tr>
        </thead>
        <tbody>
          {closed.data && items.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No closed positions yet
              </td>
            </tr>
          )}
          {items.map((p) => {
            const name = `${p.symbol} ${p.side.toLowerCase()} closed ${p.closedAt ? when.format(new Date(p.closedAt)) : ""}`;
            return (
              <tr key={p.id} aria-label={name}>
                <th scope="row" data-label="Symbol">
                  {p.symbol} <span className="tag">{p.leverage}x</span>
                </th>
                <td data-label="Side" className={p.side === "LONG" ? "profit" : "loss"}>
                  {p.side}
                </td>
                <td data-label="Quantity" className="num">
                  {formatQuantity(p.quantity)}
                </td>
                <td data-label="Entry" className="num">
                  {formatPrice(p.entryPrice)}
                </td>
                <td
                  data-label="Realized PnL"
                  className={`num ${pnlTone(p.realizedPnl)}`}
                  aria-label={`${p.symbol} ${p.side.toLowerCase()} realized PnL`}
                  title={
                    p.realizedPnlPending
                      ? "The desk's estimate until the exchange's trades are booked"
                      : undefined
                  }
                >
                  {formatSigned(p.realizedPnl)}
                  {p.realizedPnlPending ? " (est.)" : ""}
                </td>
                <td data-label="Closed">
                  {p.closedAt ? when.format(new Date(p.closedAt)) : "—"}
                  {p.closedBy ? <span className="muted small"> by {CLOSED_BY[p.closedBy]}</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pager label="closed positions" page={pages.page} nextCursor={closed.data?.nextCursor} pages={pages} />
    </>
  );
}

function Trades() {
  const pages = usePages();
  const trades = trpc.orders.trades.useQuery(
    { limit: HISTORY_PAGE_SIZE, ...(pages.cursor ? { cursor: pages.cursor } : {}) },
    { staleTime: HISTORY_STALE_MS },
  );
  const items = trades.data?.items ?? [];
  return (
    <>
      <table aria-label="Trades" className="stack">
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col">Order</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">
              Filled
            </th>
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {trades.data && items.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No trades yet
              </td>
            </tr>
          )}
          {items.map((o) => (
            <tr key={o.id}>
              <th scope="row" data-label="Symbol">
                {o.symbol}
              </th>
              <td data-label="Order">
                {roleLabel(o)} <span className="muted small">{statusLabel(o.status)}</span>
              </td>
              <td data-label="Side" className={o.side === "BUY" ? "profit" : "loss"}>
                {o.side}
              </td>
              <td data-label="Filled" className="num">
                {formatQuantity(o.filledQuantity)}
              </td>
              <td data-label="Price" className="num">
                {o.averagePrice ? formatPrice(o.averagePrice) : "—"}
              </td>
              <td data-label="Time">{when.format(new Date(o.createdAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager label="trades" page={pages.page} nextCursor={trades.data?.nextCursor} pages={pages} />
    </>
  );
}
