import { z } from "zod";

const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const user = z.looseObject({
  id: z.number().int(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});

/**
 * The parts of a Telegram update (https://core.telegram.org/bots/api#update) this channel reads,
 * with their types: an update that breaks them is malformed and can never be handled. Other
 * fields and update kinds pass as they are.
 */
export const telegramUpdateSchema = z.looseObject({
  update_id: z.number().int(),
  message: z
    .looseObject({
      chat,
      from: user.optional(),
      text: z.string().optional(),
      contact: z.looseObject({ phone_number: z.string() }).optional(),
      successful_payment: z
        .looseObject({
          currency: z.string(),
          total_amount: z.number().int(),
          invoice_payload: z.string(),
          telegram_payment_charge_id: z.string(),
        })
        .optional(),
    })
    .optional(),
  pre_checkout_query: z
    .looseObject({ id: z.string(), from: user, currency: z.string(), total_amount: z.number().int(), invoice_payload: z.string() })
    .optional(),
  callback_query: z
    .looseObject({
      id: z.string(),
      from: user,
      data: z.string().optional(),
      message: z
        .looseObject({
          chat,
          reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(z.looseObject({ text: z.string() }))) }).optional(),
        })
        .optional(),
    })
    .optional(),
  my_chat_member: z.looseObject({ chat, new_chat_member: z.looseObject({ status: z.string() }) }).optional(),
});

/** Why an update is malformed (the fields and what is wrong, never their values), or undefined when it is not. */
export function telegramUpdateProblem(update: unknown): string | undefined {
  const parsed = telegramUpdateSchema.safeParse(update);
  if (parsed.success) return undefined;
  return parsed.error.issues.map((issue) => `${issue.path.join(".") || "update"}: ${issue.message}`).join("; ");
}
