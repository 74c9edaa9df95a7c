import { describeGatewayContract } from "../contract/gateway-contract.ts";
import { createBinanceGateway } from "./gateway.ts";
import { startFakeBinance } from "./testing/fake-binance.ts";

// The same contract the simulated exchange passes, through Binance's protocol: signed REST,
// algo orders, listenKey and WebSocket streams, against the fake Binance server on 127.0.0.1.
describeGatewayContract("the Binance USD-M gateway", async () => {
  const fake = await startFakeBinance();
  const gateway = createBinanceGateway({ baseUrl: fake.url, wsBaseUrl: fake.wsUrl });
  return {
    gateway,
    account: fake.accountRef("contract-account"),
    setMarkPrice: (symbol, price) => fake.engine.setMarkPrice(symbol, price),
    subscriptionsReady: () => gateway.streamsReady(),
    close: async () => {
      await gateway.close();
      await fake.close();
    },
  };
});
