import type { PrismaClient } from "../generated/prisma/client.ts";
import { hashPassword } from "../password/password.ts";
import {
  DEMO_PASSWORD,
  demoUsers,
  ordersOf,
  realizedPnl,
  type SeedUser,
  SIMULATED_ACCOUNT_LABEL,
} from "./demo-data.ts";

/** True when no user exists yet: the server seeds an empty embedded database on first start. */
export async function isEmptyDatabase(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.user.count()) === 0;
}

/**
 * Loads the demo desk (see demo-data.ts). Idempotent: a user that already exists is left exactly
 * as it is, so a second run changes nothing. created is true when anything was written.
 */
export async function seed(prisma: PrismaClient, now: Date = new Date()): Promise<{ created: boolean }> {
  let created = false;
  for (const user of demoUsers) {
    if (await prisma.user.findUnique({ where: { email: user.email }, select: { id: true } })) continue;
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    created = (await createUser(prisma, user, passwordHash, now)) || created;
  }
  return { created };
}

async function createUser(prisma: PrismaClient, user: SeedUser, passwordHash: string, now: Date) {
  const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
  return prisma.$transaction(async (tx) => {
    // Re-checked inside the transaction; the unique email settles a race with another seeder.
    if (await tx.user.findUnique({ where: { email: user.email }, select: { id: true } })) return false;
    const { accounts } = await tx.user.create({
      data: {
        email: user.email,
        passwordHash,
        role: user.role,
        accounts: { create: { exchange: "SIMULATED", label: SIMULATED_ACCOUNT_LABEL } },
      },
      select: { accounts: { select: { id: true } } },
    });
    const accountId = accounts[0]!.id;
    for (const [index, position] of user.positions.entries()) {
      await tx.position.create({
        data: {
          accountId,
          symbol: position.symbol,
          side: position.side,
          quantity: position.quantity,
          entryPrice: position.entryPrice,
          leverage: position.leverage,
          openedAt: hoursAgo(position.openedHoursAgo),
          ...(position.closed
            ? {
                status: "CLOSED",
                closedAt: hoursAgo(position.closed.hoursAgo),
                realizedPnl: realizedPnl(position, position.closed.exitPrice),
              }
            : {}),
          orders: {
            create: ordersOf(user, position, index).map((order) => ({
              accountId,
              role: order.role,
              clientOrderId: order.clientOrderId,
              exchangeOrderId: `sim-${order.clientOrderId}`,
              symbol: position.symbol,
              side: order.side,
              type: order.type,
              quantity: order.quantity,
              reduceOnly: order.role !== "ENTRY",
              status: order.status,
              createdAt: hoursAgo(order.hoursAgo),
              ...(order.status === "FILLED"
                ? { filledQuantity: order.quantity, averagePrice: order.price }
                : { triggerPrice: order.price }),
            })),
          },
        },
      });
    }
    return true;
  });
}
