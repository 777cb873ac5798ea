import type { z } from "zod";
import type { StepKind } from "./step-kind.ts";
import { askStep } from "./steps/ask-step.ts";
import { branchStep } from "./steps/branch-step.ts";
import { consentStep } from "./steps/consent-step.ts";
import { endStep } from "./steps/end-step.ts";
import { gotoStep } from "./steps/goto-step.ts";
import { handoffStep } from "./steps/handoff-step.ts";
import { magnetStep } from "./steps/magnet-step.ts";
import { messageStep } from "./steps/message-step.ts";
import { payStep } from "./steps/pay-step.ts";
import { reviewStep } from "./steps/review-step.ts";
import { setStep } from "./steps/set-step.ts";
import { surveyStep } from "./steps/survey-step.ts";
import { tagStep } from "./steps/tag-step.ts";

/**
 * The registry of step kinds: the flow schema, loader, checks, chart and engine all read it.
 * A new kind is a module in steps/ and one line here. The order is the order the loader tries
 * their keys in: `say` and `goto` come last, because other kinds may carry them too.
 */
export const stepKinds = {
  ask: askStep,
  consent: consentStep,
  // Before `branch`: a survey has `branches` of its own, and the first kind whose key a step has is its kind.
  survey: surveyStep,
  branch: branchStep,
  set: setStep,
  tag: tagStep,
  end: endStep,
  magnet: magnetStep,
  pay: payStep,
  handoff: handoffStep,
  review: reviewStep,
  message: messageStep,
  goto: gotoStep,
} as const;

export type StepKindName = keyof typeof stepKinds;

/** A validated step of any kind, told apart by `kind`. */
export type Step = { [K in StepKindName]: { kind: K } & z.infer<(typeof stepKinds)[K]["schema"]> }[StepKindName];

/**
 * The module of a step's kind. TypeScript cannot follow that `stepKinds[step.kind]` takes
 * exactly this step, so the one cast of the registry lives here.
 */
export function kindOf(step: Step): StepKind<string, z.ZodType<Step>> {
  return stepKinds[step.kind] as unknown as StepKind<string, z.ZodType<Step>>;
}

/** The kind whose key a raw step carries, in registry order. */
export function kindOfRaw(raw: unknown): StepKindName | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  return (Object.keys(stepKinds) as StepKindName[]).find((name) => stepKinds[name].key in raw);
}
