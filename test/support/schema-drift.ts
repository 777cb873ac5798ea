// The comparison behind test/schema-drift.test.ts: a Prisma schema against a migrated database.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { SqlExecutor } from "../../core/store-prisma/migrate.ts";
import { databaseCatalog } from "./database-catalog.ts";
import { schemaCatalog } from "./schema-catalog.ts";

/** Human-readable differences between the schema and the database; empty when they agree. */
export async function schemaDrift(schemaPath: string, sql: SqlExecutor): Promise<string[]> {
  const text = await readFile(schemaPath, "utf8");
  const expected = schemaCatalog(text, path.basename(schemaPath));
  const actual = await databaseCatalog(sql);
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

export function driftMessage(problems: string[]): string {
  return (
    `prisma/schema.prisma and the database built from prisma/migrations differ ` +
    `(add a migration that makes them agree):\n  - ${problems.join("\n  - ")}\n`
  );
}
