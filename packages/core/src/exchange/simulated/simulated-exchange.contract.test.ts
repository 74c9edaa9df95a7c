import { describeGatewayContract } from "../contract/gateway-contract.ts";
import { createSimulatedExchange } from "./simulated-exchange.ts";

describeGatewayContract("the simulated exchange", async () => {
  const exchange = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
  return {
    gateway: exchange,
    account: { id: "contract-account" },
    setMarkPrice: (symbol, price) => exchange.setMarkPrice(symbol, price),
    close: () => exchange.close(),
  };
});
