import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { loadConfig } from "../app/config.ts";
import { eraseContact } from "../core/store-prisma/erase-contact.ts";
import { exportContact } from "../core/store-prisma/export-contact.ts";
import type { PrismaClient } from "../core/store-prisma/generated/client.ts";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";

/** The contacts a request names: a contact id, an email (any case) or a phone (read in DEFAULT_PHONE_REGION). */
async function contactsNamed(prisma: PrismaClient, who: string): Promise<string[] | string> {
  const text = who.trim();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text))
    return (await prisma.contact.findMany({ where: { id: text.toLowerCase() }, select: { id: true } })).map((c) => c.id);
  if (text.includes("@"))
    return (await prisma.contact.findMany({ where: { email: text.toLowerCase() }, select: { id: true } })).map((c) => c.id);
  const phone = parsePhoneNumberFromString(text, loadConfig(process.env).DEFAULT_PHONE_REGION as CountryCode);
  if (!phone?.isValid()) return `"${who}" is no contact id, email or phone number`;
  return (await prisma.contact.findMany({ where: { phone: phone.number }, select: { id: true } })).map((c) => c.id);
}

/** The contacts named, or undefined once it said why there are none. */
async function contactsOrSay(prisma: PrismaClient, who: string, out: CliOutput): Promise<string[] | undefined> {
  const ids = await contactsNamed(prisma, who);
  if (typeof ids !== "string" && ids.length > 0) return ids;
  out.error(typeof ids === "string" ? ids : `No contact has "${who}"`);
  return undefined;
}

/** `orkestr contacts export <id|phone|email>`: everything stored about the person, as JSON (one object per contact). */
export async function contactsExportCommand(who: string, out: CliOutput): Promise<number> {
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    const ids = await contactsOrSay(database.prisma, who, out);
    if (!ids) return 1;
    const exported = [];
    for (const id of ids) exported.push(await database.prisma.$transaction((tx) => exportContact(tx, id)));
    out.log(JSON.stringify(exported, null, 2));
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * `orkestr contacts erase <id|phone|email> --yes`: erases the person's personal data (see
 * erase-contact.ts); without --yes it only says what it would erase.
 */
export async function contactsEraseCommand(who: string, options: { yes?: boolean }, out: CliOutput): Promise<number> {
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    const ids = await contactsOrSay(database.prisma, who, out);
    if (!ids) return 1;
    if (!options.yes) {
      out.error(`Would erase ${ids.length} contact(s): ${ids.join(", ")}. This cannot be undone: add --yes.`);
      return 1;
    }
    for (const id of ids) await database.prisma.$transaction((tx) => eraseContact(tx, id, new Date()));
    out.log(`Erased ${ids.length} contact(s): ${ids.join(", ")}. What remains of them is anonymous; no message is sent to them any more.`);
    return 0;
  } finally {
    await database.close();
  }
}
