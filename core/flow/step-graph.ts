import { assertNever } from "../assert-never.ts";
import type { Step } from "./flow-schema.ts";

export interface StepTarget {
  target: string;
  /** Where the reference stands inside the step (for error positions); [] for fall-through. */
  path: Array<string | number>;
}

/** Whether a message step waits for a button press rather than moving on by itself. */
export function waitsForButton(step: Step): boolean {
  return step.kind === "message" && (step.buttons ?? []).some((b) => "goto" in b);
}

/**
 * The steps a step can lead to. A step without an explicit `goto` falls through to the next
 * step in the list, like lines of a script.
 */
export function stepTargets(step: Step, next: Step | undefined): StepTarget[] {
  const targets: StepTarget[] = [];
  const fallThrough = (explicit: string | undefined, key: string) => {
    if (explicit) targets.push({ target: explicit, path: [key] });
    else if (next) targets.push({ target: next.id, path: [] });
  };
  switch (step.kind) {
    case "message":
      for (const [i, b] of (step.buttons ?? []).entries()) if ("goto" in b) targets.push({ target: b.goto, path: ["buttons", i, "goto"] });
      if (!waitsForButton(step)) fallThrough(step.goto, "goto");
      break;
    case "ask":
    case "set":
    case "tag":
    case "magnet":
      fallThrough(step.goto, "goto");
      break;
    case "consent":
      fallThrough(step.goto, "goto");
      if (step.declined) targets.push({ target: step.declined, path: ["declined"] });
      break;
    case "branch":
      for (const [i, b] of step.branches.entries()) targets.push({ target: b.goto, path: ["branches", i, "goto"] });
      fallThrough(step.else, "else");
      break;
    case "goto":
      targets.push({ target: step.goto, path: ["goto"] });
      break;
    case "end":
      break;
    default:
      assertNever(step);
  }
  for (const [i, f] of (step.followUps ?? []).entries()) if (f.goto) targets.push({ target: f.goto, path: ["followUps", i, "goto"] });
  return targets;
}
