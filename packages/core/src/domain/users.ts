import { hashPassword, type PrismaClient, verifyPassword } from "@tradedesk/db";
import type { AccountView, UserView } from "./views.ts";

export function createUsersService(prisma: PrismaClient) {
  // Unknown emails still pay for one scrypt verification, so response time does not tell
  // an attacker which emails exist.
  let decoyHash: Promise<string> | null = null;
  const decoy = () => {
    decoyHash ??= hashPassword("decoy password that matches nothing");
    return decoyHash;
  };

  /** Emails match case-insensitively (Prisma sends ILIKE), LIKE's wildcards taken literally. */
  const findByEmail = (email: string) =>
    prisma.user.findFirst({
      where: { email: { equals: literalLikePattern(email.trim()), mode: "insensitive" } },
      orderBy: { createdAt: "asc" },
      select: { id: true, email: true, role: true, passwordHash: true },
    });

  return {
    async authenticate(email: string, password: string): Promise<UserView | null> {
      const user = await findByEmail(email);
      const valid = await verifyPassword(password, user?.passwordHash ?? (await decoy()));
      return user && valid ? { id: user.id, email: user.email, role: user.role } : null;
    },

    /** For operators' scripts: the same lookup as sign-in, without a password. */
    async findByEmail(email: string): Promise<UserView | null> {
      const user = await findByEmail(email);
      return user ? { id: user.id, email: user.email, role: user.role } : null;
    },

    async get(userId: string): Promise<UserView | null> {
      return prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true } });
    },

    /** Never the keys. */
    async listAccounts(userId: string): Promise<AccountView[]> {
      return prisma.exchangeAccount.findMany({
        where: { userId },
        select: { id: true, exchange: true, label: true, testnet: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
    },
  };
}

/** ILIKE treats % and _ as wildcards and \\ as their escape; make them plain characters. */
function literalLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
