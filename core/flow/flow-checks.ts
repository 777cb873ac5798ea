import parseDuration from "parse-duration";
import type { ConditionEvaluator } from "../conditions/condition-evaluator.ts";
import type { TemplateRenderer } from "../template/template-renderer.ts";
import { personalDataFields } from "./step-fields.ts";
import { stepTargets, waitsForContact } from "./step-graph.ts";
import type { StepPath, StepProblem } from "./step-kind.ts";
import { kindOf, type Step } from "./step-kinds.ts";

/** A problem found in the flow; the path starts at the flow's root (`steps`, index, …). */
export type FlowCheckProblem = StepProblem;

/**
 * Checks that need the whole flow: ids, goto targets, reachability, and that every template,
 * condition and duration can actually be used at run time.
 */
export function findFlowProblems(
  /** Indexed as in the file; a hole is a step that failed validation (already reported). */
  steps: Array<Step | undefined>,
  /** Ids of every step in the file, valid or not, so a goto to a broken step is not reported twice. */
  knownIds: ReadonlySet<string>,
  templates: TemplateRenderer,
  conditions: ConditionEvaluator,
  options: { requireConsent: boolean },
): FlowCheckProblem[] {
  const problems: FlowCheckProblem[] = [];
  const firstIndexById = new Map<string, number>();

  steps.forEach((step, index) => {
    if (!step) return;
    const seen = firstIndexById.get(step.id);
    if (seen === undefined) firstIndexById.set(step.id, index);
    else problems.push({ path: ["steps", index, "id"], message: `duplicate step id "${step.id}" (first used by steps[${seen}])` });
  });

  steps.forEach((step, index) => {
    if (!step) return;
    for (const { target, path } of stepTargets(step, steps[index + 1])) {
      if (!knownIds.has(target)) {
        problems.push({
          path: ["steps", index, ...path],
          message: `goto "${target}": no step has this id${suggest(target, [...knownIds])}`,
        });
      }
    }
    const kind = kindOf(step);
    for (const { source, path } of [...kind.templates(step), ...followUpSources(step, "say")]) {
      try {
        templates.parse(source);
      } catch (error) {
        problems.push({ path: ["steps", index, ...path], message: `bad template: ${firstLine((error as Error).message)}` });
      }
    }
    for (const { source, path } of [...kind.conditions(step), ...followUpSources(step, "unless")]) {
      try {
        conditions.compile(source);
      } catch (error) {
        problems.push({ path: ["steps", index, ...path], message: `bad condition "${source}": ${firstLine((error as Error).message)}` });
      }
    }
    step.followUps?.forEach((followUp, i) => {
      // Anchored on a date, an offset of nothing is the date itself; after entering the step it is a typo.
      for (const key of ["after", "before"] as const) {
        const text = followUp[key];
        if (text === undefined) continue;
        const ms = parseDuration(text);
        if (ms === null || ms === undefined || ms < 0 || (ms === 0 && !followUp.on))
          problems.push({ path: ["steps", index, "followUps", i, key], message: `bad duration "${text}"` });
      }
    });
    for (const problem of kind.check(step)) problems.push({ ...problem, path: ["steps", index, ...problem.path] });
  });

  const allValid = steps.every((step): step is Step => step !== undefined);
  if (allValid) {
    steps.forEach((step, index) => {
      if (step.followUps?.length && !waitsForContact(step)) {
        problems.push({
          path: ["steps", index, "followUps"],
          onKey: true,
          message:
            "follow-ups fire only while the contact waits at a step (a question, or a message with goto buttons); this step moves on at once",
        });
      }
    });
    const loop = loopWithoutWaiting(steps);
    if (loop) {
      const index = steps.findIndex((s) => s.id === loop[0]);
      problems.push({ path: ["steps", index, "id"], message: `steps ${loop.join(" → ")} loop forever without waiting for the contact` });
    }
  }
  if (problems.length === 0 && allValid) {
    const reachable = reachableSteps(steps);
    steps.forEach((step, index) => {
      if (!reachable.has(step.id)) {
        problems.push({
          path: ["steps", index, "id"],
          message: `step "${step.id}" is unreachable: no goto, button, branch or previous step leads to it`,
        });
      }
    });
    steps.forEach((step, index) => {
      if (!options.requireConsent || step.kind !== "ask" || !personalDataFields.includes(step.ask.save)) return;
      const way = wayWithout(steps, step.id, (s) => s.kind === "consent");
      if (way)
        problems.push({
          path: ["steps", index, "ask", "save"],
          message: `${step.ask.save} is personal data: ask for consent first (a consent step) on every way here, e.g. ${way.join(" → ")}`,
        });
    });
    steps.forEach((step, index) => {
      if (step.kind !== "magnet") return;
      for (const [i, field] of (step.magnet.requires ?? []).entries()) {
        const captures = (s: Step) => kindOf(s).captures(s).includes(field);
        const way = wayWithout(steps, step.id, captures);
        if (way)
          problems.push({
            path: ["steps", index, "magnet", "requires", i],
            message: `${field} is not asked for on every way to this magnet, e.g. ${way.join(" → ")}`,
          });
      }
    });
  }
  return problems;
}

/**
 * A way from the first step to `targetId` that passes no step for which `captures` holds
 * (a question saving a field, a consent step …), or undefined when every way passes one.
 */
function wayWithout(steps: Step[], targetId: string, captures: (step: Step) => boolean): string[] | undefined {
  const byId = new Map(steps.map((step, index) => [step.id, index]));
  const cameFrom = new Map<string, string | null>();
  const queue: string[] = [];
  const first = steps[0];
  if (first && !captures(first)) {
    cameFrom.set(first.id, null);
    queue.push(first.id);
  }
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (id === targetId) {
      const way: string[] = [];
      for (let at: string | null | undefined = id; at; at = cameFrom.get(at)) way.unshift(at);
      return way;
    }
    const index = byId.get(id) as number;
    for (const { target } of stepTargets(steps[index] as Step, steps[index + 1])) {
      const next = steps[byId.get(target) as number];
      if (!next || cameFrom.has(target) || captures(next)) continue;
      cameFrom.set(target, id);
      queue.push(target);
    }
  }
  return undefined;
}

/**
 * A cycle of steps that never wait and never branch would run without end; returns its ids.
 * Cycles through a branch may be left when a condition changes, so the engine's per-turn step
 * limit guards those at run time instead.
 */
function loopWithoutWaiting(steps: Step[]): string[] | undefined {
  const byId = new Map(steps.map((step, index) => [step.id, index]));
  const state = new Map<string, "open" | "done">();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === "open") return [...path.slice(path.indexOf(id)), id];
    if (state.get(id) === "done") return undefined;
    const index = byId.get(id);
    const step = index === undefined ? undefined : steps[index];
    if (!step || waitsForContact(step) || step.kind === "branch") return undefined;
    state.set(id, "open");
    for (const { target, path: where } of stepTargets(step, steps[(index as number) + 1])) {
      if (where[0] === "followUps") continue;
      const loop = visit(target, [...path, id]);
      if (loop) return loop;
    }
    state.set(id, "done");
    return undefined;
  };
  for (const step of steps) {
    const loop = visit(step.id, []);
    if (loop) return loop;
  }
  return undefined;
}

function reachableSteps(steps: Step[]): Set<string> {
  const byId = new Map(steps.map((step, index) => [step.id, index]));
  const reachable = new Set<string>();
  const queue = steps[0] ? [steps[0].id] : [];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (reachable.has(id)) continue;
    reachable.add(id);
    const index = byId.get(id) as number;
    for (const { target } of stepTargets(steps[index] as Step, steps[index + 1])) queue.push(target);
  }
  return reachable;
}

/** The templates or conditions written in a step's follow-ups. */
function followUpSources(step: Step, key: "say" | "unless"): Array<{ source: string; path: StepPath }> {
  return (step.followUps ?? []).flatMap((f, i) => (f[key] ? [{ source: f[key] as string, path: ["followUps", i, key] }] : []));
}

function suggest(target: string, ids: string[]): string {
  const close = ids.find((id) => id.includes(target) || target.includes(id));
  return close ? ` (did you mean "${close}"?)` : "";
}

function firstLine(text: string) {
  return text.split("\n")[0] ?? text;
}
