import Decimal from "decimal.js";
import type {
  AccountEvent,
  AccountSnapshot,
  ExchangeOrder,
  ExchangeRules,
  ExchangeTrade,
  OrderStatus,
} from "../../gateway.ts";

/**
 * The fake server's side of the wire: the simulated engine's objects rendered as Binance's
 * USD-M JSON (amounts as decimal strings, ids as numbers, Binance's field names).
 */

const ZERO = new Decimal(0);

export function isTriggerOrder(order: Pick<ExchangeOrder, "type">): boolean {
  return order.type === "STOP_MARKET" || order.type === "TAKE_PROFIT_MARKET";
}

function numericId(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

export function orderJson(order: ExchangeOrder, at: number) {
  const avg = order.averagePrice ?? ZERO;
  return {
    orderId: numericId(order.exchangeOrderId),
    symbol: order.symbol,
    status: order.status,
    clientOrderId: order.clientOrderId,
    price: (order.price ?? ZERO).toFixed(),
    avgPrice: avg.toFixed(),
    origQty: order.quantity.toFixed(),
    executedQty: order.filledQuantity.toFixed(),
    cumQty: order.filledQuantity.toFixed(),
    cumQuote: order.filledQuantity.times(avg).toFixed(),
    timeInForce: "GTC",
    type: order.type,
    origType: order.type,
    reduceOnly: order.reduceOnly,
    closePosition: false,
    side: order.side,
    positionSide: "BOTH",
    stopPrice: "0",
    workingType: "CONTRACT_PRICE",
    priceProtect: false,
    priceMatch: "NONE",
    selfTradePreventionMode: "EXPIRE_MAKER",
    goodTillDate: 0,
    time: at,
    updateTime: at,
  };
}

export function algoStatusOf(status: OrderStatus): string {
  switch (status) {
    case "NEW":
    case "PARTIALLY_FILLED":
      return "NEW";
    case "FILLED":
      return "FINISHED";
    default:
      return status;
  }
}

export function algoOrderJson(order: ExchangeOrder, at: number) {
  return {
    algoId: numericId(order.exchangeOrderId),
    clientAlgoId: order.clientOrderId,
    algoType: "CONDITIONAL",
    orderType: order.type,
    symbol: order.symbol,
    side: order.side,
    positionSide: "BOTH",
    timeInForce: "GTC",
    quantity: order.quantity.toFixed(),
    algoStatus: algoStatusOf(order.status),
    triggerPrice: (order.triggerPrice ?? ZERO).toFixed(),
    price: "0",
    icebergQuantity: null,
    selfTradePreventionMode: "EXPIRE_MAKER",
    workingType: "MARK_PRICE",
    priceMatch: "NONE",
    closePosition: false,
    priceProtect: false,
    reduceOnly: order.reduceOnly,
    executedQty: order.filledQuantity.toFixed(),
    avgPrice: (order.averagePrice ?? ZERO).toFixed(),
    createTime: at,
    updateTime: at,
    triggerTime: order.status === "FILLED" ? at : 0,
    goodTillDate: 0,
  };
}

/**
 * An algo order as GET /fapi/v1/openAlgoOrders lists it: Binance's documented row has no
 * executedQty / avgPrice (nothing of an open one executed), but the triggered order's fields.
 */
export function openAlgoOrderJson(order: ExchangeOrder, at: number) {
  const { executedQty: _executed, avgPrice: _average, ...row } = algoOrderJson(order, at);
  return {
    ...row,
    actualOrderId: "",
    actualPrice: "0",
    tpTriggerPrice: "0",
    tpPrice: "0",
    slTriggerPrice: "0",
    slPrice: "0",
    tpOrderType: "",
  };
}

/** A fill as GET /fapi/v1/userTrades lists it; its fee charged in `commissionAsset`. */
export function userTradeJson(trade: ExchangeTrade, commissionAsset = "USDT") {
  return {
    buyer: trade.side === "BUY",
    commission: trade.fee.toFixed(),
    commissionAsset,
    id: numericId(trade.tradeId),
    maker: false,
    orderId: numericId(trade.exchangeOrderId),
    price: trade.price.toFixed(),
    qty: trade.quantity.toFixed(),
    quoteQty: trade.price.times(trade.quantity).toFixed(),
    realizedPnl: trade.realizedPnl.toFixed(),
    side: trade.side,
    positionSide: "BOTH",
    symbol: trade.symbol,
    time: trade.time,
  };
}

function positionNumbers(p: AccountSnapshot["positions"][number]) {
  const signed = p.side === "SHORT" ? p.quantity.neg() : p.quantity;
  const notional = signed.times(p.markPrice);
  const unrealized = p.markPrice.minus(p.entryPrice).times(signed);
  const initialMargin = notional.abs().div(p.leverage);
  return { signed, notional, unrealized, initialMargin };
}

export function positionRiskJson(snapshot: AccountSnapshot) {
  return snapshot.positions.map((p) => {
    const n = positionNumbers(p);
    return {
      symbol: p.symbol,
      positionSide: "BOTH",
      positionAmt: n.signed.toFixed(),
      entryPrice: p.entryPrice.toFixed(),
      breakEvenPrice: p.entryPrice.toFixed(),
      markPrice: p.markPrice.toFixed(),
      unRealizedProfit: n.unrealized.toFixed(8),
      liquidationPrice: "0",
      isolatedMargin: "0",
      notional: n.notional.toFixed(8),
      marginAsset: "USDT",
      isolatedWallet: "0",
      initialMargin: n.initialMargin.toFixed(8),
      maintMargin: "0",
      positionInitialMargin: n.initialMargin.toFixed(8),
      openOrderInitialMargin: "0",
      adl: 0,
      bidNotional: "0",
      askNotional: "0",
      updateTime: snapshot.asOf,
    };
  });
}

export function accountJson(snapshot: AccountSnapshot) {
  const positions = snapshot.positions.map((p) => ({ p, n: positionNumbers(p) }));
  const unrealized = positions.reduce((sum, { n }) => sum.plus(n.unrealized), ZERO);
  const initial = positions.reduce((sum, { n }) => sum.plus(n.initialMargin), ZERO);
  const wallet = snapshot.balances.reduce((sum, b) => sum.plus(b.walletBalance), ZERO);
  const available = snapshot.balances.reduce((sum, b) => sum.plus(b.availableBalance), ZERO);
  return {
    totalInitialMargin: initial.toFixed(8),
    totalMaintMargin: "0",
    totalWalletBalance: wallet.toFixed(8),
    totalUnrealizedProfit: unrealized.toFixed(8),
    totalMarginBalance: wallet.plus(unrealized).toFixed(8),
    totalPositionInitialMargin: initial.toFixed(8),
    totalOpenOrderInitialMargin: "0",
    totalCrossWalletBalance: wallet.toFixed(8),
    totalCrossUnPnl: unrealized.toFixed(8),
    availableBalance: available.toFixed(8),
    maxWithdrawAmount: available.toFixed(8),
    assets: snapshot.balances.map((b) => ({
      asset: b.asset,
      walletBalance: b.walletBalance.toFixed(),
      unrealizedProfit: "0",
      marginBalance: b.walletBalance.toFixed(),
      maintMargin: "0",
      initialMargin: "0",
      positionInitialMargin: "0",
      openOrderInitialMargin: "0",
      crossWalletBalance: b.walletBalance.toFixed(),
      crossUnPnl: "0",
      availableBalance: b.availableBalance.toFixed(),
      maxWithdrawAmount: b.availableBalance.toFixed(),
      updateTime: snapshot.asOf,
    })),
    positions: positions.map(({ p, n }) => ({
      symbol: p.symbol,
      positionSide: "BOTH",
      positionAmt: n.signed.toFixed(),
      unrealizedProfit: n.unrealized.toFixed(8),
      isolatedMargin: "0",
      notional: n.notional.toFixed(8),
      isolatedWallet: "0",
      initialMargin: n.initialMargin.toFixed(8),
      maintMargin: "0",
      updateTime: snapshot.asOf,
    })),
  };
}

// A perpetual's deliveryDate on Binance (2100-12-25).
const PERPETUAL_DELIVERY = 4133404800000;

/** The engine's trading rules as GET /fapi/v1/exchangeInfo lists them (every filter type Binance sends). */
export function exchangeInfoJson(rules: ExchangeRules, serverTime: number) {
  return {
    timezone: "UTC",
    serverTime,
    futuresType: "U_MARGINED",
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 2400 },
      { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: "USDT", marginAvailable: true, autoAssetExchange: "-10000" }],
    symbols: rules.symbols.map((r) => ({
      symbol: r.symbol,
      pair: r.symbol,
      contractType: "PERPETUAL",
      deliveryDate: PERPETUAL_DELIVERY,
      onboardDate: 1569398400000,
      status: r.status,
      maintMarginPercent: "2.5000",
      requiredMarginPercent: "5.0000",
      baseAsset: r.baseAsset,
      quoteAsset: r.quoteAsset,
      marginAsset: r.quoteAsset,
      pricePrecision: r.tickSize.decimalPlaces(),
      quantityPrecision: r.stepSize.decimalPlaces(),
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: "COIN",
      underlyingSubType: [],
      triggerProtect: "0.0500",
      liquidationFee: "0.012500",
      marketTakeBound: "0.05",
      maxMoveOrderLimit: 10000,
      filters: [
        {
          minPrice: r.tickSize.toFixed(),
          maxPrice: "1000000",
          filterType: "PRICE_FILTER",
          tickSize: r.tickSize.toFixed(),
        },
        {
          stepSize: r.stepSize.toFixed(),
          filterType: "LOT_SIZE",
          maxQty: r.maxQuantity.toFixed(),
          minQty: r.minQuantity.toFixed(),
        },
        {
          stepSize: r.marketStepSize.toFixed(),
          filterType: "MARKET_LOT_SIZE",
          maxQty: r.marketMaxQuantity.toFixed(),
          minQty: r.marketMinQuantity.toFixed(),
        },
        { limit: 200, filterType: "MAX_NUM_ORDERS" },
        { limit: 10, filterType: "MAX_NUM_ALGO_ORDERS" },
        { notional: r.minNotional.toFixed(), filterType: "MIN_NOTIONAL" },
        {
          multiplierDown: "0.9500",
          multiplierUp: "1.0500",
          multiplierDecimal: "4",
          filterType: "PERCENT_PRICE",
        },
      ],
      orderTypes: [
        "LIMIT",
        "MARKET",
        "STOP",
        "STOP_MARKET",
        "TAKE_PROFIT",
        "TAKE_PROFIT_MARKET",
        "TRAILING_STOP_MARKET",
      ],
      timeInForce: ["GTC", "IOC", "FOK", "GTX", "GTD"],
      permissionSets: ["GRID", "COPY"],
    })),
  };
}

/** An engine account event as the user-data stream messages Binance would push for it. */
export function userStreamMessages(event: AccountEvent): object[] {
  switch (event.type) {
    case "stream-restarted":
      return []; // the gateway's own signal, never a Binance message
    case "balance":
      return [
        accountUpdate(
          event.at,
          event.balances.map((b) => ({
            a: b.asset,
            wb: b.walletBalance.toFixed(),
            cw: b.walletBalance.toFixed(),
            bc: "0",
          })),
          [],
        ),
      ];
    case "position":
      return [
        accountUpdate(
          event.at,
          [],
          event.positions.map((p) => {
            const signed = p.side === "SHORT" ? p.quantity.neg() : p.quantity;
            return {
              s: p.symbol,
              pa: signed.toFixed(),
              ep: p.entryPrice.toFixed(),
              bep: p.entryPrice.toFixed(),
              cr: "0",
              up: p.markPrice.minus(p.entryPrice).times(signed).toFixed(8),
              mt: "cross",
              iw: "0",
              ps: "BOTH",
            };
          }),
        ),
      ];
    case "order":
    case "protective-triggered": {
      const o = event.order;
      if (isTriggerOrder(o)) {
        const algoUpdate = (X: string, executed: ExchangeOrder["filledQuantity"], average: Decimal) => ({
          e: "ALGO_UPDATE",
          T: event.at,
          E: event.at,
          o: {
            caid: o.clientOrderId,
            aid: numericId(o.exchangeOrderId),
            at: "CONDITIONAL",
            o: o.type,
            s: o.symbol,
            S: o.side,
            ps: "BOTH",
            f: "GTC",
            q: o.quantity.toFixed(),
            X,
            tp: (o.triggerPrice ?? ZERO).toFixed(),
            p: "0",
            wt: "MARK_PRICE",
            R: o.reduceOnly,
            aq: executed.toFixed(),
            ap: average.toFixed(),
          },
        });
        const finished = algoUpdate(algoStatusOf(o.status), o.filledQuantity, o.averagePrice ?? ZERO);
        // Binance first says TRIGGERED (the order went to the matching engine, nothing executed
        // yet), then FINISHED with the fill.
        return o.status === "FILLED" ? [algoUpdate("TRIGGERED", ZERO, ZERO), finished] : [finished];
      }
      return [
        {
          e: "ORDER_TRADE_UPDATE",
          E: event.at,
          T: event.at,
          o: {
            s: o.symbol,
            c: o.clientOrderId,
            S: o.side,
            o: o.type,
            f: "GTC",
            q: o.quantity.toFixed(),
            p: (o.price ?? ZERO).toFixed(),
            ap: (o.averagePrice ?? ZERO).toFixed(),
            sp: "0",
            x: o.status === "FILLED" || o.status === "PARTIALLY_FILLED" ? "TRADE" : o.status,
            X: o.status,
            i: numericId(o.exchangeOrderId),
            l: o.filledQuantity.toFixed(),
            z: o.filledQuantity.toFixed(),
            L: (o.averagePrice ?? ZERO).toFixed(),
            T: event.at,
            R: o.reduceOnly,
            ps: "BOTH",
            ot: o.type,
          },
        },
      ];
    }
  }
}

function accountUpdate(at: number, B: object[], P: object[]) {
  return { e: "ACCOUNT_UPDATE", E: at, T: at, a: { m: "ORDER", B, P } };
}
