import { z } from "zod";
import { stepBase, stepIdSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind } from "../step-kind.ts";

const schema = z.strictObject({ ...stepBase, goto: stepIdSchema }).describe("Jump to another step");

/** `goto` alone: jumps to another step. */
export const gotoStep = defineStepKind({
  ...carriesNothing,
  kind: "goto",
  key: "goto",
  schema,
  targets: (step) => [{ target: step.goto, path: ["goto"] }],
  waits: () => false,
  shape: () => ({ shape: "jump", label: "goto" }),
  edgeLabel: () => undefined,
  enter: (step) => ({ goto: step.goto }),
  waiting: null,
});
