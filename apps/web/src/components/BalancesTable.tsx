import { formatAmount } from "../money.ts";
import type { Account } from "../types.ts";

export function BalancesTable({ accounts }: { accounts: Account[] }) {
  const rows = accounts.flatMap((account) =>
    account.balances.map((balance) => ({ account, balance, key: `${account.id}:${balance.asset}` })),
  );
  return (
    <table aria-label="Balances" className="stack">
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Asset</th>
          <th scope="col" className="num">
            Wallet
          </th>
          <th scope="col" className="num">
            Available
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={4} className="muted">
              No balances
            </td>
          </tr>
        )}
        {rows.map(({ account, balance, key }) => (
          <tr key={key}>
            <th scope="row" data-label="Account">
              {account.label}
              {account.testnet && <span className="tag">testnet</span>}
            </th>
            <td data-label="Asset">{balance.asset}</td>
            <td data-label="Wallet" className="num">
              {formatAmount(balance.walletBalance)}
            </td>
            <td data-label="Available" className="num">
              {formatAmount(balance.availableBalance)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
