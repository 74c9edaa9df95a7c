import type { PrismaClient } from "@tradedesk/db";

/**
 * Runs of one account never overlap, also across server instances: a run holds a lease on the
 * account row (one conditional UPDATE, so two instances cannot both take it). A run that dies
 * with its process leaves a lease that simply expires.
 */
export async function acquireLease(
  prisma: PrismaClient,
  accountId: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const taken = await prisma.exchangeAccount.updateMany({
    where: {
      id: accountId,
      OR: [{ reconcileLeaseUntil: null }, { reconcileLeaseUntil: { lt: now } }],
    },
    data: { reconcileLeaseUntil: new Date(now.getTime() + leaseMs) },
  });
  return taken.count === 1;
}

export async function releaseLease(prisma: PrismaClient, accountId: string): Promise<void> {
  await prisma.exchangeAccount.updateMany({
    where: { id: accountId },
    data: { reconcileLeaseUntil: null },
  });
}
