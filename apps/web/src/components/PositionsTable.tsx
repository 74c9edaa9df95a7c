import { Fragment, useState } from "react";
import { useClosePosition } from "../hooks/useClosePosition.ts";
import { formatAmount, formatPrice, formatQuantity, formatSigned, pnlTone } from "../money.ts";
import { positionRisk } from "../risk.ts";
import type { Position } from "../types.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";
import { ExternalOrdersBadge } from "./ExternalOrdersBadge.tsx";
import { positionName } from "./position-name.ts";
import { StopLossTakeProfitEditor } from "./StopLossTakeProfitEditor.tsx";
import { useToast } from "./Toasts.tsx";

const COLUMNS = [
  { label: "Symbol", numeric: false },
  { label: "Side", numeric: false },
  { label: "Quantity", numeric: true },
  { label: "Entry", numeric: true },
  { label: "Mark", numeric: true },
  { label: "PnL", numeric: true },
  { label: "ROE", numeric: true },
  { label: "Margin", numeric: true },
  { label: "Liq. price", numeric: true },
  { label: "Stop-loss", numeric: true },
  { label: "Take-profit", numeric: true },
];

export function PositionsTable({ positions }: { positions: Position[] }) {
  const [editing, setEditing] = useState<string | null>(null);
  const close = useClosePosition();
  const toast = useToast();

  return (
    <table aria-label="Positions" className="stack positions">
      <thead>
        <tr>
          {COLUMNS.map((column) => (
            <th key={column.label} scope="col" className={column.numeric ? "num" : undefined}>
              {column.label}
            </th>
          ))}
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {positions.length === 0 && (
          <tr>
            <td colSpan={COLUMNS.length + 1} className="muted">
              No open positions
            </td>
          </tr>
        )}
        {positions.map((position) => {
          const name = positionName(position);
          const closing = close.isPending && close.variables?.positionId === position.id;
          const risk = positionRisk(position);
          return (
            <Fragment key={position.id}>
              <tr aria-label={`${name} position`}>
                <th scope="row" data-label="Symbol">
                  {position.symbol} <span className="tag">{position.leverage}x</span>
                  <ExternalOrdersBadge count={position.externalOrders} />
                </th>
                <td data-label="Side" className={position.side === "LONG" ? "profit" : "loss"}>
                  {position.side}
                </td>
                <td data-label="Quantity" className="num">
                  {formatQuantity(position.quantity)}
                </td>
                <td data-label="Entry" className="num">
                  {formatPrice(position.entryPrice)}
                </td>
                <td data-label="Mark" className="num" aria-label={`${name} mark price`}>
                  {position.markPrice === null ? "—" : formatPrice(position.markPrice)}
                  {position.markPriceStale && position.markPriceAgeMs !== null ? (
                    <span
                      className="tag stale"
                      title={`The exchange's price stream is late: this price is ${Math.round(position.markPriceAgeMs / 1000)} s old`}
                    >
                      {" "}
                      stale
                    </span>
                  ) : null}
                </td>
                <td
                  data-label="PnL"
                  className={`num ${pnlTone(position.unrealizedPnl)}`}
                  aria-label={`${name} PnL`}
                >
                  {position.unrealizedPnl === null ? "—" : formatSigned(position.unrealizedPnl)}
                </td>
                <td data-label="ROE" className={`num ${pnlTone(risk.roePercent)}`} aria-label={`${name} ROE`}>
                  {risk.roePercent === null ? "—" : `${formatSigned(risk.roePercent)}%`}
                </td>
                <td data-label="Margin" className="num" aria-label={`${name} margin`}>
                  {formatAmount(risk.margin)}
                </td>
                <td data-label="Liq. price" className="num" aria-label={`${name} liquidation price`}>
                  {formatPrice(risk.liquidationPrice)}
                </td>
                <td data-label="Stop-loss" className="num" aria-label={`${name} stop-loss`}>
                  {position.stopLoss ? formatPrice(position.stopLoss.triggerPrice) : "—"}
                </td>
                <td data-label="Take-profit" className="num" aria-label={`${name} take-profit`}>
                  {position.takeProfit ? formatPrice(position.takeProfit.triggerPrice) : "—"}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    aria-expanded={editing === position.id}
                    aria-label={`Edit stop-loss and take-profit of ${name}`}
                    onClick={() => setEditing(editing === position.id ? null : position.id)}
                  >
                    SL/TP
                  </button>
                  <ConfirmButton
                    label="Close"
                    name={`Close ${name} position`}
                    confirmLabel="Close at market"
                    busyLabel="Closing…"
                    busy={closing}
                    onConfirm={() =>
                      close.mutate(
                        { positionId: position.id },
                        {
                          onSuccess: (result) =>
                            toast(
                              result.warnings.length > 0 ? "error" : "success",
                              `${name} closed at ${result.order.averagePrice ? formatPrice(result.order.averagePrice) : "market"}: realized PnL ${formatSigned(result.position.realizedPnl)} USDT${result.warnings.length > 0 ? ` (${result.warnings.join("; ")})` : ""}`,
                            ),
                          onError: (error) => toast("error", `Could not close ${name}: ${error.message}`),
                        },
                      )
                    }
                  />
                </td>
              </tr>
              {editing === position.id && (
                <tr className="editor-row">
                  <td colSpan={COLUMNS.length + 1}>
                    <StopLossTakeProfitEditor position={position} onDone={() => setEditing(null)} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
