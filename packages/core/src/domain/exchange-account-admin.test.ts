// Adding a Binance account against the fake Binance server: the desk's real Binance gateway signs
// one read with the keys given, and only keys that sign are stored, encrypted for that account.
import { randomBytes } from "node:crypto";
import { type Database, hashPassword } from "@tradedesk/db";
import { createTestDatabase } from "@tradedesk/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPositionsCache } from "../cache/index.ts";
import { createBinanceGateway } from "../exchange/binance/index.ts";
import { type FakeBinance, startFakeBinance } from "../exchange/binance/testing/index.ts";
import { createSimulatedExchange, type SimulatedExchange } from "../exchange/simulated/index.ts";
import { createCredentialsCipher } from "../secrets/index.ts";
import { createTradingDesk, type TradingDeskInstance } from "./desk.ts";
import { InvalidCommandError, NotFoundError } from "./errors.ts";

let db: Database;
let fake: FakeBinance;
let simulated: SimulatedExchange;
let desk: TradingDeskInstance;
const cipher = createCredentialsCipher(randomBytes(32).toString("base64"));

async function trader(email: string) {
  const user = await db.prisma.user.create({
    data: { email, passwordHash: await hashPassword("x") },
  });
  return user.id;
}

function deskWith(gateways: Parameters<typeof createTradingDesk>[0]["gateways"]) {
  return createTradingDesk({
    prisma: db.prisma,
    cache: createPositionsCache({ ttlMs: 3_000 }),
    gateways,
    credentialsCipher: cipher,
    logger: { warn: () => {}, error: () => {} },
    reconcile: { setTimeout: () => null, clearTimeout: () => {} },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeBinance();
  simulated = createSimulatedExchange({ latencyMs: 0, priceTickMs: 0 });
  // The fake plays Binance's demo (testnet) servers.
  const binance = createBinanceGateway({ baseUrl: fake.url, wsBaseUrl: fake.wsUrl, testnet: true });
  desk = deskWith({ SIMULATED: simulated, BINANCE_USDM: binance });
});
afterAll(async () => {
  await fake?.close();
  await simulated?.close();
  await db?.close();
});

const rows = (userId: string) => db.prisma.exchangeAccount.findMany({ where: { userId } });

async function refusal(promise: Promise<unknown>): Promise<InvalidCommandError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidCommandError);
  return error as InvalidCommandError;
}

describe("adding a Binance account", () => {
  it("stores keys that sign, encrypted for that account only; lists them without keys", async () => {
    const userId = await trader("adds@example.com");
    const added = await desk.accounts.add(userId, {
      exchange: "BINANCE_USDM",
      label: "Main",
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      testnet: true,
    });
    expect(added).toEqual({ id: added.id, exchange: "BINANCE_USDM", label: "Main", testnet: true });
    // The one signed read went out with these keys.
    expect(fake.requests.some((r) => r.apiKey === fake.apiKey && r.path === "/fapi/v3/account")).toBe(true);

    const [row] = await rows(userId);
    expect(row?.apiKeyEncrypted).not.toContain(fake.apiKey);
    expect(row?.apiSecretEncrypted).not.toContain(fake.apiSecret);
    expect(cipher.decrypt(row!.apiKeyEncrypted!, { accountId: added.id, field: "apiKey" })).toBe(fake.apiKey);
    expect(cipher.decrypt(row!.apiSecretEncrypted!, { accountId: added.id, field: "apiSecret" })).toBe(
      fake.apiSecret,
    );
    // Bound to the account: under another id, or as the other field, they do not decrypt.
    const otherId = "00000000-0000-4000-8000-000000000000";
    expect(() => cipher.decrypt(row!.apiKeyEncrypted!, { accountId: otherId, field: "apiKey" })).toThrow();
    expect(() =>
      cipher.decrypt(row!.apiKeyEncrypted!, { accountId: added.id, field: "apiSecret" }),
    ).toThrow();

    const listed = await desk.accounts.list(userId);
    expect(listed).toEqual([added]);
    expect(JSON.stringify(listed)).not.toContain(fake.apiKey.slice(-8));
    // The stored account signs: the desk reads its balances through the gateway.
    const balances = await desk.balances.read(userId);
    expect(balances.data.accounts.map((a) => a.label)).toContain("Main");
  });

  it("refuses a wrong key or a wrong secret, naming the field; nothing is stored", async () => {
    const userId = await trader("wrong@example.com");
    const base = { exchange: "BINANCE_USDM", label: "Main", testnet: true } as const;
    const badKey = await refusal(
      desk.accounts.add(userId, { ...base, apiKey: "A".repeat(64), apiSecret: fake.apiSecret }),
    );
    expect(badKey.field).toBe("apiKey");
    const badSecret = await refusal(
      desk.accounts.add(userId, { ...base, apiKey: fake.apiKey, apiSecret: "B".repeat(64) }),
    );
    expect(badSecret.field).toBe("apiSecret");
    const live = await refusal(
      desk.accounts.add(userId, { ...base, testnet: false, apiKey: fake.apiKey, apiSecret: fake.apiSecret }),
    );
    expect(live.field).toBe("testnet");
    const blank = await refusal(
      desk.accounts.add(userId, { ...base, label: "  ", apiKey: "", apiSecret: "" }),
    );
    expect(blank.field).toBe("label");
    expect(await rows(userId)).toEqual([]);
  });

  it("refuses when the server has no Binance connection", async () => {
    const userId = await trader("nobinance@example.com");
    const simulatedOnly = deskWith({ SIMULATED: simulated });
    const error = await refusal(
      simulatedOnly.accounts.add(userId, {
        exchange: "BINANCE_USDM",
        label: "Main",
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        testnet: true,
      }),
    );
    expect(error.message).toBe("this server has no Binance connection configured");
    expect(await rows(userId)).toEqual([]);
  });

  it("renames and removes the trader's own accounts only", async () => {
    const owner = await trader("owner@example.com");
    const other = await trader("other@example.com");
    const added = await desk.accounts.add(owner, {
      exchange: "BINANCE_USDM",
      label: "Main",
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      testnet: true,
    });
    await expect(desk.accounts.rename(other, { accountId: added.id, label: "Mine" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(desk.accounts.remove(other, added.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await desk.accounts.rename(owner, { accountId: added.id, label: " Scalping " })).toMatchObject({
      label: "Scalping",
    });
    const duplicate = await refusal(
      desk.accounts.add(owner, {
        exchange: "BINANCE_USDM",
        label: "Scalping",
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        testnet: true,
      }),
    );
    expect(duplicate.field).toBe("label");
    expect(await desk.accounts.remove(owner, added.id)).toEqual({ id: added.id });
    expect(await desk.accounts.list(owner)).toEqual([]);
  });
});
