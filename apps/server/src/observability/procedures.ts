import type { AnyRouter } from "@trpc/server";

/**
 * The router's mutation paths (`orders.create`, `auth.login`...): the only values the mutation
 * metrics take as labels (observability wiring, used by app.ts).
 */
export function mutationPaths(router: AnyRouter): string[] {
  const procedures = router._def.procedures as Record<string, { _def?: { type?: string } }>;
  return Object.entries(procedures)
    .filter(([, procedure]) => procedure._def?.type === "mutation")
    .map(([path]) => path)
    .sort();
}
