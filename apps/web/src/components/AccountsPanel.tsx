import { type FormEvent, useState } from "react";
import { formErrorsOf } from "../form-errors.ts";
import { trpc } from "../trpc.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";
import { TextField } from "./Field.tsx";
import { useToast } from "./Toasts.tsx";

const EXCHANGE_NAMES: Record<string, string> = { SIMULATED: "Simulated", BINANCE_USDM: "Binance USD-M" };

/**
 * The trader's exchange accounts: add a Binance account (the server checks the keys with one
 * signed read before storing them encrypted), rename, remove. Keys are write-only: the server
 * never sends them back, so the list shows label, exchange and network only.
 */
export function AccountsPanel() {
  const accounts = trpc.accounts.list.useQuery();
  return (
    <section className="card" aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">Exchange accounts</h2>
      {accounts.error && (
        <p role="alert" className="error">
          Could not load your accounts: {accounts.error.message}
        </p>
      )}
      <ul className="accounts">
        {accounts.data?.map((account) => (
          <AccountRow key={account.id} account={account} />
        ))}
      </ul>
      <AddBinanceAccount />
    </section>
  );
}

function useAccountsChanged() {
  const utils = trpc.useUtils();
  // Accounts feed the balances, the order form and the history: everything is read again.
  return () => utils.invalidate();
}

function AccountRow({
  account,
}: {
  account: { id: string; exchange: string; label: string; testnet: boolean };
}) {
  const toast = useToast();
  const changed = useAccountsChanged();
  const [label, setLabel] = useState<string | null>(null);
  const rename = trpc.accounts.rename.useMutation({
    onSuccess: async () => {
      setLabel(null);
      await changed();
    },
  });
  const remove = trpc.accounts.remove.useMutation({
    onSuccess: async () => {
      toast("success", `Removed ${account.label}`);
      await changed();
    },
    onError: (error) => toast("error", `Could not remove ${account.label}: ${error.message}`),
  });
  const errors = formErrorsOf(rename.error);
  const name = `${account.label} (${EXCHANGE_NAMES[account.exchange] ?? account.exchange}${account.testnet ? ", testnet" : ""})`;

  if (label !== null) {
    const save = (event: FormEvent) => {
      event.preventDefault();
      rename.mutate({ accountId: account.id, label });
    };
    return (
      <li>
        <form onSubmit={save} aria-label={`Rename ${account.label}`} noValidate>
          <TextField
            label="New label"
            error={errors.fields.label ?? errors.form ?? undefined}
            value={label}
            onChange={setLabel}
          />
          <button type="submit" className="primary" disabled={rename.isPending}>
            Save
          </button>
          <button type="button" onClick={() => setLabel(null)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li>
      <span>{name}</span>
      <button type="button" aria-label={`Rename ${account.label}`} onClick={() => setLabel(account.label)}>
        Rename
      </button>
      <ConfirmButton
        label="Remove"
        name={`Remove account ${account.label}`}
        confirmLabel="Remove"
        busyLabel="Removing…"
        busy={remove.isPending}
        onConfirm={() => remove.mutate({ accountId: account.id })}
      />
    </li>
  );
}

function AddBinanceAccount() {
  const toast = useToast();
  const changed = useAccountsChanged();
  const [label, setLabel] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [apiSecret, setApiSecret] = useState("");
  const [testnet, setTestnet] = useState(true);
  const add = trpc.accounts.add.useMutation({
    onSuccess: async (account) => {
      // The keys leave the page's memory once the server has them.
      setLabel("");
      setApiKey("");
      setApiSecret("");
      toast("success", `Added ${account.label}: keys verified with Binance`);
      await changed();
    },
  });
  const errors = formErrorsOf(add.error);
  const formError = errors.fields.exchange ?? errors.fields.testnet ?? errors.form;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ exchange: "BINANCE_USDM", label, apiKey, apiSecret, testnet });
  };

  return (
    <form onSubmit={submit} aria-labelledby="add-account-heading" noValidate>
      <h3 id="add-account-heading">Add a Binance account</h3>
      <TextField label="Label" error={errors.fields.label} value={label} onChange={setLabel} maxLength={64} />
      <TextField
        label="API key"
        error={errors.fields.apiKey}
        value={apiKey}
        onChange={setApiKey}
        autoComplete="off"
        spellCheck={false}
      />
      <TextField
        label="API secret"
        error={errors.fields.apiSecret}
        type="password"
        value={apiSecret}
        onChange={setApiSecret}
        autoComplete="new-password"
      />
      <label className="checkbox">
        <input type="checkbox" checked={testnet} onChange={(e) => setTestnet(e.target.checked)} /> Testnet
        (demo trading)
      </label>
      {formError && (
        <p role="alert" className="error">
          {formError}
        </p>
      )}
      <button type="submit" className="primary" disabled={add.isPending}>
        {add.isPending ? "Checking the keys with Binance…" : "Add account"}
      </button>
    </form>
  );
}
