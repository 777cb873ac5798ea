import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import type { AnswerKind } from "../../model/outbound-message.ts";

/** What validation needs of a question. */
export interface AskRules {
  type: AnswerKind;
  options?: string[] | undefined;
  min?: number | undefined;
  max?: number | undefined;
}
export type AnswerCheck = { ok: true; value: string | number } | { ok: false };

const emailSchema = z.email();

/**
 * Validates and normalises an answer to an `ask` step: numbers become numbers, emails are
 * lower-cased, phones become E.164 (libphonenumber-js), choices become the option text.
 */
export function validateAnswer(ask: AskRules, text: string, defaultRegion: CountryCode): AnswerCheck {
  const answer = text.trim();
  if (!answer) return { ok: false };
  switch (ask.type) {
    case "text": {
      const tooShort = ask.min !== undefined && answer.length < ask.min;
      const tooLong = ask.max !== undefined && answer.length > ask.max;
      return tooShort || tooLong ? { ok: false } : { ok: true, value: answer };
    }
    case "number": {
      const value = Number(answer.replace(/\s+/g, "").replace(",", "."));
      if (!Number.isFinite(value)) return { ok: false };
      if ((ask.min !== undefined && value < ask.min) || (ask.max !== undefined && value > ask.max)) return { ok: false };
      return { ok: true, value };
    }
    case "email": {
      const value = answer.toLowerCase();
      return emailSchema.safeParse(value).success ? { ok: true, value } : { ok: false };
    }
    case "phone": {
      const phone = parsePhoneNumberFromString(answer, defaultRegion);
      return phone?.isValid() ? { ok: true, value: phone.number } : { ok: false };
    }
    case "choice": {
      const options = ask.options ?? [];
      const byText = options.find((o) => o.toLowerCase() === answer.toLowerCase());
      const byNumber = /^\d+$/.test(answer) ? options[Number(answer) - 1] : undefined;
      const value = byText ?? byNumber;
      return value ? { ok: true, value } : { ok: false };
    }
  }
}
