import { z } from "zod";
import { stepBase, stepIdSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, fallThrough, fallThroughTarget } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    tag: z.strictObject({
      add: z.array(z.string().min(1)).optional(),
      remove: z.array(z.string().min(1)).optional(),
    }),
    goto: stepIdSchema.optional(),
  })
  .describe("Add or remove contact tags");

/** `tag`: adds and removes contact tags. */
export const tagStep = defineStepKind({
  ...carriesNothing,
  kind: "tag",
  key: "tag",
  schema,
  targets: (step, next) => fallThroughTarget(step.goto, "goto", next),
  waits: () => false,
  shape: (step) => ({
    shape: "action",
    label: `tags ${[...(step.tag.add ?? []).map((t) => `+${t}`), ...(step.tag.remove ?? []).map((t) => `−${t}`)].join(" ")}`,
  }),
  edgeLabel: () => undefined,
  enter(step, turn) {
    for (const tag of step.tag.add ?? []) turn.addTag(tag);
    for (const tag of step.tag.remove ?? []) turn.removeTag(tag);
    return fallThrough(step.goto, turn.nextStepId);
  },
  waiting: null,
});
