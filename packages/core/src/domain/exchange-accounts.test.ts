import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCredentialsCipher } from "../secrets/index.ts";
import type { DeskDeps } from "./deps.ts";
import { accountRef } from "./exchange-accounts.ts";

describe("an account's exchange keys", () => {
  const cipher = createCredentialsCipher(randomBytes(32).toString("base64"));
  const deps = { credentialsCipher: cipher } as DeskDeps;
  const stored = (accountId: string) => ({
    id: accountId,
    exchange: "BINANCE_USDM" as const,
    testnet: true,
    apiKeyEncrypted: cipher.encrypt("key-of-a", { accountId, field: "apiKey" }),
    apiSecretEncrypted: cipher.encrypt("secret-of-a", { accountId, field: "apiSecret" }),
  });

  it("decrypt for their own account only, when a request is signed", () => {
    const a = stored(randomUUID());
    expect(accountRef(deps, a).credentials?.()).toEqual({ apiKey: "key-of-a", apiSecret: "secret-of-a" });
    // The same ciphertexts copied onto another account's row (or key and secret swapped) do not.
    expect(() => accountRef(deps, { ...a, id: randomUUID() }).credentials?.()).toThrow(
      /could not be decrypted/,
    );
    const swapped = { ...a, apiKeyEncrypted: a.apiSecretEncrypted, apiSecretEncrypted: a.apiKeyEncrypted };
    expect(() => accountRef(deps, swapped).credentials?.()).toThrow(/could not be decrypted/);
  });
});
