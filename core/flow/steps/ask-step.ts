import type { CountryCode } from "libphonenumber-js";
import { z } from "zod";
import { looksLikeQuestion } from "../../faq/looks-like-question.ts";
import { answerKinds } from "../../model/outbound-message.ts";
import type { EngineTextKey } from "../../texts/engine-texts.ts";
import { fieldPathSchema, labelSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import {
  carriesNothing,
  defineStepKind,
  fallThrough,
  fallThroughTarget,
  type PromptOptions,
  type StepTurn,
  stay,
  withPrefix,
} from "../step-kind.ts";
import { validateAnswer } from "./answer-validator.ts";

const schema = z
  .strictObject({
    ...stepBase,
    ask: z
      .strictObject({
        type: z.enum(answerKinds),
        text: templateSchema.describe("The question"),
        save: fieldPathSchema,
        options: z.array(labelSchema).min(1).max(40).optional().describe("Choices (type: choice)"),
        min: z.number().optional().describe("Smallest number (type: number) or shortest text (type: text)"),
        max: z.number().optional().describe("Largest number (type: number) or longest text (type: text)"),
        retry: templateSchema.optional().describe("Said when the answer is not valid"),
      })
      .refine((a) => a.type !== "choice" || (a.options?.length ?? 0) > 0, {
        message: "a choice question needs `options`",
        path: ["options"],
      }),
    goto: stepIdSchema.optional().describe("Next step after a valid answer (default: the next step in the list)"),
  })
  .describe("Ask a question and save the validated answer");
type AskStep = z.infer<typeof schema>;

const retryTexts: Record<AskStep["ask"]["type"], EngineTextKey> = {
  text: "retryText",
  number: "retryNumber",
  email: "retryEmail",
  phone: "retryPhone",
  choice: "retryChoice",
};

function prompt(step: AskStep, turn: StepTurn, { prefix }: PromptOptions): void {
  const buttons = step.ask.options?.map((label, index) => [{ label, payload: turn.buttonPayload(index) }]);
  turn.send(withPrefix(prefix, turn.render(step.ask.text)), { expects: step.ask.type, ...(buttons ? { buttons } : {}) });
}

/** `ask`: a question whose validated answer is saved to a contact field or variable. */
export const askStep = defineStepKind({
  ...carriesNothing,
  kind: "ask",
  key: "ask",
  schema,
  targets: (step, next) => fallThroughTarget(step.goto, "goto", next),
  templates: (step) => [
    { source: step.ask.text, path: ["ask", "text"] },
    ...(step.ask.retry ? [{ source: step.ask.retry, path: ["ask", "retry"] }] : []),
  ],
  captures: (step) => [step.ask.save],
  check: (step) =>
    step.ask.type !== "choice" && step.ask.options
      ? [{ path: ["ask", "options"], onKey: true, message: "`options` only apply to type: choice" }]
      : [],
  waits: () => true,
  shape: (step) => ({ shape: "question", label: `❓ ${step.ask.text}` }),
  edgeLabel: () => undefined,
  enter(step, turn) {
    prompt(step, turn, {});
    return stay;
  },
  waiting: {
    prompt,
    takesReply(step, text, turn) {
      // A question at a free-text question is a question, not the answer.
      if (step.ask.type === "text" && looksLikeQuestion(text)) return false;
      return validateAnswer(step.ask, text, turn.defaultRegion as CountryCode).ok;
    },
    reply(step, reply, turn) {
      const given = "button" in reply ? (step.ask.options?.[reply.button] ?? "") : reply.text;
      const check = validateAnswer(step.ask, given, turn.defaultRegion as CountryCode);
      if (!check.ok) {
        turn.conversation.attempts += 1;
        turn.record("answer_invalid", { stepId: step.id, attempts: turn.conversation.attempts });
        const retry = step.ask.retry ? turn.render(step.ask.retry) : turn.text(retryTexts[step.ask.type]);
        prompt(step, turn, { prefix: retry });
        return stay;
      }
      turn.conversation.answer = check.value;
      turn.assign(step.ask.save, check.value);
      return fallThrough(step.goto, turn.nextStepId);
    },
  },
});
