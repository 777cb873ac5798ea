import { Prisma } from "./generated/client.ts";

/**
 * Runs a transaction again when PostgreSQL aborted it for a deadlock or a serialization
 * conflict (Prisma P2034): two merges of the same pair of contacts at the same moment can
 * deadlock, and the turn must not be lost for that.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const conflict = error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2034";
      if (!conflict && !/deadlock detected|could not serialize/i.test(String((error as Error)?.message))) throw error;
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.floor(Math.random() * 30)));
    }
  }
}
