import type { Stage } from "../model/stage.ts";
import type { Flow } from "./flow-schema.ts";
import { stepTargets } from "./step-graph.ts";
import type { StepPath, StepShape } from "./step-kind.ts";
import { kindOf, type Step } from "./step-kinds.ts";

const maxLabel = 48;

/**
 * A Mermaid flowchart (https://mermaid.js.org/syntax/flowchart.html) of a flow: steps as nodes
 * shaped by kind, buttons and branches as labelled edges, follow-ups as dashed edges, stages as
 * subgraphs. `currentStepId` is highlighted (the web chat shows where the preview is).
 */
export function flowToMermaid(flow: Flow, options: { currentStepId?: string | null | undefined } = {}): string {
  const nodeId = new Map(flow.steps.map((step, index) => [step.id, `s${index}`]));
  const lines = ["flowchart TD"];

  // A step without `stage` belongs to the stage declared last above it, as in the conversation.
  let stage: Stage | undefined;
  const byStage = new Map<Stage | undefined, Step[]>();
  for (const step of flow.steps) {
    stage = step.stage ?? stage;
    byStage.set(stage, [...(byStage.get(stage) ?? []), step]);
  }
  for (const [name, steps] of byStage) {
    const indent = name ? "    " : "  ";
    if (name) lines.push(`  subgraph stage_${name}["${name}"]`);
    for (const step of steps) lines.push(`${indent}${nodeId.get(step.id)}${shapeOf(step)}`);
    if (name) lines.push("  end");
  }

  flow.steps.forEach((step, index) => {
    const from = nodeId.get(step.id);
    for (const { target, path } of stepTargets(step, flow.steps[index + 1])) {
      const to = nodeId.get(target);
      const label = edgeLabel(step, path);
      const arrow = path[0] === "followUps" ? "-.->" : "-->";
      lines.push(`  ${from} ${arrow}${label ? `|"${mermaidLabel(label)}"|` : ""} ${to}`);
    }
    for (const followUp of step.followUps ?? []) {
      if (!followUp.goto) lines.push(`  ${from} -.->|"${mermaidLabel(`⏰ ${followUp.after}: ${followUp.say ?? ""}`)}"| ${from}`);
    }
  });

  const current = options.currentStepId ? nodeId.get(options.currentStepId) : undefined;
  if (current) {
    lines.push("  classDef current fill:#ffe08a,stroke:#d48806,stroke-width:3px");
    lines.push(`  class ${current} current`);
  }
  return `${lines.join("\n")}\n`;
}

/** Mermaid's bracket pairs for each shape a kind asks for. */
const mermaidShapes: Record<StepShape["shape"], [string, string]> = {
  box: ["[", "]"],
  question: ["[/", "/]"],
  decision: ["{", "}"],
  action: ["[[", "]]"],
  jump: ["(", ")"],
  check: ["{{", "}}"],
  terminal: ["([", "])"],
};

function shapeOf(step: Step): string {
  const { shape, label } = kindOf(step).shape(step);
  const [open, close] = mermaidShapes[shape];
  return `${open}"${mermaidLabel(`${step.id}: ${label}`)}"${close}`;
}

function edgeLabel(step: Step, path: StepPath): string | undefined {
  if (path[0] === "followUps") {
    const followUp = step.followUps?.[path[1] as number];
    return followUp ? `⏰ ${followUp.after}${followUp.unless ? ` unless ${followUp.unless}` : ""}` : undefined;
  }
  return kindOf(step).edgeLabel(step, path);
}

/** Mermaid labels: one short line, no markup, quotes and angle brackets as entity codes. */
function mermaidLabel(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
  const short = plain.length > maxLabel ? `${plain.slice(0, maxLabel - 1)}…` : plain;
  return short.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\|/g, "#124;");
}
