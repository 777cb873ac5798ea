// Opens Orkestr's database: real PostgreSQL when a URL is given, otherwise an embedded PGlite
// persisted in a folder. Either way the migrations are applied first, then a PrismaClient on a
// driver adapter is returned.
//
// PGlite and transactions: a PGlite instance is a single PostgreSQL session. PGlite itself
// serializes work on it: `PGlite.transaction()` holds an internal mutex from BEGIN to COMMIT, and
// every top-level query waits for that same mutex. pglite-prisma-adapter opens each Prisma
// interactive transaction with `PGlite.transaction()`, so concurrent `prisma.$transaction(...)`
// calls run one after another (they queue; no interleaving, no deadlock) — checked by
// test/schema-drift.test.ts, hence no extra mutex here. Consequences for callers:
// - inside `prisma.$transaction(async (tx) => ...)` use only `tx`: a query on `prisma` itself
//   waits for the transaction to end, i.e. hangs until the transaction times out;
// - a transaction queued behind a long one can fail with Prisma's "unable to start a transaction
//   in the given time" (maxWait, 2 s by default); raise `maxWait` for slow work;
// - `isolationLevel` has no effect (the adapter sets it outside the transaction) and is not
//   needed: with one session, transactions never overlap; `SELECT ... FOR UPDATE` works but
//   never waits.

import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client.ts";
import { applyMigrations, pgClientExecutor, pgliteExecutor } from "./migrate.ts";

export type DatabaseKind = "postgres" | "pglite";

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL; when absent, PGlite is used. */
  databaseUrl?: string;
  /** Folder for PGlite's files (created when missing); unused with `databaseUrl`. */
  dataDir: string;
  /** Defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Connections to PostgreSQL at most (node-postgres' pool; 10 by default). */
  poolSize?: number;
}

export interface OpenedDatabase {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** The node-postgres pool behind Prisma (PostgreSQL only). */
  pool?: pg.Pool;
  /** Disconnects Prisma and, for PGlite, closes the embedded database. */
  close(): Promise<void>;
}

/** The repository's prisma/migrations, found from this file's location. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations/", import.meta.url));

export async function openDatabase(opts: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  if (opts.databaseUrl) {
    return openPostgres(opts.databaseUrl, migrationsDir, opts.poolSize);
  }
  return openPGlite(opts.dataDir, migrationsDir);
}

async function openPostgres(connectionString: string, migrationsDir: string, poolSize = 10): Promise<OpenedDatabase> {
  // Migrations run on one dedicated session (the advisory lock and transactions are per session).
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await applyMigrations(pgClientExecutor(client), migrationsDir);
  } finally {
    await client.end();
  }
  // One pool for Prisma and for the store's hot path, which runs its few statements on
  // node-postgres directly (see sql-runner.ts). In pipeline mode a statement started while others
  // wait for their answers is sent at once (https://node-postgres.com/apis/client); Prisma
  // awaits each of its statements, so for it nothing changes.
  const pool = new pg.Pool({ connectionString, max: poolSize, pipeline: true });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  return {
    prisma,
    kind: "postgres",
    pool,
    close: async () => {
      await prisma.$disconnect(); // ends the pool too
    },
  };
}

async function openPGlite(dataDir: string, migrationsDir: string): Promise<OpenedDatabase> {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  try {
    await applyMigrations(pgliteExecutor(db), migrationsDir);
  } catch (err) {
    await db.close();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  return {
    prisma,
    kind: "pglite",
    close: async () => {
      try {
        await prisma.$disconnect();
      } finally {
        if (!db.closed) await db.close();
      }
    },
  };
}
