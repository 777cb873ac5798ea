import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import type { Config } from "./config.ts";

/** The settings whose values are secrets: never written to a log line, wherever they turn up. */
const secretSettings = [
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_WEBHOOK_SECRET",
  "VK_GROUP_TOKEN",
  "VK_CALLBACK_SECRET",
  "VK_CONFIRMATION_CODE",
  "WEBCHAT_SESSION_SECRET",
] as const;

/** A Telegram bot token (`123456:AA…`), also inside Bot API URLs (`/bot123456:AA…/sendMessage`). */
const botTokenPattern = /\d{5,}:[A-Za-z0-9_-]{20,}/g;
/** The password of a URL (`redis://:pw@host`, `postgres://user:pw@host`). */
const urlPasswordPattern = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]*:)[^@\s/"]+@/gi;

/**
 * What errors carry about customers: grammY's keep the request they failed on (`payload`: chat
 * id, text, buttons) and a failed update's whole context (`ctx`: the update, the API with its
 * token); vk-io's keep their params. Logged as `[redacted]`.
 */
const personalDataPaths = [
  "err.payload",
  "err.cause.payload",
  "err.params",
  "err.cause.params",
  "err.ctx",
  "err.error.payload",
  "payload",
  "update",
  "text",
  "raw",
];

/**
 * Removes secrets from one finished log line: the configured secret values, anything shaped
 * like a bot token, and passwords in URLs. It runs on the serialised line, so a secret nested
 * in an error's message, cause or stack is caught too.
 */
export function redactLine(line: string, secrets: readonly string[]): string {
  let clean = line.replace(botTokenPattern, "[token]").replace(urlPasswordPattern, "$1[password]@");
  for (const secret of secrets) clean = clean.replaceAll(secret, "[secret]");
  return clean;
}

/** The process's logger (pino JSON lines): secrets and customers' data never reach the log. */
export function createRedactingLogger(
  config: Pick<Config, "LOG_LEVEL"> & Partial<Record<(typeof secretSettings)[number], string | undefined>>,
  options: Omit<LoggerOptions, "level" | "redact" | "hooks"> = {},
  destination?: DestinationStream,
): Logger {
  // Short values (a 1-character webhook secret) would blank out ordinary words; those are caught by shape only.
  const secrets = secretSettings
    .map((key) => config[key])
    .filter((value): value is string => typeof value === "string" && value.length >= 6);
  const settings: LoggerOptions = {
    ...options,
    level: config.LOG_LEVEL,
    redact: { paths: personalDataPaths, censor: "[redacted]" },
    hooks: { streamWrite: (line) => redactLine(line, secrets) },
  };
  return destination ? pino(settings, destination) : pino(settings);
}
