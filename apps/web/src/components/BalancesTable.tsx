import { formatAmount } from "../money.ts";
import type { Account } from "../types.ts";

export function BalancesTable({ accounts }: { accounts: Account[] }) {
  const rows = accounts.flatMap((account) =>
    account.balances.map((balance) => ({ account, balance, key: `${account.id}:${balance.asset}` })),
  );
  return (
    <table aria-label="Balances">
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
            <td>
              {account.label}
              {account.testnet && <span className="tag">testnet</span>}
            </td>
            <td>{balance.asset}</td>
            <td className="num">{formatAmount(balance.walletBalance)}</td>
            <td className="num">{formatAmount(balance.availableBalance)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
