// The catalog shape both sides of the schema drift check are turned into (see schema-drift.ts),
// and what a PostgreSQL database's own catalog says in that shape.

import type { SqlExecutor } from "../../core/store-prisma/migrate.ts";

/**
 * One line per database object, keyed by what identifies it; the value describes it. Two models
 * (expected from the schema, actual from the database) are compared key by key.
 */
export type Catalog = Map<string, string>;

export function describeColumn(type: string, nullable: boolean, dflt: string | null): string {
  return `${type}${nullable ? " NULL" : " NOT NULL"}${dflt == null ? "" : ` DEFAULT ${dflt}`}`;
}

export function describeIndex(table: string, unique: boolean, columns: string[], method: string): string {
  return `${unique ? "UNIQUE " : ""}ON ${table}(${columns.join(", ")})${method === "btree" ? "" : ` USING ${method}`}`;
}

/** Removes `::type` casts outside string literals (PostgreSQL adds them to stored defaults). */
export function stripCasts(expr: string): string {
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

/** What the database actually contains (current schema, `_prisma_migrations` left out). */
export async function databaseCatalog(sql: SqlExecutor): Promise<Catalog> {
  const out: Catalog = new Map();
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
