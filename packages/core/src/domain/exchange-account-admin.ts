import { randomUUID } from "node:crypto";
import { Prisma } from "@tradedesk/db";
import { ExchangeRejectedError } from "../exchange/errors.ts";
import type { DeskDeps } from "./deps.ts";
import { ConflictError, InvalidCommandError, NotFoundError } from "./errors.ts";
import type { AccountView } from "./views.ts";

/** A trader's own exchange accounts: add (verified first), rename, remove. Keys never come back. */

export interface AddExchangeAccountCommand {
  exchange: "BINANCE_USDM";
  label: string;
  apiKey: string;
  apiSecret: string;
  testnet: boolean;
}

export interface RenameExchangeAccountCommand {
  accountId: string;
  label: string;
}

/** Binance's codes for a key it does not know, and for a signature the secret did not make. */
const UNKNOWN_KEY_CODES = new Set([-2014, -2015]);
const BAD_SIGNATURE_CODE = -1022;

const LABEL_MAX = 64; // the column's width

function checkedLabel(label: string): string {
  const trimmed = label.trim();
  if (trimmed === "") throw new InvalidCommandError("label", "is required");
  if (trimmed.length > LABEL_MAX)
    throw new InvalidCommandError("label", `must be at most ${LABEL_MAX} characters`);
  return trimmed;
}

function checkedKey(field: "apiKey" | "apiSecret", value: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw new InvalidCommandError(field, "is required");
  // Binance keys are 64 printable characters; anything with spaces or control characters is a paste error.
  if (!/^[\x21-\x7e]{16,256}$/.test(trimmed))
    throw new InvalidCommandError(field, "must be 16 to 256 characters without spaces");
  return trimmed;
}

/** The unique (user, exchange, label) index: a second account with the same label. */
function isDuplicateLabel(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

export function createExchangeAccountAdmin(deps: DeskDeps) {
  const { prisma } = deps;

  async function owned(userId: string, accountId: string) {
    const account = await prisma.exchangeAccount.findFirst({
      where: { id: accountId, userId },
      select: { id: true },
    });
    if (!account) throw new NotFoundError("account");
    return account;
  }

  return {
    async add(userId: string, command: AddExchangeAccountCommand): Promise<AccountView> {
      const label = checkedLabel(command.label);
      const apiKey = checkedKey("apiKey", command.apiKey);
      const apiSecret = checkedKey("apiSecret", command.apiSecret);
      const gateway = deps.gateways[command.exchange];
      if (!gateway)
        throw new InvalidCommandError("exchange", "this server has no Binance connection configured");
      const cipher = deps.credentialsCipher;
      if (!cipher)
        throw new InvalidCommandError("exchange", "this server has no credentials key to store API keys");
      const taken = await prisma.exchangeAccount.findFirst({
        where: { userId, exchange: command.exchange, label },
        select: { id: true },
      });
      if (taken) throw new InvalidCommandError("label", "you already have an account with this label");

      // The ciphertexts are bound to the account id, so the id comes first.
      const id = randomUUID();
      // One signed read before anything is stored: keys that cannot sign are refused, naming which.
      try {
        await gateway.getAccountSnapshot({
          id,
          testnet: command.testnet,
          credentials: () => ({ apiKey, apiSecret }),
        });
      } catch (error) {
        throw verificationError(error, command.testnet) ?? error;
      }
      try {
        return await prisma.exchangeAccount.create({
          data: {
            id,
            userId,
            exchange: command.exchange,
            label,
            testnet: command.testnet,
            apiKeyEncrypted: cipher.encrypt(apiKey, { accountId: id, field: "apiKey" }),
            apiSecretEncrypted: cipher.encrypt(apiSecret, { accountId: id, field: "apiSecret" }),
          },
          select: { id: true, exchange: true, label: true, testnet: true },
        });
      } catch (error) {
        // The same label added twice at once: the index decides, the loser hears why.
        if (isDuplicateLabel(error))
          throw new InvalidCommandError("label", "you already have an account with this label");
        throw error;
      } finally {
        await deps.userDataChanged(userId);
      }
    },

    async rename(userId: string, command: RenameExchangeAccountCommand): Promise<AccountView> {
      const label = checkedLabel(command.label);
      await owned(userId, command.accountId);
      try {
        const account = await prisma.exchangeAccount.update({
          where: { id: command.accountId },
          data: { label },
          select: { id: true, exchange: true, label: true, testnet: true },
        });
        await deps.userDataChanged(userId);
        return account;
      } catch (error) {
        if (isDuplicateLabel(error))
          throw new InvalidCommandError("label", "you already have an account with this label");
        throw error;
      }
    },

    /**
     * Removing an account deletes its record (positions, orders) with it, so it is refused while
     * anything is still open there: the trader closes and cancels first, nothing is orphaned on
     * the exchange without a record.
     */
    async remove(userId: string, accountId: string): Promise<{ id: string }> {
      await owned(userId, accountId);
      const [openPositions, liveOrders] = await Promise.all([
        prisma.position.count({ where: { accountId, status: "OPEN" } }),
        prisma.order.count({
          where: { accountId, status: { in: ["NEW", "PARTIALLY_FILLED", "PENDING", "PENDING_CANCEL"] } },
        }),
      ]);
      if (openPositions > 0 || liveOrders > 0) {
        throw new ConflictError(
          `this account still has ${openPositions} open position(s) and ${liveOrders} open order(s): close and cancel them first`,
        );
      }
      await prisma.exchangeAccount.delete({ where: { id: accountId } });
      await deps.userDataChanged(userId);
      return { id: accountId };
    },
  };
}

/** The exchange's refusal of the signed read, as the field the trader has to fix; null: not theirs to fix. */
function verificationError(error: unknown, testnet: boolean): InvalidCommandError | null {
  if (!(error instanceof ExchangeRejectedError)) return null;
  if (typeof error.code === "number" && UNKNOWN_KEY_CODES.has(error.code))
    return new InvalidCommandError(
      "apiKey",
      "Binance does not accept this API key (unknown, or not allowed from this server's address)",
    );
  if (error.code === BAD_SIGNATURE_CODE)
    return new InvalidCommandError(
      "apiSecret",
      "Binance refused the signature: the secret does not belong to this API key",
    );
  // The gateway refuses to send a demo account's keys to production (and the reverse) before any request.
  if (/this gateway is not/.test(error.message))
    return new InvalidCommandError(
      "testnet",
      testnet
        ? "this server's Binance connection is for live accounts"
        : "this server's Binance connection is for testnet accounts",
    );
  return null;
}
