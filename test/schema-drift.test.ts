// prisma/schema.prisma is the source of truth, prisma/migrations holds hand-written SQL (Prisma's
// schema engine cannot be downloaded here). This file fails when the two drift apart: it applies
// the migrations to a fresh database and compares the result with the schema's data model, which
// is read with the same Wasm schema parser Prisma's CLI uses (@prisma/prisma-schema-wasm `get_dmmf`,
// no schema engine needed). It also covers the migration runner (core/store-prisma/migrate.ts) and
// interactive transactions through openDatabase on both PostgreSQL and PGlite.
//
// When the drift test fails: write a new migration folder whose SQL makes the database match the
// schema (what `prisma migrate dev` would have generated), never edit an applied migration.

import { createHash, randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PrismaClient } from "../core/store-prisma/generated/client.ts";
import { applyMigrations, pgClientExecutor, pgliteExecutor, readMigrations, type SqlExecutor } from "../core/store-prisma/migrate.ts";
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from "../core/store-prisma/open-database.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SCHEMA_PATH = path.join(REPO, "prisma", "schema.prisma");
const MIGRATIONS_DIR = path.join(REPO, "prisma", "migrations");

// ---------------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------------

// The parts of Prisma's DMMF (`get_dmmf(...).datamodel`) the comparison reads.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

function readDatamodel(schemaText: string, fileName = "schema.prisma"): Datamodel {
  let out: string;
  try {
    out = get_dmmf(JSON.stringify({ prismaSchema: [[fileName, schemaText]] }));
  } catch (err) {
    // The Wasm module throws a JSON string with an ANSI-coloured message.
    const raw = err instanceof Error ? err.message : String(err);
    let message = raw;
    try {
      message = (JSON.parse(raw) as { message?: string }).message ?? raw;
    } catch {}
    throw new Error(`${fileName} does not validate:\n${stripVTControlCharacters(message)}`);
  }
  return (JSON.parse(out) as { datamodel: Datamodel }).datamodel;
}

/**
 * One line per database object, keyed by what identifies it; the value describes it. Two models
 * (expected from the schema, actual from the database) are compared key by key.
 */
type Described = Map<string, string>;

const PG_IDENTIFIER_MAX = 63;

/** Prisma's default constraint/index name: `{table}_{columns}_{suffix}`, cut to PostgreSQL's 63 bytes. */
function defaultName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join("_");
  const room = PG_IDENTIFIER_MAX - suffix.length - 1;
  return `${base.length > room ? base.slice(0, room) : base}_${suffix}`;
}

/** The column type as PostgreSQL's format_type() prints it, for a Prisma field. */
function expectedColumnType(field: DmmfField, enums: Map<string, string>): string {
  let type: string;
  if (field.kind === "enum") {
    type = enums.get(field.type) ?? field.type;
  } else {
    const [native, args = []] = field.nativeType ?? [undefined, []];
    const p = args.length > 0 ? `(${args.join(",")})` : "";
    switch (native) {
      case undefined:
        type =
          {
            String: "text",
            Boolean: "boolean",
            Int: "integer",
            BigInt: "bigint",
            Float: "double precision",
            Decimal: "numeric(65,30)",
            DateTime: "timestamp(3) without time zone",
            Json: "jsonb",
            Bytes: "bytea",
          }[field.type] ?? `?${field.type}`;
        break;
      case "VarChar":
        type = `character varying${p}`;
        break;
      case "Char":
        type = `character${p || "(1)"}`;
        break;
      case "VarBit":
        type = `bit varying${p}`;
        break;
      case "Decimal":
        type = `numeric${p}`;
        break;
      case "DoublePrecision":
        type = "double precision";
        break;
      case "ByteA":
        type = "bytea";
        break;
      case "JsonB":
        type = "jsonb";
        break;
      case "Timestamp":
        type = `timestamp${p} without time zone`;
        break;
      case "Timestamptz":
        type = `timestamp${p} with time zone`;
        break;
      case "Time":
        type = `time${p} without time zone`;
        break;
      case "Timetz":
        type = `time${p} with time zone`;
        break;
      default:
        // Text, Uuid, Xml, Inet, Citext, SmallInt, Integer, BigInt, Real, Money, Oid, Date, Boolean, Bit, Json
        type = `${native.toLowerCase()}${p}`;
    }
  }
  return field.isList ? `${type}[]` : type;
}

/** Removes `::type` casts outside string literals (PostgreSQL adds them to stored defaults). */
function stripCasts(expr: string): string {
  const cast =
    /^::(?:"[^"]+"|[a-z_][a-z0-9_.]*)(?:\s*\([\d,\s]+\))?(?:\s+(?:varying|precision|with(?:out)? time zone))*(?:\s*\([\d,\s]+\))?(?:\[\])*/i;
  let out = "";
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i];
    if (ch === "'") {
      let j = i + 1;
      while (j < expr.length) {
        if (expr[j] === "'" && expr[j + 1] === "'") j += 2;
        else if (expr[j] === "'") break;
        else j += 1;
      }
      out += expr.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = ch === ":" ? cast.exec(expr.slice(i)) : null;
    if (m) {
      i += m[0].length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** A column default as stored by PostgreSQL, in a form comparable with the schema's. */
function normalizeDbDefault(expr: string | null, type: string): string | null {
  if (expr == null) return null;
  if (/^nextval\(/i.test(expr)) return "autoincrement()";
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(expr)) return "now()";
  let s = stripCasts(expr).trim();
  const quotedNumber = /^'(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)'$/i.exec(s);
  if (quotedNumber && !/^(text|character|json)/.test(type)) s = quotedNumber[1] ?? s;
  if (/^timestamp|^date/.test(type)) {
    const literal = /^'(.*)'$/.exec(s);
    const time = literal ? Date.parse(literal[1] ?? "") : Number.NaN;
    if (!Number.isNaN(time)) s = `'${new Date(time).toISOString()}'`;
  }
  return s;
}

function sqlLiteral(value: unknown, field: DmmfField): string {
  if (typeof value === "string") {
    if (field.type === "DateTime" && !Number.isNaN(Date.parse(value))) {
      return `'${new Date(value).toISOString()}'`;
    }
    return `'${value.replace(/'/g, "''")}'`;
  }
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  return JSON.stringify(value);
}

/** The database default the schema asks for (client-side defaults such as uuid() have none). */
function expectedDefault(field: DmmfField): string | null {
  const d = field.default;
  if (d === undefined || d === null) return null;
  if (Array.isArray(d)) return `ARRAY[${d.map((v) => sqlLiteral(v, field)).join(", ")}]`;
  if (typeof d === "object") {
    const fn = d as { name: string; args: unknown[] };
    switch (fn.name) {
      case "now":
        return "now()";
      case "autoincrement":
        return "autoincrement()";
      case "dbgenerated":
        return typeof fn.args[0] === "string" ? stripCasts(fn.args[0]).trim() : null;
      default:
        return null; // uuid(), cuid(), nanoid(), ulid(): generated by Prisma Client
    }
  }
  return sqlLiteral(d, field);
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

function describeColumn(type: string, nullable: boolean, dflt: string | null): string {
  return `${type}${nullable ? " NULL" : " NOT NULL"}${dflt == null ? "" : ` DEFAULT ${dflt}`}`;
}

function describeIndex(table: string, unique: boolean, columns: string[], method: string): string {
  return `${unique ? "UNIQUE " : ""}ON ${table}(${columns.join(", ")})${method === "btree" ? "" : ` USING ${method}`}`;
}

/**
 * `@relation(..., map: "name")` per `Model.field`: the DMMF leaves the foreign key's constraint
 * name out, so it is read from the schema text (a field and its attributes are one line in PSL).
 */
function relationConstraintNames(schemaText: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const model of schemaText.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    for (const rawLine of (model[2] ?? "").split("\n")) {
      const line = rawLine.replace(/\/\/.*$/, "");
      const field = /^\s*(\w+)\s/.exec(line)?.[1];
      const map = /@relation\([^)]*\bmap:\s*"([^"]+)"/.exec(line)?.[1];
      if (field && map) names.set(`${model[1]}.${field}`, map);
    }
  }
  return names;
}

/** What the migrated database should contain according to the schema. */
function describeSchema(datamodel: Datamodel, fkNames: Map<string, string> = new Map()): Described {
  const out: Described = new Map();
  const enums = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  for (const e of datamodel.enums) {
    out.set(`enum ${e.dbName ?? e.name}`, e.values.map((v) => v.dbName ?? v.name).join(", "));
  }
  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnOf = (model: DmmfModel, fieldName: string): string => {
    const f = model.fields.find((x) => x.name === fieldName);
    return f?.dbName ?? fieldName;
  };

  for (const model of datamodel.models) {
    const table = model.dbName ?? model.name;
    out.set(`table ${table}`, "exists");
    for (const field of model.fields) {
      if (field.kind !== "scalar" && field.kind !== "enum") continue;
      const column = field.dbName ?? field.name;
      // Prisma creates scalar-list columns without NOT NULL.
      const nullable = !field.isRequired || field.isList;
      out.set(`column ${table}.${column}`, describeColumn(expectedColumnType(field, enums), nullable, expectedDefault(field)));
    }
    for (const field of model.fields) {
      const from = field.relationFromFields ?? [];
      if (field.kind !== "object" || from.length === 0) continue;
      const target = datamodel.models.find((m) => m.name === field.type);
      if (!target) continue;
      const columns = from.map((f) => columnOf(model, f));
      const refColumns = (field.relationToFields ?? []).map((f) => columnOf(target, f));
      const allRequired = from.every((f) => model.fields.find((x) => x.name === f)?.isRequired);
      const onDelete = field.relationOnDelete ?? (allRequired ? "Restrict" : "SetNull");
      const onUpdate = field.relationOnUpdate ?? "Cascade";
      out.set(
        `foreign key ${fkNames.get(`${model.name}.${field.name}`) ?? defaultName(table, columns, "fkey")}`,
        `${table}(${columns.join(", ")}) REFERENCES ${tableOf.get(target.name)}(${refColumns.join(", ")}) ` +
          `ON DELETE ${REFERENTIAL_ACTIONS[onDelete] ?? onDelete} ON UPDATE ${REFERENTIAL_ACTIONS[onUpdate] ?? onUpdate}`,
      );
    }
  }

  for (const index of datamodel.indexes) {
    const model = datamodel.models.find((m) => m.name === index.model);
    if (!model) continue;
    const table = model.dbName ?? model.name;
    const columns = index.fields.map((f) => columnOf(model, f.name));
    const keyed = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === "desc" ? " DESC" : ""}`);
    const method = (index.algorithm ?? "BTree").toLowerCase();
    if (index.type === "id") {
      out.set(`primary key of ${table}`, `${index.dbName ?? `${table}_pkey`} (${columns.join(", ")})`);
    } else if (index.type === "unique" || index.type === "normal") {
      const unique = index.type === "unique";
      const name = index.dbName ?? defaultName(table, columns, unique ? "key" : "idx");
      out.set(`index ${name}`, describeIndex(table, unique, keyed, method));
    }
  }
  return out;
}

/** What the database actually contains (current schema, `_prisma_migrations` left out). */
async function describeDatabase(sql: SqlExecutor): Promise<Described> {
  const out: Described = new Map();
  const inSchema = `n.nspname = current_schema()`;

  const enums = await sql.query(
    `SELECT t.typname AS name,
            array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype = 'e' AND ${inSchema}`,
  );
  for (const r of enums.rows) out.set(`enum ${r.name}`, (r.labels as string[]).join(", "));

  const tables = await sql.query(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${inSchema} AND c.relname <> '_prisma_migrations'`,
  );
  for (const r of tables.rows) out.set(`table ${r.name}`, "exists");

  const columns = await sql.query(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS dflt
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p') AND ${inSchema} AND c.relname <> '_prisma_migrations'
        AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  for (const r of columns.rows) {
    const type = String(r.type).replace(/"/g, "");
    out.set(`column ${r.table}.${r.column}`, describeColumn(type, !r.not_null, normalizeDbDefault(r.dflt, type)));
  }

  const indexes = await sql.query(
    `SELECT t.relname AS table, i.relname AS name, ix.indisprimary AS is_primary, ix.indisunique AS is_unique,
            am.amname AS method, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
            array(
              SELECT CASE WHEN k.attnum = 0 THEN '(expression)' ELSE a.attname::text END
                     || CASE WHEN (ix.indoption[(k.ord - 1)::int] & 1) = 1 THEN ' DESC' ELSE '' END
                FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
               WHERE k.ord <= ix.indnkeyatts
               ORDER BY k.ord
            ) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE ${inSchema} AND t.relname <> '_prisma_migrations'`,
  );
  for (const r of indexes.rows) {
    const cols = r.columns as string[];
    if (r.is_primary) {
      out.set(`primary key of ${r.table}`, `${r.name} (${cols.join(", ")})`);
    } else {
      const where = r.predicate ? ` WHERE ${r.predicate}` : "";
      out.set(`index ${r.name}`, describeIndex(r.table, r.is_unique, cols, r.method) + where);
    }
  }

  const actions: Record<string, string> = {
    a: "NO ACTION",
    r: "RESTRICT",
    c: "CASCADE",
    n: "SET NULL",
    d: "SET DEFAULT",
  };
  const fks = await sql.query(
    `SELECT con.conname AS name, t.relname AS table, rt.relname AS ref_table,
            con.confdeltype AS on_delete, con.confupdtype AS on_update,
            array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_class rt ON rt.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE con.contype = 'f' AND ${inSchema}`,
  );
  for (const r of fks.rows) {
    out.set(
      `foreign key ${r.name}`,
      `${r.table}(${(r.columns as string[]).join(", ")}) REFERENCES ${r.ref_table}(${(r.ref_columns as string[]).join(", ")}) ` +
        `ON DELETE ${actions[r.on_delete] ?? r.on_delete} ON UPDATE ${actions[r.on_update] ?? r.on_update}`,
    );
  }
  return out;
}

/** Human-readable differences between the schema and the database; empty when they agree. */
async function schemaDrift(schemaPath: string, sql: SqlExecutor): Promise<string[]> {
  const text = await readFile(schemaPath, "utf8");
  const expected = describeSchema(readDatamodel(text, path.basename(schemaPath)), relationConstraintNames(text));
  const actual = await describeDatabase(sql);
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  const problems: string[] = [];
  for (const key of keys) {
    const want = expected.get(key);
    const have = actual.get(key);
    if (want === have) continue;
    if (have === undefined) problems.push(`missing in database: ${key}: ${want}`);
    else if (want === undefined) problems.push(`not in schema.prisma: ${key}: ${have}`);
    else problems.push(`differs: ${key}\n      schema.prisma: ${want}\n      database:      ${have}`);
  }
  return problems;
}

function driftMessage(problems: string[]): string {
  return (
    `prisma/schema.prisma and the database built from prisma/migrations differ ` +
    `(add a migration that makes them agree):\n  - ${problems.join("\n  - ")}\n`
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers for the tests
// ---------------------------------------------------------------------------------------------

/** A PostgreSQL server URL: from the global setup, or TEST_DATABASE_URL for a standalone run. */
function serverUrl(): string {
  const injected = inject("databaseUrl") as string | undefined;
  const url = injected || process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error("No PostgreSQL for the drift test: provide `databaseUrl` from a globalSetup or set TEST_DATABASE_URL.");
  }
  return url;
}

/** Creates uniquely named databases on the test server and drops them at the end. */
class TestDatabases {
  private readonly names: string[] = [];
  private readonly prefix = `orkestr_drift_${process.pid}_${randomUUID().slice(0, 8)}`;

  async create(suffix: string): Promise<string> {
    const name = `${this.prefix}_${suffix}`;
    await this.admin(async (client) => {
      await client.query(`CREATE DATABASE "${name}"`);
    });
    this.names.push(name);
    const url = new URL(serverUrl());
    url.pathname = `/${name}`;
    return url.toString();
  }

  async dropAll(): Promise<void> {
    await this.admin(async (client) => {
      for (const name of this.names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  }

  private async admin(fn: (client: pg.Client) => Promise<void>): Promise<void> {
    const client = new pg.Client({ connectionString: serverUrl() });
    await client.connect();
    try {
      await fn(client);
    } finally {
      await client.end();
    }
  }
}

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
