// prisma/schema.prisma is the source of truth, prisma/migrations holds hand-written SQL (Prisma's
// schema engine cannot be downloaded here). This file fails when the two drift apart: it applies
// the migrations to a fresh database and compares the result with the schema's data model, which
// is read with the same Wasm schema parser Prisma's CLI uses (@prisma/prisma-schema-wasm `get_dmmf`,
// no schema engine needed; the comparison lives in test/support/schema-drift.ts). It also covers
// the migration runner (core/store-prisma/migrate.ts) and interactive transactions through
// openDatabase on both PostgreSQL and PGlite.
//
// When the drift test fails: write a new migration folder whose SQL makes the database match the
// schema (what `prisma migrate dev` would have generated), never edit an applied migration.

import { createHash, randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../core/store-prisma/generated/client.ts";
import { applyMigrations, pgClientExecutor, pgliteExecutor, readMigrations } from "../core/store-prisma/migrate.ts";
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from "../core/store-prisma/open-database.ts";
import { driftMessage, schemaDrift } from "./support/schema-drift.ts";
import { TestDatabases } from "./support/test-databases.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SCHEMA_PATH = path.join(REPO, "prisma", "schema.prisma");
const MIGRATIONS_DIR = path.join(REPO, "prisma", "migrations");

// ---------------------------------------------------------------------------------------------
// Helpers for the tests
// ---------------------------------------------------------------------------------------------

async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Copy of the repository's migrations in a temp dir, for tests that add or edit migrations. */
async function copyMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orkestr-migrations-"));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Interactive transactions, rollback, and `SELECT ... FOR UPDATE` under concurrency. Returns the
 * order in which the concurrent transactions started and ended.
 */
async function exerciseTransactions(prisma: PrismaClient): Promise<string[]> {
  const contact = await prisma.contact.create({ data: { firstName: "Tx" } });
  const conversation = await prisma.conversation.create({
    data: { contactId: contact.id, flowId: `flow-${randomUUID()}`, flowVersion: "1", channel: "web" },
  });
  const where = { id: conversation.id };

  const locked = await prisma.$transaction(
    async (tx) =>
      tx.$queryRaw<{ id: string; visit: number }[]>`
      SELECT id::text AS id, visit FROM "Conversation" WHERE id = ${conversation.id}::uuid FOR UPDATE`,
  );
  expect(locked).toEqual([{ id: conversation.id, visit: 0 }]);

  await expect(
    prisma.$transaction(async (tx) => {
      await tx.conversation.update({ where, data: { visit: 99 } });
      await tx.event.create({ data: { contactId: contact.id, type: "doomed" } });
      throw new Error("abort on purpose");
    }),
  ).rejects.toThrow("abort on purpose");
  expect((await prisma.conversation.findUniqueOrThrow({ where })).visit).toBe(0);
  expect(await prisma.event.count({ where: { contactId: contact.id } })).toBe(0);

  // Read-modify-write: lost updates unless FOR UPDATE (or PGlite's serialization) orders them.
  const n = 12;
  const order: string[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      prisma.$transaction(
        async (tx) => {
          order.push(`start ${i}`);
          const [row] = await tx.$queryRaw<{ visit: number }[]>`
            SELECT visit FROM "Conversation" WHERE id = ${conversation.id}::uuid FOR UPDATE`;
          await tick(5);
          await tx.conversation.update({ where, data: { visit: (row?.visit ?? 0) + 1 } });
          await tx.event.create({
            data: { contactId: contact.id, conversationId: conversation.id, type: "tick", data: { i } },
          });
          order.push(`end ${i}`);
        },
        { maxWait: 20_000, timeout: 20_000 },
      ),
    ),
  );
  expect((await prisma.conversation.findUniqueOrThrow({ where })).visit).toBe(n);
  expect(await prisma.event.count({ where: { contactId: contact.id, type: "tick" } })).toBe(n);
  return order;
}

/** A small schema using what the comparison must understand, and the SQL Prisma makes for it. */
const FIXTURE_SCHEMA = `datasource db {
  provider = "postgresql"
}

enum Mood {
  HAPPY
  SAD

  @@map("mood")
}

model Owner {
  id    Int      @id @default(autoincrement())
  name  String   @db.VarChar(40)
  mood  Mood     @default(HAPPY)
  score Float    @default(-1.5)
  tags  String[] @default([])
  pets  Pet[]

  @@unique([name])
  @@map("owners")
}

model Pet {
  id      String    @id @default(uuid()) @db.Uuid
  ownerId Int       @map("owner_id")
  kind    String    @default("cat")
  born    DateTime? @db.Timestamptz(3)
  owner   Owner     @relation(fields: [ownerId], references: [id], onDelete: Cascade, map: "pet_owner")

  @@index([kind, born(sort: Desc)])
}
`;

const FIXTURE_SQL = `
CREATE TYPE "mood" AS ENUM ('HAPPY', 'SAD');

CREATE TABLE "owners" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(40) NOT NULL,
    "mood" "mood" NOT NULL DEFAULT 'HAPPY',
    "score" DOUBLE PRECISION NOT NULL DEFAULT -1.5,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "owners_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Pet" (
    "id" UUID NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'cat',
    "born" TIMESTAMPTZ(3),

    CONSTRAINT "Pet_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "owners_name_key" ON "owners"("name");

CREATE INDEX "Pet_kind_born_idx" ON "Pet"("kind", "born" DESC);

ALTER TABLE "Pet" ADD CONSTRAINT "pet_owner" FOREIGN KEY ("owner_id") REFERENCES "owners"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const migrationNames = async () => (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name);

describe("migrations on PostgreSQL", () => {
  const databases = new TestDatabases();
  let mainUrl = "";
  let appliedFirst: string[] = [];

  // Every test below gets a database the migrations were applied to, whichever tests run.
  beforeAll(async () => {
    mainUrl = await databases.create("main");
    appliedFirst = await withPgClient(mainUrl, (c) => applyMigrations(pgClientExecutor(c), MIGRATIONS_DIR));
  }, 60_000);
  afterAll(async () => {
    await databases.dropAll();
  }, 60_000);

  it("apply to an empty database and record themselves like Prisma Migrate", async () => {
    const applied = appliedFirst;
    expect(applied).toEqual(await migrationNames());
    expect(applied.length).toBeGreaterThan(0);

    await withPgClient(mainUrl, async (c) => {
      const { rows } = await c.query(
        `SELECT id, checksum, migration_name, logs, finished_at, rolled_back_at, started_at, applied_steps_count
           FROM _prisma_migrations ORDER BY migration_name`,
      );
      expect(rows.map((r) => r.migration_name)).toEqual(applied);
      for (const row of rows) {
        const file = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
        expect(row.checksum).toBe(sha256(file));
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.applied_steps_count).toBe(1);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
        expect(row.logs).toBeNull();
      }
      // The history table itself has Prisma's definition.
      const { rows: cols } = await c.query(
        `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
           FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'
          ORDER BY ordinal_position`,
      );
      expect(cols.map((r) => `${r.column_name} ${r.data_type}${r.len ? `(${r.len})` : ""} ${r.is_nullable}`)).toEqual([
        "id character varying(36) NO",
        "checksum character varying(64) NO",
        "finished_at timestamp with time zone YES",
        "migration_name character varying(255) NO",
        "logs text YES",
        "rolled_back_at timestamp with time zone YES",
        "started_at timestamp with time zone NO",
        "applied_steps_count integer NO",
      ]);
    });

    const again = await withPgClient(mainUrl, (c) => applyMigrations(pgClientExecutor(c), MIGRATIONS_DIR));
    expect(again).toEqual([]);
  });

  it("produce exactly what schema.prisma describes (no drift)", async () => {
    const problems = await withPgClient(mainUrl, (c) => schemaDrift(SCHEMA_PATH, pgClientExecutor(c)));
    expect(problems, driftMessage(problems)).toEqual([]);
  });

  it("the drift check notices a field or model added to schema.prisma", async () => {
    const original = await readFile(SCHEMA_PATH, "utf8");
    const dir = await mkdtemp(path.join(os.tmpdir(), "orkestr-drift-"));
    try {
      const file = path.join(dir, "schema.prisma");
      const firstModel = /^model\s+\w+\s*\{\n/m;
      expect(firstModel.test(original), "schema.prisma has no model").toBe(true);
      await writeFile(file, `${original.replace(firstModel, "$&  driftProbe String?\n")}\nmodel DriftProbe {\n  id Int @id\n}\n`);
      const problems = await withPgClient(mainUrl, (c) => schemaDrift(file, pgClientExecutor(c)));
      expect(problems).toHaveLength(4);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^missing in database: column \w+\.driftProbe: text NULL$/),
          "missing in database: column DriftProbe.id: integer NOT NULL",
          "missing in database: primary key of DriftProbe: DriftProbe_pkey (id)",
          "missing in database: table DriftProbe: exists",
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the drift check notices each kind of difference (fixture schema)", async () => {
    const url = await databases.create("fixture");
    const dir = await mkdtemp(path.join(os.tmpdir(), "orkestr-drift-"));
    try {
      await withPgClient(url, async (c) => {
        await c.query(FIXTURE_SQL);
        const check = async (schema: string) => {
          const file = path.join(dir, "schema.prisma");
          await writeFile(file, schema);
          return schemaDrift(file, pgClientExecutor(c));
        };
        // The comparison understands @@map/@map, enums, composite and mapped names, sort orders...
        expect(await check(FIXTURE_SCHEMA)).toEqual([]);

        const mutations: [what: string, from: string, to: string, expected: string][] = [
          ["added field", "  kind    String", "  size    Int?\n  kind    String", "missing in database: column Pet.size: integer NULL"],
          ["added model", "enum Mood {", "model Extra {\n  id Int @id\n}\n\nenum Mood {", "missing in database: table Extra"],
          ["changed type", "@db.VarChar(40)", "@db.VarChar(80)", "differs: column owners.name"],
          ["changed list type", "tags  String[]", "tags  Int[]   ", "differs: column owners.tags"],
          ["required became optional", "kind    String ", "kind    String?", "differs: column Pet.kind"],
          ["optional became required", "born    DateTime?", "born    DateTime ", "differs: column Pet.born"],
          ["changed default", '@default("cat")', '@default("dog")', "differs: column Pet.kind"],
          ["removed default", " @default(-1.5)", "", "differs: column owners.score"],
          [
            "added index",
            "  @@index([kind, born(sort: Desc)])",
            "  @@index([kind, born(sort: Desc)])\n  @@index([ownerId])",
            "missing in database: index Pet_owner_id_idx",
          ],
          ["index sort order", "born(sort: Desc)", "born", "differs: index Pet_kind_born_idx"],
          [
            "index became unique",
            "@@index([kind, born(sort: Desc)])",
            "@@unique([kind, born(sort: Desc)])",
            "missing in database: index Pet_kind_born_key",
          ],
          ["removed unique", "  @@unique([name])\n", "", "not in schema.prisma: index owners_name_key"],
          ["changed referential action", "onDelete: Cascade", "onDelete: Restrict", "differs: foreign key pet_owner"],
          ["renamed foreign key", 'map: "pet_owner"', 'map: "pet_owner_fk"', "missing in database: foreign key pet_owner_fk"],
          ["renamed primary key", "Int      @id @default", 'Int      @id(map: "owners_pk") @default', "differs: primary key of owners"],
          ["added enum value", "  SAD\n", "  SAD\n  ANGRY\n", "differs: enum mood"],
          ["renamed column", '@map("owner_id")', '@map("owner")', "missing in database: column Pet.owner"],
        ];
        for (const [what, from, to, expected] of mutations) {
          expect(FIXTURE_SCHEMA, `fixture lacks the text that "${what}" replaces`).toContain(from);
          const problems = await check(FIXTURE_SCHEMA.replace(from, to));
          expect(problems.join("\n"), what).toContain(expected);
        }
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("two runners starting at once apply each migration once", async () => {
    const url = await databases.create("race");
    const results = await Promise.all([0, 1].map(() => withPgClient(url, (c) => applyMigrations(pgClientExecutor(c), MIGRATIONS_DIR))));
    const all = await migrationNames();
    expect(results.map((r) => r.length).sort()).toEqual([0, all.length]);
    const count = await withPgClient(url, async (c) => (await c.query("SELECT count(*)::int AS n FROM _prisma_migrations")).rows[0].n);
    expect(count).toBe(all.length);
  });

  it("a failing migration is rolled back, not recorded, and named in the error", async () => {
    const url = await databases.create("failing");
    const dir = await copyMigrations();
    try {
      const bad = path.join(dir, "29991231000000_broken");
      await mkdir(bad);
      await writeFile(path.join(bad, "migration.sql"), 'CREATE TABLE "Half" ("id" INTEGER);\nSELECT 1 / 0;\n');
      await withPgClient(url, async (c) => {
        await expect(applyMigrations(pgClientExecutor(c), dir)).rejects.toThrow(/29991231000000_broken.*division by zero/);
        const { rows } = await c.query(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`);
        expect(rows.map((r) => r.migration_name)).toEqual(await migrationNames());
        const { rows: half } = await c.query(`SELECT to_regclass('"Half"') AS t`);
        expect(half[0].t).toBeNull();
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("openDatabase: interactive transactions and SELECT ... FOR UPDATE work with @prisma/adapter-pg", async () => {
    const db = await openDatabase({ databaseUrl: mainUrl, dataDir: "/nonexistent-unused" });
    try {
      expect(db.kind).toBe("postgres");
      await exerciseTransactions(db.prisma);
    } finally {
      await db.close();
    }
  });
});

describe("migrations on PGlite", () => {
  let dataDir = "";

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "orkestr-pglite-"));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("apply to a fresh data dir, re-applying is a no-op, the result matches schema.prisma", async () => {
    const db = await PGlite.create(dataDir);
    try {
      const sql = pgliteExecutor(db);
      expect(await applyMigrations(sql, MIGRATIONS_DIR)).toEqual(await migrationNames());
      expect(await applyMigrations(sql, MIGRATIONS_DIR)).toEqual([]);
      const problems = await schemaDrift(SCHEMA_PATH, sql);
      expect(problems, driftMessage(problems)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it("an applied migration that was edited afterwards is refused, by name", async () => {
    const dir = await copyMigrations();
    const db = await PGlite.create(dataDir);
    try {
      const [first] = await migrationNames();
      const file = path.join(dir, first ?? "", "migration.sql");
      await writeFile(file, `${await readFile(file, "utf8")}\n-- edited after being applied\n`);
      await expect(applyMigrations(pgliteExecutor(db), dir)).rejects.toThrow(
        new RegExp(`Migration ${first} was edited after it was applied`),
      );
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("openDatabase: reopens the data dir, and interactive transactions run one at a time", async () => {
    const db = await openDatabase({ dataDir });
    try {
      expect(db.kind).toBe("pglite");
      expect(path.resolve(DEFAULT_MIGRATIONS_DIR)).toBe(MIGRATIONS_DIR);
      const history = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM _prisma_migrations`;
      expect(history[0]?.n).toBe((await migrationNames()).length);

      const order = await exerciseTransactions(db.prisma);
      // PGlite is one session; PGlite.transaction() queues concurrent transactions, so they
      // never interleave (see the note in open-database.ts).
      const expected = order.flatMap((entry, i) => (i % 2 === 0 ? [entry, entry.replace("start", "end")] : []));
      expect(order).toEqual(expected);
    } finally {
      await db.close();
    }
  }, 120_000);
});
