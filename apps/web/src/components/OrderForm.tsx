import type { RouterInputs } from "@tradedesk/api";
import { type FormEvent, useState } from "react";
import { formErrorsOf } from "../form-errors.ts";
import { useCreateOrder } from "../hooks/useCreateOrder.ts";
import { useMarketSymbols } from "../hooks/useMarketSymbols.ts";
import { formatAmount, formatPrice, formatQuantity } from "../money.ts";
import { orderCost } from "../risk.ts";
import { trpc } from "../trpc.ts";
import type { Account, Position } from "../types.ts";
import { Field, TextField } from "./Field.tsx";
import { useToast } from "./Toasts.tsx";

const LEVERAGES = [1, 2, 3, 5, 10, 20, 50, 75, 125];

type Side = RouterInputs["orders"]["create"]["side"];
type OrderType = RouterInputs["orders"]["create"]["type"];

export function OrderForm({ accounts, positions }: { accounts: Account[]; positions: Position[] }) {
  const [accountId, setAccountId] = useState("");
  const [symbol, setSymbol] = useState("BTCUSDT");
  const [side, setSide] = useState<Side>("BUY");
  const [type, setType] = useState<OrderType>("MARKET");
  const [quantity, setQuantity] = useState("");
  const [price, setPrice] = useState("");
  const [stopLoss, setStopLoss] = useState("");
  const [takeProfit, setTakeProfit] = useState("");
  // null: the trader has not picked one for this account and symbol (picking another resets it).
  const [chosenLeverage, setLeverage] = useState<number | null>(null);
  const [placed, setPlaced] = useState<string | null>(null);
  const toast = useToast();
  const createOrder = useCreateOrder();
  const errors = formErrorsOf(createOrder.error);
  const selectedAccount = accountId || accounts[0]?.id || "";
  // Leverage is the symbol's on the exchange, not the order's: the form starts at the open
  // position's (an order at another moves the position to it, as on Binance), else at 1x.
  const heldLeverage = positions.find(
    (p) => p.accountId === selectedAccount && p.symbol === symbol.trim().toUpperCase(),
  )?.leverage;
  const leverage = chosenLeverage ?? heldLeverage ?? 1;
  const leverages =
    heldLeverage === undefined || LEVERAGES.includes(heldLeverage)
      ? LEVERAGES
      : [...LEVERAGES, heldLeverage].sort((a, b) => a - b);
  // The exchange's symbols and filters (cached 5 minutes on the server): suggestions and the
  // steps and minimums the order must meet; the server checks them again either way.
  const symbols = useMarketSymbols(selectedAccount);
  const rules = symbols.data?.symbols.find((s) => s.symbol === symbol.trim().toUpperCase());
  const step = rules ? (type === "MARKET" ? rules.marketStepSize : rules.stepSize) : null;
  const minQuantity = rules ? (type === "MARKET" ? rules.marketMinQuantity : rules.minQuantity) : null;
  // The value preview: a LIMIT order at its price, a MARKET one at the symbol's mark (never cached).
  const quote = trpc.market.quote.useQuery(
    { accountId: selectedAccount, symbol: symbol.trim().toUpperCase() },
    { enabled: selectedAccount !== "" && rules !== undefined && type === "MARKET", refetchInterval: 5_000 },
  );
  const pricedAt = type === "LIMIT" ? price : (quote.data?.markPrice ?? "");
  const cost = orderCost(quantity, pricedAt, leverage);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPlaced(null);
    const optional = (value: string) => (value.trim() === "" ? undefined : value.trim());
    createOrder.mutate(
      {
        accountId: selectedAccount,
        symbol: symbol.trim().toUpperCase(),
        side,
        type,
        quantity: quantity.trim(),
        price: type === "LIMIT" ? optional(price) : undefined,
        stopLoss: type === "MARKET" ? optional(stopLoss) : undefined,
        takeProfit: type === "MARKET" ? optional(takeProfit) : undefined,
        leverage,
      },
      {
        onError: (error) => {
          if (!error.data?.zodError) toast("error", `Order refused: ${error.message}`);
        },
        onSuccess: (result) => {
          const { order } = result;
          const warnings = result.warnings.length > 0 ? ` (${result.warnings.join("; ")})` : "";
          const text = `${order.side} ${formatQuantity(order.quantity)} ${order.symbol} ${order.type.toLowerCase()}: ${order.status.toLowerCase()}${warnings}`;
          setPlaced(text);
          toast(warnings ? "error" : "success", `Order placed: ${text}`);
          setQuantity("");
          setPrice("");
          setStopLoss("");
          setTakeProfit("");
        },
      },
    );
  };

  return (
    <form className="card order-form" onSubmit={submit} aria-labelledby="order-heading" noValidate>
      <h2 id="order-heading">New order</h2>
      {accounts.length > 1 && (
        <Field label="Account" error={errors.fields.accountId}>
          {(props) => (
            <select
              {...props}
              value={selectedAccount}
              onChange={(e) => {
                setAccountId(e.target.value);
                setLeverage(null);
              }}
            >
              {accounts.map((account) => (
                <option key={account.id} value={account.id}>
                  {account.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="Symbol" error={errors.fields.symbol}>
        {(props) => (
          <>
            <input
              {...props}
              list="symbol-suggestions"
              autoCapitalize="characters"
              value={symbol}
              onChange={(e) => {
                setSymbol(e.target.value);
                setLeverage(null);
              }}
            />
            <datalist id="symbol-suggestions">
              {(symbols.data?.symbols ?? []).map((s) => (
                <option key={s.symbol} value={s.symbol} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <div className="row">
        <Field label="Side" error={errors.fields.side}>
          {(props) => (
            <select {...props} value={side} onChange={(e) => setSide(e.target.value as Side)}>
              <option value="BUY">Buy / long</option>
              <option value="SELL">Sell / short</option>
            </select>
          )}
        </Field>
        <Field label="Order type" error={errors.fields.type}>
          {(props) => (
            <select {...props} value={type} onChange={(e) => setType(e.target.value as OrderType)}>
              <option value="MARKET">Market</option>
              <option value="LIMIT">Limit</option>
            </select>
          )}
        </Field>
      </div>
      <div className="row">
        <TextField
          label="Quantity"
          error={errors.fields.quantity}
          inputMode="decimal"
          placeholder={step ?? "0.01"}
          value={quantity}
          onChange={setQuantity}
        />
        <Field label="Leverage" error={errors.fields.leverage}>
          {(props) => (
            <select {...props} value={leverage} onChange={(e) => setLeverage(Number(e.target.value))}>
              {leverages.map((l) => (
                <option key={l} value={l}>
                  {l}x
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {heldLeverage !== undefined && leverage !== heldLeverage && (
        <p className="hint" id="leverage-change">
          The open {symbol.trim().toUpperCase()} position moves from {heldLeverage}x to {leverage}x too
        </p>
      )}
      {rules && step && (
        <p className="hint" id="quantity-rules">
          Steps of {formatQuantity(step)} {rules.baseAsset}
          {minQuantity ? `, at least ${formatQuantity(minQuantity)} ${rules.baseAsset}` : ""}; order value at
          least {formatAmount(rules.minNotional)} {rules.quoteAsset}; prices in steps of{" "}
          {formatQuantity(rules.tickSize)}
        </p>
      )}
      {type === "LIMIT" ? (
        <TextField
          label="Limit price"
          error={errors.fields.price}
          inputMode="decimal"
          value={price}
          onChange={setPrice}
        />
      ) : (
        <div className="row">
          <TextField
            label="Stop-loss"
            error={errors.fields.stopLoss}
            inputMode="decimal"
            placeholder="optional"
            value={stopLoss}
            onChange={setStopLoss}
          />
          <TextField
            label="Take-profit"
            error={errors.fields.takeProfit}
            inputMode="decimal"
            placeholder="optional"
            value={takeProfit}
            onChange={setTakeProfit}
          />
        </div>
      )}
      <p className="preview" aria-live="off">
        <span className="muted">Order value</span>{" "}
        <output aria-label="Order value" className="num">
          {cost ? `${formatAmount(cost.value)} USDT` : "—"}
        </output>
        {" · "}
        <span className="muted">Margin at {leverage}x</span>{" "}
        <output aria-label="Required margin" className="num">
          {cost ? `${formatAmount(cost.margin)} USDT` : "—"}
        </output>
        {type === "MARKET" && quote.data?.markPrice && (
          <span className="muted small"> (mark {formatPrice(quote.data.markPrice)})</span>
        )}
      </p>
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
      {placed && (
        <p role="status" className="success">
          Order placed: {placed}
        </p>
      )}
      <button type="submit" className="primary" disabled={createOrder.isPending || !selectedAccount}>
        {createOrder.isPending ? "Placing…" : "Place order"}
      </button>
    </form>
  );
}
