import type { StepTarget } from "./step-kind.ts";
import { kindOf, type Step } from "./step-kinds.ts";

/**
 * The steps a step can lead to: what its kind says (buttons, branches, its goto or the next
 * step in the list, like lines of a script) plus its follow-ups' gotos.
 */
export function stepTargets(step: Step, next: Step | undefined): StepTarget[] {
  const targets = kindOf(step).targets(step, next?.id ?? null);
  for (const [i, f] of (step.followUps ?? []).entries()) if (f.goto) targets.push({ target: f.goto, path: ["followUps", i, "goto"] });
  return targets;
}

/** Whether entering the step waits for the contact (follow-ups fire only at such steps). */
export function waitsForContact(step: Step): boolean {
  return kindOf(step).waits(step);
}
