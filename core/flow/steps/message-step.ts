import { z } from "zod";
import type { OutboundButton } from "../../model/outbound-message.ts";
import { labelSchema, linkSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import {
  carriesNothing,
  defineStepKind,
  fallThrough,
  fallThroughTarget,
  type PromptOptions,
  type StepTurn,
  sameLabel,
  shortForm,
  stay,
  withPrefix,
} from "../step-kind.ts";

export const buttonSchema = z.union([
  z.strictObject({ text: labelSchema, goto: stepIdSchema }).describe("Button that moves to a step"),
  z.strictObject({ text: labelSchema, url: linkSchema }).describe("Button that opens a link"),
]);
export type Button = z.infer<typeof buttonSchema>;

const schema = z
  .strictObject({
    ...stepBase,
    say: templateSchema,
    file: z
      .string()
      .min(1)
      .optional()
      .describe("A file sent with the message, as a document (path relative to the flow file); `say` becomes its caption"),
    buttons: z.array(buttonSchema).max(40).optional(),
    goto: stepIdSchema.optional().describe("Next step when the message has no goto buttons (default: the next step in the list)"),
  })
  .describe("Send a message, optionally with buttons");
type MessageStep = z.infer<typeof schema>;

/** A message waits only when it offers buttons that lead somewhere; otherwise the flow reads on. */
const waitsForButton = (step: MessageStep) => (step.buttons ?? []).some((b) => "goto" in b);

function prompt(step: MessageStep, turn: StepTurn, { prefix, repeat }: PromptOptions): void {
  const buttons: OutboundButton[][] | undefined = step.buttons?.map((b, index) =>
    "url" in b ? [{ label: b.text, url: b.url }] : [{ label: b.text, payload: turn.buttonPayload(index) }],
  );
  // A repeated prompt (stale button, invalid answer, after an FAQ answer) does not send the file again.
  const file = step.file && !prefix && !repeat ? turn.file(step.file) : undefined;
  // After an FAQ answer the step comes back in short: its last paragraph and its buttons.
  const text = repeat && !prefix ? shortForm(turn.render(step.say)) : turn.render(step.say);
  turn.send(withPrefix(prefix, text), { ...(buttons ? { buttons } : {}), ...(file ? { file } : {}) });
}

/** `say`: a message, optionally with a file and buttons; waits when a button leads to a step. */
export const messageStep = defineStepKind({
  ...carriesNothing,
  kind: "message",
  key: "say",
  schema,
  targets: (step, next) => [
    ...(step.buttons ?? []).flatMap((b, i) => ("goto" in b ? [{ target: b.goto, path: ["buttons", i, "goto"] }] : [])),
    ...(waitsForButton(step) ? [] : fallThroughTarget(step.goto, "goto", next)),
  ],
  templates: (step) => [{ source: step.say, path: ["say"] }],
  files: (step) => (step.file ? [{ source: step.file, path: ["file"] }] : []),
  waits: waitsForButton,
  shape: (step) => ({ shape: "box", label: `💬 ${step.say}` }),
  edgeLabel: (step, [key, index]) => (key === "buttons" ? step.buttons?.[index as number]?.text : undefined),
  enter(step, turn) {
    prompt(step, turn, {});
    return waitsForButton(step) ? stay : fallThrough(step.goto, turn.nextStepId);
  },
  waiting: {
    prompt,
    takesReply: (step, text) => (step.buttons ?? []).some((b) => sameLabel(b.text, text)),
    reply(step, reply, turn) {
      const buttons = step.buttons ?? [];
      const pressed = "button" in reply ? buttons[reply.button] : buttons.find((b) => sameLabel(b.text, reply.text));
      if (pressed && "goto" in pressed) return { goto: pressed.goto };
      prompt(step, turn, { prefix: turn.text("chooseButton") });
      return stay;
    },
  },
});
