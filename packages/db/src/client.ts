// The generated Prisma client, re-exported so nobody imports from src/generated directly.
export * from "./generated/prisma/client.ts";

import type { PrismaClient } from "./generated/prisma/client.ts";

/** Convenience alias for the Prisma client type. */
export type Db = PrismaClient;
