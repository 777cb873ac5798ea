import { z } from "zod";
import { conditionSchema, stepBase, stepIdSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, fallThrough, fallThroughTarget } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    branches: z.array(z.strictObject({ when: conditionSchema, goto: stepIdSchema })).min(1),
    else: stepIdSchema.optional().describe("Step when no condition holds (default: the next step in the list)"),
  })
  .describe("Go to the first branch whose condition holds");

/** `branches`: goes to the first branch whose condition holds, else on. */
export const branchStep = defineStepKind({
  ...carriesNothing,
  kind: "branch",
  key: "branches",
  schema,
  targets: (step, next) => [
    ...step.branches.map((b, i) => ({ target: b.goto, path: ["branches", i, "goto"] })),
    ...fallThroughTarget(step.else, "else", next),
  ],
  conditions: (step) => step.branches.map((b, i) => ({ source: b.when, path: ["branches", i, "when"] })),
  waits: () => false,
  shape: () => ({ shape: "decision", label: "branch" }),
  // Falling through to the next step when no condition holds is the branch's else.
  edgeLabel: (step, [key, index]) => (key === "branches" ? step.branches[index as number]?.when : "else"),
  enter(step, turn) {
    const taken = step.branches.find((b) => turn.test(b.when));
    return taken ? { goto: taken.goto } : fallThrough(step.else, turn.nextStepId);
  },
  waiting: null,
});
