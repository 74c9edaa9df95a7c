import { useCancelOrders } from "../hooks/useCancelOrders.ts";
import { formatPrice, formatQuantity } from "../money.ts";
import { trpc } from "../trpc.ts";
import type { Order } from "../types.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";
import { orderName, roleLabel, statusLabel } from "./order-labels.ts";
import { useToast } from "./Toasts.tsx";

const CANCELLABLE = new Set(["PENDING", "NEW", "PARTIALLY_FILLED"]);

/** Open orders: resting entries, stop-loss / take-profit, external ones; cancel one or all of a symbol. */
export function OpenOrdersPanel() {
  const open = trpc.orders.open.useQuery(undefined, { staleTime: 5_000, refetchInterval: 5_000 });
  const cancel = useCancelOrders();
  const toast = useToast();
  const orders = open.data?.items ?? [];
  const groups = new Map<string, Order[]>();
  for (const order of orders) {
    const key = `${order.accountId}:${order.symbol}`;
    groups.set(key, [...(groups.get(key) ?? []), order]);
  }

  const run = (input: { orderId: string } | { accountId: string; symbol: string }, what: string) =>
    cancel.mutate(input, {
      onSuccess: (result) => {
        const cancelled = result.orders.filter((o) => o.status === "CANCELED").length;
        const other = result.orders.length - cancelled;
        toast(
          result.warnings.length > 0 ? "error" : "success",
          `${what}: ${cancelled} cancelled${other > 0 ? `, ${other} had already filled or ended` : ""}${
            result.warnings.length > 0 ? ` (${result.warnings.join("; ")})` : ""
          }`,
        );
      },
      onError: (error) => toast("error", `Could not cancel (${what}): ${error.message}`),
    });

  return (
    <section className="card" aria-labelledby="open-orders-heading">
      <div className="section-head">
        <h2 id="open-orders-heading">Open orders</h2>
        {open.data && <span className="muted small">{orders.length}</span>}
      </div>
      {open.error && !open.data && <p className="error">Open orders unavailable: {open.error.message}</p>}
      {orders.length === 0 && open.data && <p className="muted">No open orders</p>}
      {[...groups.entries()].map(([key, group]) => {
        const first = group[0] as Order;
        const cancellable = group.filter((o) => o.role !== "EXTERNAL" && CANCELLABLE.has(o.status));
        const busyAll =
          cancel.isPending &&
          cancel.variables !== undefined &&
          "symbol" in cancel.variables &&
          cancel.variables.symbol === first.symbol;
        return (
          <div key={key} className="order-group">
            <div className="section-head">
              <h3>{first.symbol}</h3>
              <span className="spacer" />
              {cancellable.length > 1 && (
                <ConfirmButton
                  label={`Cancel all ${first.symbol}`}
                  name={`Cancel all ${first.symbol} orders`}
                  confirmLabel={`Cancel ${cancellable.length} orders`}
                  busyLabel="Cancelling…"
                  busy={busyAll}
                  onConfirm={() =>
                    run({ accountId: first.accountId, symbol: first.symbol }, `All ${first.symbol} orders`)
                  }
                />
              )}
            </div>
            <table aria-label={`${first.symbol} open orders`} className="orders stack">
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Side</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Price
                  </th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {group.map((order) => {
                  const name = orderName(order);
                  const busy =
                    cancel.isPending &&
                    cancel.variables !== undefined &&
                    "orderId" in cancel.variables &&
                    cancel.variables.orderId === order.id;
                  const level = order.price ?? order.triggerPrice;
                  return (
                    <tr key={order.id} aria-label={`${name} order`}>
                      <th scope="row" data-label="Order">
                        {roleLabel(order)}
                        {order.role === "EXTERNAL" && (
                          <span
                            className="badge external"
                            title="Placed outside the desk: shown here, never cancelled by it"
                          >
                            outside the desk
                          </span>
                        )}
                      </th>
                      <td data-label="Side" className={order.side === "BUY" ? "profit" : "loss"}>
                        {order.side}
                      </td>
                      <td data-label="Quantity" className="num">
                        {formatQuantity(order.filledQuantity) !== "0"
                          ? `${formatQuantity(order.filledQuantity)} / ${formatQuantity(order.quantity)}`
                          : formatQuantity(order.quantity)}
                      </td>
                      <td data-label="Price" className="num">
                        {level ? formatPrice(level) : "market"}
                      </td>
                      <td data-label="State" aria-label={`${name} state`}>
                        {statusLabel(order.status)}
                      </td>
                      <td className="actions">
                        {order.role !== "EXTERNAL" && CANCELLABLE.has(order.status) && (
                          <button
                            type="button"
                            className="danger"
                            aria-label={`Cancel ${name} order`}
                            disabled={busy}
                            onClick={() => run({ orderId: order.id }, `${name}`)}
                          >
                            {busy ? "Cancelling…" : "Cancel"}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
