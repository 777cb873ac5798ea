import { randomUUID } from "node:crypto";
import { loadConfig } from "../app/config.ts";
import { externalEventSchema } from "../core/model/external-event.ts";
import type { CliOutput } from "./cli-output.ts";

export interface EventSendOptions {
  phone?: string;
  email?: string;
  telegramId?: string;
  vkId?: string;
  contactId?: string;
  data?: string;
  id?: string;
  url?: string;
}

/**
 * `orkestr event send <type>`: posts an event to the running app's admin API, as another system
 * would (`POST /api/events` with ADMIN_TOKEN). Checked here with the API's own schema first, so a
 * mistake is named before anything is sent.
 */
export async function eventSendCommand(type: string, options: EventSendOptions, out: CliOutput): Promise<number> {
  const config = loadConfig(process.env);
  if (!config.ADMIN_TOKEN) {
    out.error("ADMIN_TOKEN is not set: the admin API is off. Set it for the app and for this command.");
    return 1;
  }
  let data: unknown;
  try {
    data = options.data === undefined ? undefined : JSON.parse(options.data);
  } catch {
    out.error(`--data is no JSON: ${options.data}`);
    return 1;
  }
  const contact = {
    phone: options.phone,
    email: options.email,
    telegram_id: options.telegramId,
    vk_id: options.vkId,
    contact_id: options.contactId,
  };
  const event = externalEventSchema.safeParse({ id: options.id ?? randomUUID(), type, contact, ...(data === undefined ? {} : { data }) });
  if (!event.success) {
    out.error(event.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("\n"));
    return 1;
  }
  const base = (options.url ?? config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/api/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${config.ADMIN_TOKEN}`, "content-type": "application/json" },
      // Options not given are undefined, and JSON leaves them out.
      body: JSON.stringify(event.data),
    });
  } catch (error) {
    out.error(`Cannot reach the app at ${base} (is it running? --url sets where): ${(error as Error).message}`);
    return 1;
  }
  const answer = await response.text();
  (response.ok ? out.log : out.error)(`${response.status} ${answer}`);
  return response.ok ? 0 : 1;
}
