import parseDuration from "parse-duration";
import proxyaddr from "proxy-addr";
import { z } from "zod";
import { SupportHours } from "../core/engine/support-hours.ts";
import { durationSchema } from "../core/flow/step-fields.ts";
import { telegramFreeBulkRate, telegramPaidBulkRate } from "../core/pacing-redis/redis-send-pacer.ts";

/** A list in one variable: `a, b,c` → ["a", "b", "c"]. */
const commaSeparated = () =>
  z.string().transform((list) =>
    list
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
  );

/** A duration as flows write them (15m, 2h, 1h30m), in milliseconds. */
const durationSetting = () => durationSchema.transform((text) => parseDuration(text) ?? 0);

/** Environment configuration; `.env.example` documents every variable. */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().default(".data"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w-]+$/)
    .default("orkestr"),
  FLOWS_DIR: z.string().default("flows"),
  FLOWS_WATCH: z.stringbool().default(false),
  DEFAULT_PHONE_REGION: z.string().length(2).toUpperCase().default("RU"),
  /** How often the win-back scan (flows with `inactive:` triggers) runs, for all replicas together (default 1h). */
  WINBACK_SCAN_EVERY: durationSetting().optional(),
  /** Follow-up jobs this process works on at once; those due together are settled in shared batches. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(32),
  /** Connections to PostgreSQL this process opens at most (replicas × this must stay under the server's max_connections). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  /**
   * The web chat has no login: off unless asked for, so a production process reachable from
   * outside never lets strangers read contacts' data. `npm run demo` turns it on.
   */
  WEBCHAT_ENABLED: z.stringbool().default(false),
  /** Requests a minute one IP address may make to the web chat's API. */
  WEBCHAT_RATE_LIMIT: z.coerce.number().int().min(1).default(120),
  /**
   * Signs the web chat's session cookies. Unset: a random one kept in
   * `$DATA_DIR/webchat-session-secret`. Replicas behind one URL need the same value.
   */
  WEBCHAT_SESSION_SECRET: z.string().min(32, "at least 32 characters, e.g. the output of `openssl rand -base64 32`").optional(),
  /** From @BotFather; without it the Telegram channel is off. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]+$/, "a bot token looks like 123456:ABC-DEF…")
    .optional(),
  /** A self-hosted Bot API server, or a test fake. */
  TELEGRAM_API_ROOT: z.url().optional(),
  /** Public https URL that reaches this app's /telegram/webhook; unset: long polling. */
  TELEGRAM_WEBHOOK_URL: z.url().optional(),
  /** 1–256 characters A–Z a–z 0–9 _ - (Telegram's rule for secret_token). */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[\w-]{1,256}$/, "1–256 characters: letters, digits, '_' or '-'")
    .optional(),
  /**
   * Messages a second the bot sends on its own (follow-ups, broadcasts) on Telegram. Replies to
   * a customer are not held to it, only to the chat's own limit.
   */
  TELEGRAM_BULK_RATE: z.coerce.number().int().min(1).max(telegramPaidBulkRate).default(telegramFreeBulkRate),
  /**
   * A payment provider connected to the bot in BotFather (Payments): pay steps on Telegram then
   * take money inside the chat. Telegram Stars (`provider: stars`) need no token.
   */
  TELEGRAM_PAYMENT_PROVIDER_TOKEN: z.string().min(1).optional(),
  /** Bulk sends carry `allow_paid_broadcast` (0.1 Star a message from the bot's balance), which allows up to 1000 a second. */
  TELEGRAM_PAID_BROADCAST: z.stringbool().default(false),
  /** Community access token (messages permission); with VK_GROUP_ID it turns the VK channel on. */
  VK_GROUP_TOKEN: z.string().min(10).optional(),
  VK_GROUP_ID: z.coerce.number().int().positive().optional(),
  /** VK API base (default https://api.vk.ru/method), or a test fake. */
  VK_API_BASE_URL: z.url().optional(),
  /** Callback API instead of Long Poll: the confirmation string from the community settings… */
  VK_CONFIRMATION_CODE: z.string().min(1).optional(),
  /** …and the secret key set there (required with the confirmation code). */
  VK_CALLBACK_SECRET: z.string().min(1).optional(),
  /** The app's public https address: where payment pages send the customer back, and where test payments are paid. */
  PUBLIC_URL: z.url().optional(),
  /** Marketing follow-ups one contact may get per calendar day / ISO week (their time zone), across flows; unset: no cap. */
  MAX_MARKETING_PER_DAY: z.coerce.number().int().min(0).optional(),
  MAX_MARKETING_PER_WEEK: z.coerce.number().int().min(0).optional(),
  /** The bearer token of the admin API (POST /api/events); unset: the admin API is off. */
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN needs at least 16 characters (e.g. openssl rand -hex 24)").optional(),
  /** YooKassa shop: with both set, pay steps take money through YooKassa. */
  YOOKASSA_SHOP_ID: z.string().min(1).optional(),
  YOOKASSA_SECRET_KEY: z.string().min(1).optional(),
  YOOKASSA_API_URL: z.url().default("https://api.yookassa.ru/v3"),
  /** Refuse YooKassa notifications sent from outside its published networks (with a reverse proxy, set TRUST_PROXY too). */
  YOOKASSA_CHECK_IP: z.stringbool().default(false),
  /**
   * The reverse proxies in front of the app (comma-separated addresses, CIDR ranges, or
   * loopback/linklocal/uniquelocal): a request from one of them is taken to come from the
   * address it names in X-Forwarded-For. Unset: the peer's address, whatever the header says.
   */
  TRUST_PROXY: commaSeparated()
    .refine(validProxyList, { message: "list addresses, CIDR ranges, or loopback, linklocal, uniquelocal, separated by commas" })
    .default([]),
  /** 54-FZ receipts: the VAT code (1–6, YooKassa's vat_code) of what is sold; unset: no receipts. */
  YOOKASSA_RECEIPT_VAT_CODE: z.coerce.number().int().min(1).max(6).optional(),
  /** Stripe Checkout (dashboard → Developers → API keys): with the webhook's signing secret, pay steps can take cards abroad. */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** The signing secret of the webhook endpoint PUBLIC_URL/payments/stripe (whsec_…). */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Stripe's API (https://api.stripe.com), or a test fake. */
  STRIPE_API_URL: z.url().optional(),
  /**
   * The built-in test double takes pay steps' payments when no provider is set up (no money
   * moves; the customer is told). `npm run demo` turns it on.
   */
  PAYMENTS_TEST: z.stringbool().default(false),
  /**
   * The support group (a Telegram supergroup with topics, the bot an admin allowed to manage
   * topics): handoffs open a topic per customer there. Needs TELEGRAM_BOT_TOKEN. Unset: a handoff
   * is only stored and the customer told it was passed on.
   */
  SUPPORT_CHAT_ID: z
    .string()
    .regex(/^-100\d{5,}$/, "a supergroup's id starts with -100 (forward a message of the group to @userinfobot, or see docs/support.md)")
    .optional(),
  /** The window the support group's 20 posts are counted over (Telegram's minute; tests shorten it). */
  SUPPORT_GROUP_WINDOW_SECONDS: z.coerce.number().int().min(1).max(60).default(60),
  /**
   * When support staff answer, in SUPPORT_TIMEZONE: «mon-fri 09:00-18:00, sat 10:00-14:00».
   * Outside it, a customer handed to staff is told when they will be answered.
   */
  SUPPORT_HOURS: z.string().min(1).optional(),
  SUPPORT_TIMEZONE: z.string().default("Europe/Moscow"),
  /** Nobody answered the customer in their topic for this long (15m): the topic gets a reminder. Unset: none. */
  SUPPORT_REMIND_AFTER: durationSetting().optional(),
  /** Who the reminder mentions: «@olga @ivan». */
  SUPPORT_MENTION: z.string().min(1).max(200).optional(),
  /** A handoff with no message from either side for this long (12h) returns to the bot by itself. Unset: never. */
  SUPPORT_AUTO_RETURN_AFTER: durationSetting().optional(),
  /** When support answers, as customers read it after «Мы отвечаем»: «пн–пт с 9:00 до 18:00 (МСК)». */
  SUPPORT_HOURS_TEXT: z.string().min(1).max(200).optional(),
  /** What customers type to ask for a person, comma-separated (replaces the default list; /operator always works). */
  SUPPORT_KEYWORDS: commaSeparated().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; a bad value stops start-up with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = configSchema
    .refine((c) => !c.TELEGRAM_WEBHOOK_URL || c.TELEGRAM_WEBHOOK_SECRET, {
      message: "set TELEGRAM_WEBHOOK_SECRET with TELEGRAM_WEBHOOK_URL, so forged webhook calls are refused",
      path: ["TELEGRAM_WEBHOOK_SECRET"],
    })
    .refine((c) => c.TELEGRAM_PAID_BROADCAST || c.TELEGRAM_BULK_RATE <= telegramFreeBulkRate, {
      message: `Telegram takes at most ${telegramFreeBulkRate} bulk messages a second; set TELEGRAM_PAID_BROADCAST=true (paid in Stars) for up to ${telegramPaidBulkRate}`,
      path: ["TELEGRAM_BULK_RATE"],
    })
    .superRefine((c, context) => {
      if (!c.SUPPORT_HOURS) return;
      try {
        SupportHours.parse(c.SUPPORT_HOURS, c.SUPPORT_TIMEZONE);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message, path: ["SUPPORT_HOURS"] });
      }
    })
    .refine((c) => !c.SUPPORT_CHAT_ID || c.TELEGRAM_BOT_TOKEN, {
      message: "the support group is served by the Telegram bot: set TELEGRAM_BOT_TOKEN with SUPPORT_CHAT_ID",
      path: ["SUPPORT_CHAT_ID"],
    })
    .refine((c) => !c.VK_CONFIRMATION_CODE || c.VK_CALLBACK_SECRET, {
      message: "set VK_CALLBACK_SECRET with VK_CONFIRMATION_CODE, so forged callbacks are refused",
      path: ["VK_CALLBACK_SECRET"],
    })
    .refine((c) => Boolean(c.YOOKASSA_SHOP_ID) === Boolean(c.YOOKASSA_SECRET_KEY), {
      message: "set YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY together",
      path: ["YOOKASSA_SECRET_KEY"],
    })
    .refine((c) => Boolean(c.STRIPE_SECRET_KEY) === Boolean(c.STRIPE_WEBHOOK_SECRET), {
      message: "set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET together: without the signing secret no payment could be confirmed",
      path: ["STRIPE_WEBHOOK_SECRET"],
    })
    .refine((c) => !c.STRIPE_SECRET_KEY || c.PUBLIC_URL, {
      message: "set PUBLIC_URL with Stripe: Checkout sends the customer back there, and the webhook is PUBLIC_URL/payments/stripe",
      path: ["PUBLIC_URL"],
    })
    .refine((c) => !c.YOOKASSA_SHOP_ID || c.PUBLIC_URL, {
      message:
        "set PUBLIC_URL with YooKassa: the payment page sends the customer back there, and the webhook is PUBLIC_URL/payments/yookassa",
      path: ["PUBLIC_URL"],
    })
    .refine((c) => !c.VK_GROUP_TOKEN || c.VK_GROUP_ID, { message: "set VK_GROUP_ID with VK_GROUP_TOKEN", path: ["VK_GROUP_ID"] })
    .safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Whether proxy-addr takes the list (it throws on an address it cannot read). */
function validProxyList(list: string[]): boolean {
  try {
    proxyaddr.compile(list);
    return true;
  } catch {
    return false;
  }
}
