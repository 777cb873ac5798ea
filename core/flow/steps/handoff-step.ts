import { z } from "zod";
import { stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, fallThrough, fallThroughTarget, type StepTurn, stay } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    handoff: z
      .strictObject({
        reason: z.string().min(1).max(100).describe("Why a person is needed, as support staff read it on the customer's card"),
        say: templateSchema.optional().describe("What the customer is told (default: a person will answer here, with the support hours)"),
        resume: stepIdSchema
          .optional()
          .describe("Where the flow goes on once staff hand the conversation back (else the customer simply chats with the bot again)"),
      })
      .describe("Hand the conversation to support staff"),
    goto: stepIdSchema.optional(),
  })
  .describe("Hand the conversation to a person in the support group; the bot keeps quiet until staff hand it back");

type HandoffStep = z.infer<typeof schema>;

/**
 * `handoff`: support staff take the conversation. The store opens the contact's topic in the
 * support group and the bot keeps quiet (human mode) until staff close it; then the flow goes on
 * at `resume`. Without a support desk the request is stored and the customer told it was passed
 * on; what they write next moves the flow on to `resume` (or the next step).
 */
export const handoffStep = defineStepKind({
  ...carriesNothing,
  kind: "handoff",
  key: "handoff",
  schema,
  targets: (step, next) => [
    ...(step.handoff.resume ? [{ target: step.handoff.resume, path: ["handoff", "resume"] }] : []),
    ...fallThroughTarget(step.goto, "goto", next),
  ],
  templates: ({ handoff }) => (handoff.say ? [{ source: handoff.say, path: ["handoff", "say"] }] : []),
  waits: () => true,
  shape: ({ handoff }) => ({ shape: "action", label: `🙋 handoff: ${handoff.reason}` }),
  edgeLabel: (_step, path) => (path[0] === "handoff" ? "after staff" : undefined),
  enter(step, turn) {
    askForPerson(step, turn);
    return stay;
  },
  waiting: {
    prompt: (step, turn) => askForPerson(step, turn),
    takesReply: () => true,
    // Only reached when no person took the conversation (no support desk) or after staff handed it back.
    reply: (step, _reply, turn) => fallThrough(step.handoff.resume ?? step.goto, turn.nextStepId),
  },
});

function askForPerson({ id, handoff }: HandoffStep, turn: StepTurn): void {
  turn.handOff({ reason: handoff.reason, stepId: id, say: handoff.say ? turn.render(handoff.say) : undefined, resume: handoff.resume });
}
