// The SQL that writes fake trading history. Rows are made by the database itself (INSERT ...
// SELECT over generate_series and random()), a month at a time, so that millions of orders never
// cross the wire and the same statements run on PostgreSQL and on the embedded PGlite.

/**
 * Session helpers and the traded symbols (the simulated exchange's list: its prices, tick and lot
 * sizes, kept in step by hand since this package cannot import core). Temporary: nothing is left
 * in the schema.
 */
export const SESSION_SETUP = `
CREATE OR REPLACE FUNCTION pg_temp.fake_uuid(key text) RETURNS uuid LANGUAGE sql IMMUTABLE AS
  -- a version-4 shaped UUID (the API's inputs check the version and variant), from the key alone
  $$ SELECT overlay(overlay(md5(key) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid $$;

-- A symbol's price at a moment: a yearly swing of +-30 % and a 17-day one of +-6 % around its
-- base, plus the caller's jitter, on its tick. STABLE as extract() from a timestamptz is: a body
-- more volatile than its function is not inlined, and a call per row costs 10x the arithmetic.
CREATE OR REPLACE FUNCTION pg_temp.fake_price(base float8, tick numeric, phase float8, at timestamptz, jitter float8)
  RETURNS numeric LANGUAGE sql STABLE AS
  $$ SELECT greatest(1, round(base / tick::float8
       * (1 + 0.3 * sin(2 * pi() * (extract(epoch FROM at)::float8 / 31557600 + phase))
            + 0.06 * sin(2 * pi() * (extract(epoch FROM at)::float8 / 1468800 + 3 * phase)))
       * (1 + jitter)))::numeric * tick $$;

CREATE TEMP TABLE fake_symbols (n int PRIMARY KEY, symbol text, base float8, tick numeric, step numeric, phase float8);
INSERT INTO fake_symbols VALUES
  (1, 'BTCUSDT', 65000, 0.1, 0.001, 0.10),
  (2, 'ETHUSDT', 3400, 0.01, 0.001, 0.35),
  (3, 'SOLUSDT', 150, 0.01, 1, 0.60),
  (4, 'BNBUSDT', 600, 0.01, 0.01, 0.80),
  (5, 'XRPUSDT', 0.6, 0.0001, 0.1, 0.25),
  (6, 'DOGEUSDT', 0.15, 0.00001, 1, 0.45);

CREATE TEMP TABLE fake_accounts (n int PRIMARY KEY, id uuid NOT NULL);
`;

/** Picks a symbol number, the majors more often (3 in 9 BTC, 2 in 9 ETH). */
const SYMBOL_DRAW = "(ARRAY[1, 1, 1, 2, 2, 3, 4, 5, 6])[1 + floor(random() * 9)::int]";

/**
 * Users with one to three accounts each: a simulated one, then Binance testnet ones (no keys:
 * history only). Parameters: the users' table $1 how many, $2 the seed, $3 the first month's
 * start; the users $1 the password hash; the accounts $1 the seed. Accounts are numbered in
 * fake_accounts for the months to pick from.
 */
export const INSERT_USERS_AND_ACCOUNTS = [
  `CREATE TEMP TABLE fake_users ON COMMIT DROP AS
   SELECT n,
          pg_temp.fake_uuid($2::text || ':u:' || n) AS id,
          'fake' || $2::text || '-trader' || n || '@example.com' AS email,
          $3::timestamptz - random() * interval '60 days' AS created_at,
          -- half have one account, a third two, the rest three
          CASE WHEN random() < 0.5 THEN 1 WHEN random() < 0.7 THEN 2 ELSE 3 END AS accounts
     FROM generate_series(1, $1::int) n`,
  `INSERT INTO users (id, email, password_hash, role, created_at, updated_at)
   SELECT id, email, $1::text, 'TRADER', created_at, created_at FROM fake_users ORDER BY n`,
  `INSERT INTO fake_accounts (n, id)
   SELECT row_number() OVER (ORDER BY u.n, k), pg_temp.fake_uuid($1::text || ':a:' || u.n || ':' || k)
     FROM fake_users u CROSS JOIN LATERAL generate_series(1, u.accounts) k`,
  `INSERT INTO exchange_accounts (id, user_id, exchange, label, testnet, created_at, updated_at)
   SELECT pg_temp.fake_uuid($1::text || ':a:' || u.n || ':' || k), u.id,
          (CASE k WHEN 1 THEN 'SIMULATED' ELSE 'BINANCE_USDM' END)::"Exchange",
          CASE k WHEN 1 THEN 'Simulated' WHEN 2 THEN 'Binance' ELSE 'Binance 2' END,
          k > 1, u.created_at + k * interval '1 minute', u.created_at + k * interval '1 minute'
     FROM fake_users u CROSS JOIN LATERAL generate_series(1, u.accounts) k
    ORDER BY u.n, k`,
] as const;

/** The classes of closed positions, by row number modulo 20: 7 stop-loss, 7 take-profit, 6 trader. */
export const CLOSED_BY_CLASS = `CASE WHEN n % 20 < 7 THEN 'STOP_LOSS' WHEN n % 20 < 14 THEN 'TAKE_PROFIT' ELSE 'TRADER' END`;

/**
 * One month's positions into a temporary table, every amount computed once: $1 the number of
 * closed positions, $2 of open ones, $3 the window's start, $4 its end, $5 the number of accounts,
 * $6 the key prefix (seed and month), $7 the clock (nothing closes after it), $8 the first account
 * number with an open position (open ones go to every 4th account from it, one each, so that an
 * account never holds two open positions on a symbol).
 */
export const MONTH_POSITIONS = `
CREATE TEMP TABLE fake_positions ON COMMIT DROP AS
SELECT p.*,
       round(p.dir * (p.exit_price - p.entry_price) * p.quantity, 18) AS realized_pnl
  FROM (
    SELECT d.n, d.open, d.closed_by, d.dir, d.opened_at, d.leverage, d.symbol_n,
           pg_temp.fake_uuid($6::text || ':p:' || d.n) AS id,
           a.id AS account_id, s.symbol, s.tick,
           CASE WHEN d.open THEN NULL ELSE least(d.opened_at + d.held, $7::timestamptz - interval '1 second') END AS closed_at,
           d.entry_price,
           greatest(1, round(d.notional / d.entry_price::float8 / s.step::float8))::numeric * s.step AS quantity,
           d.stop_loss, d.take_profit,
           CASE d.closed_by
             WHEN 'STOP_LOSS' THEN d.stop_loss
             WHEN 'TAKE_PROFIT' THEN d.take_profit
             -- closed by hand somewhere between the two triggers
             ELSE round(d.entry_price * (1 + d.dir * (d.u * (d.sl_pct + d.tp_pct) - d.sl_pct) * 0.9)::numeric / s.tick) * s.tick
           END AS exit_price
      FROM (
        SELECT r.*,
               pg_temp.fake_price(s.base, s.tick, s.phase, r.opened_at, r.jitter) AS entry_price,
               round(pg_temp.fake_price(s.base, s.tick, s.phase, r.opened_at, r.jitter) * (1 - r.dir * r.sl_pct)::numeric / s.tick) * s.tick AS stop_loss,
               round(pg_temp.fake_price(s.base, s.tick, s.phase, r.opened_at, r.jitter) * (1 + r.dir * r.tp_pct)::numeric / s.tick) * s.tick AS take_profit
          FROM (
            SELECT n,
                   n > $1 AS open,
                   CASE WHEN n > $1 THEN NULL ELSE ${CLOSED_BY_CLASS} END AS closed_by,
                   CASE WHEN n > $1 THEN $8::int + 4 * (n - $1 - 1)
                        -- some accounts trade far more than others
                        ELSE 1 + floor(power(random(), 1.3) * $5::int)::int END AS account_n,
                   ${SYMBOL_DRAW} AS symbol_n,
                   CASE WHEN random() < 0.55 THEN 1 ELSE -1 END AS dir,
                   CASE WHEN n > $1
                        THEN greatest($3::timestamptz, $4::timestamptz - interval '3 days')
                             + random() * ($4::timestamptz - greatest($3::timestamptz, $4::timestamptz - interval '3 days'))
                        ELSE $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz) END AS opened_at,
                   -- held a minute to a few days, ten hours on average
                   interval '1 minute' - ln(1 - random()) * interval '10 hours' AS held,
                   (ARRAY[1, 2, 3, 5, 10, 20])[1 + floor(random() * 6)::int] AS leverage,
                   (random() - 0.5) * 0.01 AS jitter,
                   50 * exp(random() * 4.5) AS notional,
                   0.005 + random() * 0.03 AS sl_pct,
                   0.01 + random() * 0.05 AS tp_pct,
                   random() AS u
              FROM generate_series(1, $1::int + $2::int) n
            OFFSET 0
          ) r
          JOIN fake_symbols s ON s.n = r.symbol_n
      ) d
      JOIN fake_accounts a ON a.n = d.account_n
      JOIN fake_symbols s ON s.n = d.symbol_n
  ) p`;

export const INSERT_MONTH_POSITIONS = `
INSERT INTO positions (id, account_id, symbol, side, quantity, entry_price, leverage, status, realized_pnl,
                       realized_pnl_pending, closed_by, opened_at, closed_at, updated_at)
SELECT id, account_id, symbol, (CASE dir WHEN 1 THEN 'LONG' ELSE 'SHORT' END)::"PositionSide", quantity, entry_price,
       leverage, (CASE WHEN open THEN 'OPEN' ELSE 'CLOSED' END)::"PositionStatus",
       CASE WHEN open THEN 0 ELSE realized_pnl END, false, closed_by::"PositionCloseReason",
       opened_at, closed_at, coalesce(closed_at, opened_at)
  FROM fake_positions
 ORDER BY opened_at`;

/** A fill's commission: Binance's 0.04 % taker fee on the notional, to 8 decimals as it reports. */
const TAKER_FEE = "0.0004";

/**
 * The month's orders: per position its MARKET entry, stop-loss and take-profit (the one that
 * closed it FILLED, else CANCELED; NEW while the position is open) and, when the trader closed
 * it, the MARKET exit; then $2 cancelled LIMIT entries. $1 the key prefix, $2 the number of
 * limit orders, $3 the window's start, $4 its end, $5 the number of accounts, $6 the month's
 * exchange order id base. When `keepClientIds`, order_client_ids gets the rows' keys in the same
 * statement (the load runs with the trigger that would do it off).
 */
export function insertMonthOrders(keepClientIds: boolean): string {
  const insert = `
INSERT INTO orders (id, account_id, position_id, role, client_order_id, exchange_order_id, symbol, side, type,
                    quantity, price, trigger_price, reduce_only, status, filled_quantity, average_price, fee,
                    status_reason, created_at, updated_at)
SELECT id, account_id, position_id, role::"OrderRole" AS role, id::text AS client_order_id, exchange_order_id,
       symbol, side::"OrderSide" AS side, type::"OrderType" AS type, quantity, price, trigger_price, reduce_only,
       status::"OrderStatus" AS status, CASE WHEN status = 'FILLED' THEN quantity ELSE 0 END AS filled_quantity,
       average_price, CASE WHEN status = 'FILLED' THEN round(quantity * average_price * ${TAKER_FEE}, 8) ELSE 0 END AS fee,
       status_reason, created_at, updated_at
  FROM (
    SELECT pg_temp.fake_uuid($1::text || ':o:' || p.n || ':' || j) AS id, p.account_id, p.id AS position_id,
           (ARRAY['ENTRY', 'STOP_LOSS', 'TAKE_PROFIT', 'EXIT'])[j + 1] AS role,
           ($6::bigint + p.n * 4 + j)::text AS exchange_order_id, p.symbol,
           CASE WHEN (j = 0) = (p.dir = 1) THEN 'BUY' ELSE 'SELL' END AS side,
           (ARRAY['MARKET', 'STOP_MARKET', 'TAKE_PROFIT_MARKET', 'MARKET'])[j + 1] AS type,
           p.quantity, NULL::numeric AS price,
           CASE j WHEN 1 THEN p.stop_loss WHEN 2 THEN p.take_profit END AS trigger_price,
           j > 0 AS reduce_only,
           CASE WHEN j IN (0, 3) THEN 'FILLED'
                WHEN p.open THEN 'NEW'
                WHEN (j = 1 AND p.closed_by = 'STOP_LOSS') OR (j = 2 AND p.closed_by = 'TAKE_PROFIT') THEN 'FILLED'
                ELSE 'CANCELED' END AS status,
           CASE WHEN j = 0 THEN p.entry_price
                WHEN j = 3 OR (j = 1 AND p.closed_by = 'STOP_LOSS') OR (j = 2 AND p.closed_by = 'TAKE_PROFIT')
                THEN p.exit_price END AS average_price,
           NULL::text AS status_reason,
           CASE j WHEN 0 THEN p.opened_at WHEN 3 THEN p.closed_at ELSE p.opened_at + interval '200 milliseconds' END AS created_at,
           CASE WHEN j = 0 OR p.open THEN p.opened_at + CASE WHEN j = 0 THEN interval '0' ELSE interval '200 milliseconds' END
                -- the protective order that did not fire is cancelled just after the close
                WHEN (j = 1 AND p.closed_by = 'STOP_LOSS') OR (j = 2 AND p.closed_by = 'TAKE_PROFIT') OR j = 3 THEN p.closed_at
                ELSE p.closed_at + interval '300 milliseconds' END AS updated_at
      FROM fake_positions p
      CROSS JOIN generate_series(0, 3) j
     WHERE j < 3 OR p.closed_by = 'TRADER'
    UNION ALL
    SELECT pg_temp.fake_uuid($1::text || ':l:' || l.n), l.account_id, NULL, 'ENTRY',
           ($6::bigint + 5000000000 + l.n)::text, s.symbol, CASE WHEN l.buy THEN 'BUY' ELSE 'SELL' END, 'LIMIT',
           greatest(1, round(l.notional / l.level::float8 / s.step::float8))::numeric * s.step,
           -- resting 2 % away from the market, never reached, cancelled by the trader
           round(l.level * CASE WHEN l.buy THEN 0.98 ELSE 1.02 END / s.tick) * s.tick, NULL, false, 'CANCELED',
           NULL, 'cancelled by the trader', l.created_at, least(l.created_at + l.rested, $4::timestamptz)
      FROM (
        SELECT r.*, a.id AS account_id, pg_temp.fake_price(s.base, s.tick, s.phase, r.created_at, 0) AS level
          FROM (
            SELECT n, 1 + floor(power(random(), 1.3) * $5::int)::int AS account_n, ${SYMBOL_DRAW} AS symbol_n,
                   random() < 0.55 AS buy, $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz) AS created_at,
                   random() * interval '2 hours' AS rested, 50 * exp(random() * 4.5) AS notional
              FROM generate_series(1, $2::int) n
            OFFSET 0
          ) r
          JOIN fake_accounts a ON a.n = r.account_n
          JOIN fake_symbols s ON s.n = r.symbol_n
      ) l
      JOIN fake_symbols s ON s.n = l.symbol_n
  ) o
 ORDER BY created_at`;
  return keepClientIds
    ? `WITH inserted AS (${insert} RETURNING account_id, client_order_id)
       INSERT INTO order_client_ids (account_id, client_order_id) SELECT account_id, client_order_id FROM inserted`
    : insert;
}
