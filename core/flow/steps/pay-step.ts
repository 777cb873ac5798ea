import { z } from "zod";
import { paymentProviderNames } from "../../model/order.ts";
import { labelSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, type StepTarget, type StepTurn, stay } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    pay: z
      .strictObject({
        title: z.string().min(1).max(128).describe("What is sold, as the payment page shows it (YooKassa: up to 128 characters)"),
        description: z.string().min(1).max(128).optional().describe("A line under the title on the payment page (a template)"),
        amount: z
          .union([z.number().positive(), templateSchema])
          .describe(
            "The price in rubles (or the currency's major unit): 4990, or a template such as {{ vars.price }}, checked when the step runs",
          ),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/)
          .default("RUB")
          .describe("ISO 4217 currency code"),
        provider: z
          .enum(["auto", ...paymentProviderNames])
          .default("auto")
          .describe("Who takes the money; auto: the best one configured for the channel"),
        say: templateSchema.describe(
          "The message with the pay button; {{ order.amount }}, {{ order.url }} and {{ order.title }} are there",
        ),
        button: labelSchema.optional().describe("The pay button's text (default «Оплатить»)"),
        paid: stepIdSchema.describe("Where the flow goes once the money has arrived (runs once per order)"),
        canceled: stepIdSchema
          .optional()
          .describe("Where it goes when the payment is canceled (else it stays, and the next message brings a fresh link)"),
        expired: stepIdSchema.optional().describe("Where it goes when the link expired unpaid (else as canceled)"),
      })
      .describe("A payment in the conversation"),
  })
  .describe("Take a payment: a pay button with a link (YooKassa), the flow moves on when it is paid");

type PayStep = z.infer<typeof schema>;

/** The outcome targets of a pay step, with where they stand. */
function outcomeTargets({ pay }: PayStep): StepTarget[] {
  return (["paid", "canceled", "expired"] as const).flatMap((key) =>
    pay[key] ? [{ target: pay[key] as string, path: ["pay", key] }] : [],
  );
}

/**
 * `pay`: asks for a payment and waits for it. Entering the step sends the pay button; the order
 * behind it is made (or, while it can still be paid, reused) by the store, which asks the
 * provider for the link. The flow moves on when the provider confirms the payment (see
 * `Engine.settlePayment`), not on anything the customer types: a message at this step brings the
 * button again, a fresh link if the old one expired.
 */
export const payStep = defineStepKind({
  ...carriesNothing,
  kind: "pay",
  key: "pay",
  schema,
  targets: outcomeTargets,
  // Telegram sells digital goods for Stars (XTR), and only Stars are priced in XTR.
  check: ({ pay }) =>
    (pay.provider === "stars") === (pay.currency === "XTR")
      ? []
      : [
          {
            path: ["pay", pay.provider === "stars" ? "currency" : "provider"],
            message: "Telegram Stars go together: provider: stars with currency: XTR",
          },
        ],
  templates: ({ pay }) => [
    { source: pay.say, path: ["pay", "say"] },
    ...(typeof pay.amount === "string" ? [{ source: pay.amount, path: ["pay", "amount"] }] : []),
    ...(pay.description ? [{ source: pay.description, path: ["pay", "description"] }] : []),
  ],
  waits: () => true,
  shape: ({ pay }) => ({ shape: "action", label: `💳 ${pay.title}: ${typeof pay.amount === "number" ? pay.amount : "…"} ${pay.currency}` }),
  edgeLabel: (_step, path) => (path[0] === "pay" ? String(path[1]) : undefined),
  enter(step, turn) {
    offerPayment(step, turn);
    return stay;
  },
  waiting: {
    prompt: (step, turn) => offerPayment(step, turn),
    // Nothing typed pays: a question goes to the knowledge base first, anything else brings the
    // button again (the same order while it can be paid, else a fresh one).
    takesReply: () => false,
    reply(step, _reply, turn) {
      offerPayment(step, turn);
      return stay;
    },
  },
});

function offerPayment(step: PayStep, turn: StepTurn): void {
  const { pay } = step;
  const amountText = typeof pay.amount === "number" ? String(pay.amount) : turn.renderValue(pay.amount);
  const button = pay.button ?? turn.text("payButton");
  const withOrder = turn.renderLater(pay.say);
  const unavailable = turn.text("paymentUnavailable");
  const testNotice = turn.text("paymentTestNotice");
  turn.sendWithPayment(
    {
      stepId: step.id,
      visit: turn.conversation.visit,
      title: pay.title,
      description: pay.description ? turn.renderValue(pay.description) : undefined,
      amountText,
      currency: pay.currency,
      provider: pay.provider,
    },
    (order) =>
      order?.url
        ? { text: withNotice(withOrder({ order }), order.test ? testNotice : undefined), buttons: [[{ label: button, url: order.url }]] }
        : { text: unavailable },
  );
}

/** The step's text, and a notice under it when there is one. */
function withNotice(text: string, notice: string | undefined): string {
  return notice ? `${text}\n\n<i>${notice}</i>` : text;
}
