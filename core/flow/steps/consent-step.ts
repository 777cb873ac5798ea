import { z } from "zod";
import { labelSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import {
  carriesNothing,
  defineStepKind,
  endConversation,
  fallThrough,
  fallThroughTarget,
  type PromptOptions,
  type StepTurn,
  sameLabel,
  stay,
  withPrefix,
} from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    consent: z.strictObject({
      version: z.string().min(1).max(40).describe("Version of the consent text; a new version is asked again"),
      text: templateSchema.describe("The consent text (with a link to the privacy policy)"),
      accept: labelSchema.optional().describe("Button that gives consent (default «Согласен»)"),
      decline: labelSchema.optional().describe("Button that declines (default «Не согласен»)"),
    }),
    goto: stepIdSchema.optional().describe("Next step once consent is given (default: the next step in the list)"),
    declined: stepIdSchema.optional().describe("Step when consent is declined (default: the conversation ends)"),
  })
  .describe("Ask for consent to process personal data (152-FZ, GDPR); skipped when this version was already given");
type ConsentStep = z.infer<typeof schema>;

/** The two buttons: give, decline. */
function labels(step: ConsentStep, turn: StepTurn): [string, string] {
  return [step.consent.accept ?? turn.text("consentAccept"), step.consent.decline ?? turn.text("consentDecline")];
}

function prompt(step: ConsentStep, turn: StepTurn, { prefix }: PromptOptions): void {
  const buttons = labels(step, turn).map((label, index) => [{ label, payload: turn.buttonPayload(index) }]);
  turn.send(withPrefix(prefix, turn.render(step.consent.text)), { buttons });
}

/** `consent`: asks for consent to process personal data and records what was shown; skipped when this version was given. */
export const consentStep = defineStepKind({
  ...carriesNothing,
  kind: "consent",
  key: "consent",
  schema,
  targets: (step, next) => [
    ...fallThroughTarget(step.goto, "goto", next),
    ...(step.declined ? [{ target: step.declined, path: ["declined"] }] : []),
  ],
  templates: (step) => [{ source: step.consent.text, path: ["consent", "text"] }],
  waits: () => true,
  shape: (step) => ({ shape: "check", label: `✅ consent ${step.consent.version}` }),
  edgeLabel: (step, [key]) => (key === "declined" ? (step.consent.decline ?? "declined") : (step.consent.accept ?? "accepted")),
  enter(step, turn) {
    // Given before (this version, not withdrawn): nothing to ask.
    if (turn.contact.consent?.version === step.consent.version) return fallThrough(step.goto, turn.nextStepId);
    prompt(step, turn, {});
    return stay;
  },
  waiting: {
    prompt,
    takesReply: (step, text, turn) => labels(step, turn).some((label) => sameLabel(label, text)),
    reply(step, reply, turn) {
      const index = "button" in reply ? reply.button : labels(step, turn).findIndex((label) => sameLabel(label, reply.text));
      if (index === 0) {
        turn.giveConsent(step.consent.version, turn.render(step.consent.text));
        return fallThrough(step.goto, turn.nextStepId);
      }
      if (index === 1) {
        turn.record("consent_declined", { version: step.consent.version });
        if (step.declined) return { goto: step.declined };
        turn.send(turn.text("consentDeclined"));
        return endConversation;
      }
      prompt(step, turn, { prefix: turn.text("chooseButton") });
      return stay;
    },
  },
});
