import { z } from "zod";
import { stepBase, templateSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, endConversation } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    end: z.union([z.literal(true), templateSchema]).describe("true, or a last message"),
  })
  .describe("End the conversation");

/** `end`: ends the conversation, optionally with a last message. */
export const endStep = defineStepKind({
  ...carriesNothing,
  kind: "end",
  key: "end",
  schema,
  targets: () => [],
  templates: (step) => (typeof step.end === "string" ? [{ source: step.end, path: ["end"] }] : []),
  waits: () => false,
  shape: (step) => ({ shape: "terminal", label: `end${typeof step.end === "string" ? `: ${step.end}` : ""}` }),
  edgeLabel: () => undefined,
  enter(step, turn) {
    if (typeof step.end === "string") turn.send(turn.render(step.end));
    return endConversation;
  },
  waiting: null,
});
