// Applies prisma/migrations/<name>/migration.sql folders and records them in `_prisma_migrations`
// the way Prisma Migrate does, so that `prisma migrate deploy` / `migrate status` on a machine
// that has Prisma's schema engine sees the same history. We need our own runner because the
// schema engine binary cannot be downloaded here (see DESIGN.md, "Environment facts").
//
// Differences from Prisma's runner, on purpose:
// - each migration runs in one transaction together with its history row, so a failing migration
//   leaves neither half-applied DDL nor a "failed" row behind (PostgreSQL DDL is transactional).
//   A migration that cannot run inside a transaction (CREATE INDEX CONCURRENTLY, ...) is therefore
//   not supported here.
// - a migration edited after it was applied is an error, not a warning.

import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** The little a database connection must offer to run migrations: a `pg` Client or a PGlite instance. */
export interface SqlExecutor {
  /** One statement, optionally with `$1`-style parameters. */
  // biome-ignore lint/suspicious/noExplicitAny: rows have whatever shape the statement selects
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
  /** A script of zero or more statements, without parameters. */
  exec(sql: string): Promise<void>;
}

/** Structural subset of `pg.Client` (kept structural so this module has no runtime dependency on pg). */
interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Structural subset of a PGlite instance. */
interface PGliteLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  exec(text: string): Promise<unknown>;
}

/** Adapts a connected `pg.Client` (not a Pool: the advisory lock and transactions need one session). */
export function pgClientExecutor(client: PgClientLike): SqlExecutor {
  return {
    query: async (sql, params) => {
      const res = await client.query(sql, params ?? []);
      return { rows: res.rows };
    },
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}

/** Adapts a PGlite instance. */
export function pgliteExecutor(db: PGliteLike): SqlExecutor {
  return {
    query: async (sql, params) => {
      const res = await db.query(sql, params ?? []);
      return { rows: res.rows };
    },
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
}

/**
 * The key Prisma Migrate itself passes to pg_advisory_lock, so this runner and a concurrent
 * `prisma migrate deploy` also exclude each other.
 */
export const MIGRATION_ADVISORY_LOCK_KEY = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 of the file's bytes, lowercase hex: what Prisma stores in `_prisma_migrations.checksum`. */
  checksum: string;
}

/** The migration folders (those holding a migration.sql) in name order, as Prisma orders them. */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(migrationsDir, name, "migration.sql"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    migrations.push({
      name,
      sql: bytes.toString("utf8"),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    });
  }
  return migrations;
}

// Same table definition as Prisma's schema engine creates for PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/**
 * Applies every migration folder of `migrationsDir` not yet recorded in `_prisma_migrations`, in
 * name order, each in its own transaction together with its history row. Returns the names applied
 * (empty when the database is up to date). Holds a session-level advisory lock for the whole run so
 * that two processes starting at once do not race.
 *
 * Throws, naming the migration, when an applied migration's file no longer matches the recorded
 * checksum, when the history holds a failed/unfinished attempt (left by Prisma's own runner), or
 * when a migration's SQL fails (that migration is rolled back; earlier ones stay applied).
 * Rows for migrations that are no longer in the folder are ignored.
 */
export async function applyMigrations(sql: SqlExecutor, migrationsDir: string): Promise<string[]> {
  const migrations = await readMigrations(migrationsDir);
  await sql.query(`SELECT pg_advisory_lock(${MIGRATION_ADVISORY_LOCK_KEY})`);
  try {
    await sql.exec(CREATE_MIGRATIONS_TABLE);
    const { rows } = await sql.query(
      `SELECT migration_name, checksum, finished_at, rolled_back_at
         FROM _prisma_migrations
        ORDER BY started_at, migration_name`,
    );
    const history = rows as HistoryRow[];

    // Check the whole history before changing anything.
    const pending: MigrationFile[] = [];
    for (const migration of migrations) {
      // Rows marked rolled back (`prisma migrate resolve --rolled-back`) do not count.
      const live = history.filter((r) => r.migration_name === migration.name && r.rolled_back_at == null);
      const unfinished = live.find((r) => r.finished_at == null);
      if (unfinished) {
        throw new Error(
          `Migration ${migration.name} has a failed or unfinished attempt recorded in _prisma_migrations; ` +
            "fix the database by hand and mark it rolled back or applied before starting again.",
        );
      }
      const done = live.find((r) => r.finished_at != null);
      if (!done) {
        pending.push(migration);
      } else if (done.checksum !== migration.checksum) {
        throw new Error(
          `Migration ${migration.name} was edited after it was applied: the checksum of its migration.sql ` +
            `(${migration.checksum}) differs from the one recorded (${done.checksum}). ` +
            "Restore the original file and put the change in a new migration.",
        );
      }
    }

    const applied: string[] = [];
    for (const migration of pending) {
      await sql.exec("BEGIN");
      try {
        await sql.exec(migration.sql);
        await sql.query(
          `INSERT INTO _prisma_migrations
             (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await sql.exec("COMMIT");
      } catch (err) {
        await sql.exec("ROLLBACK").catch(() => {});
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`Migration ${migration.name} failed and was rolled back: ${reason}`, { cause: err });
      }
      applied.push(migration.name);
    }
    return applied;
  } finally {
    await sql.query(`SELECT pg_advisory_unlock(${MIGRATION_ADVISORY_LOCK_KEY})`).catch(() => {});
  }
}
