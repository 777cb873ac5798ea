import { readFileSync } from "node:fs";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";

const poolPattern = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/**
 * `orkestr promo import <pool> <file>`: loads unique codes (one per line, or the first column of
 * a CSV) into a pool; codes already there are skipped, so importing twice is harmless.
 */
export async function promoImportCommand(pool: string, file: string, out: CliOutput): Promise<number> {
  if (!poolPattern.test(pool)) {
    out.error(`"${pool}" cannot be a pool name: lower-case latin letters, digits, '_' and '-'`);
    return 1;
  }
  const codes = [
    ...new Set(
      readFileSync(file, "utf8")
        .split(/\r?\n/)
        .map((line) => (line.split(/[,;\t]/)[0] ?? "").trim().replace(/^"|"$/g, ""))
        .filter((code) => code && !/^(code|promo|код)$/i.test(code)),
    ),
  ];
  if (codes.length === 0) {
    out.error(`No codes in ${file}: write one code per line (or a CSV with codes in the first column)`);
    return 1;
  }
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    const { count } = await database.prisma.promoCode.createMany({ data: codes.map((code) => ({ pool, code })), skipDuplicates: true });
    out.log(`${pool}: ${count} new code(s) imported, ${codes.length - count} already there`);
    return promoStatus(database.prisma, pool, out);
  } finally {
    await database.close();
  }
}

/** `orkestr promo status [pool]`: codes per pool, issued and left. */
export async function promoStatusCommand(pool: string | undefined, out: CliOutput): Promise<number> {
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    return await promoStatus(database.prisma, pool, out);
  } finally {
    await database.close();
  }
}

async function promoStatus(
  prisma: NonNullable<Awaited<ReturnType<typeof openAppDatabase>>>["prisma"],
  pool: string | undefined,
  out: CliOutput,
): Promise<number> {
  const rows = await prisma.promoCode.groupBy({
    by: ["pool"],
    where: pool ? { pool } : {},
    _count: { _all: true, contactId: true },
    orderBy: { pool: "asc" },
  });
  if (rows.length === 0) {
    out.log(pool ? `${pool}: no codes` : "No promo codes yet: load some with `orkestr promo import <pool> <file>`");
    return 0;
  }
  for (const row of rows) {
    const issued = row._count.contactId;
    out.log(`${row.pool}: ${row._count._all} codes, ${issued} issued, ${row._count._all - issued} left`);
  }
  return 0;
}
