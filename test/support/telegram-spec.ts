import { existsSync, readFileSync } from "node:fs";

interface SpecField {
  name: string;
  types: string[];
  required: boolean;
}
interface Spec {
  methods: Record<string, { fields?: SpecField[] }>;
  types: Record<string, { fields?: SpecField[] }>;
}

const specPath = new URL("../../../shared/specs/telegram/bot-api.json", import.meta.url);

/** The Telegram Bot API spec from ../shared/specs, or undefined where that folder is absent. */
export function loadTelegramSpec(): Spec | undefined {
  return existsSync(specPath) ? (JSON.parse(readFileSync(specPath, "utf8")) as Spec) : undefined;
}

/**
 * Problems of one recorded call against the spec: unknown method, unknown or missing
 * parameters, wrongly typed scalars, and unknown fields in inline keyboard buttons.
 */
export function telegramCallProblems(spec: Spec, method: string, params: Record<string, unknown>): string[] {
  const definition = spec.methods[method];
  if (!definition) return [`${method}: no such method`];
  const fields = definition.fields ?? [];
  const problems: string[] = [];
  for (const field of fields) if (field.required && params[field.name] === undefined) problems.push(`${method}: missing ${field.name}`);
  for (const [name, value] of Object.entries(params)) {
    const field = fields.find((f) => f.name === name);
    if (!field) {
      problems.push(`${method}: unknown parameter ${name}`);
      continue;
    }
    const allowed = field.types.map((t) => ({ Integer: "number", String: "string", Boolean: "boolean", Float: "number" })[t] ?? "object");
    if (!allowed.includes(typeof value)) problems.push(`${method}.${name}: ${typeof value} is not ${field.types.join(" or ")}`);
  }
  const markup = params.reply_markup as { inline_keyboard?: Array<Array<Record<string, unknown>>> } | undefined;
  const buttonFields = spec.types.InlineKeyboardButton?.fields?.map((f) => f.name) ?? [];
  for (const button of markup?.inline_keyboard?.flat() ?? []) {
    for (const key of Object.keys(button))
      if (!buttonFields.includes(key)) problems.push(`${method}: unknown InlineKeyboardButton field ${key}`);
  }
  return problems;
}
