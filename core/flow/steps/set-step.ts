import { z } from "zod";
import { fieldPathSchema, stepBase, stepIdSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, fallThrough, fallThroughTarget } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    set: z
      .record(fieldPathSchema, z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .describe("Values to store; strings are Liquid templates"),
    goto: stepIdSchema.optional(),
  })
  .describe("Set contact fields or variables");

/** `set`: stores values (strings are templates) in contact fields or variables. */
export const setStep = defineStepKind({
  ...carriesNothing,
  kind: "set",
  key: "set",
  schema,
  targets: (step, next) => fallThroughTarget(step.goto, "goto", next),
  templates: (step) =>
    Object.entries(step.set).flatMap(([key, value]) => (typeof value === "string" ? [{ source: value, path: ["set", key] }] : [])),
  captures: (step) => Object.keys(step.set),
  waits: () => false,
  shape: (step) => ({ shape: "action", label: `set ${Object.keys(step.set).join(", ")}` }),
  edgeLabel: () => undefined,
  enter(step, turn) {
    for (const [path, value] of Object.entries(step.set)) turn.assign(path, typeof value === "string" ? turn.renderValue(value) : value);
    return fallThrough(step.goto, turn.nextStepId);
  },
  waiting: null,
});
