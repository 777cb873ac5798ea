import { assertNever } from "../assert-never.ts";
import type { Flow, Stage, Step } from "./flow-schema.ts";
import { stepTargets } from "./step-graph.ts";

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

function shapeOf(step: Step): string {
  const text = (body: string) => `"${mermaidLabel(`${step.id}: ${body}`)}"`;
  switch (step.kind) {
    case "message":
      return `[${text(`💬 ${step.say}`)}]`;
    case "ask":
      return `[/${text(`❓ ${step.ask.text}`)}/]`;
    case "branch":
      return `{${text("branch")}}`;
    case "set":
      return `[[${text(`set ${Object.keys(step.set).join(", ")}`)}]]`;
    case "tag":
      return `[[${text(`tags ${[...(step.tag.add ?? []).map((t) => `+${t}`), ...(step.tag.remove ?? []).map((t) => `−${t}`)].join(" ")}`)}]]`;
    case "goto":
      return `(${text("goto")})`;
    case "consent":
      return `{{${text(`✅ consent ${step.consent.version}`)}}}`;
    case "magnet":
      return `[[${text(`🎁 ${step.magnet.name}: ${step.magnet.file ? "file" : step.magnet.link ? "link" : `promo ${step.magnet.promo}`}`)}]]`;
    case "end":
      return `([${text(`end${typeof step.end === "string" ? `: ${step.end}` : ""}`)}])`;
    default:
      return assertNever(step);
  }
}

function edgeLabel(step: Step, path: Array<string | number>): string | undefined {
  const [key, index] = path;
  if (key === "buttons" && step.kind === "message") {
    const button = step.buttons?.[index as number];
    return button ? button.text : undefined;
  }
  if (key === "branches" && step.kind === "branch") return step.branches[index as number]?.when;
  // A branch falls through to the next step when no condition holds: that is its else.
  if (key === "else" || (key === undefined && step.kind === "branch")) return "else";
  if (key === "followUps") {
    const followUp = step.followUps?.[index as number];
    return followUp ? `⏰ ${followUp.after}${followUp.unless ? ` unless ${followUp.unless}` : ""}` : undefined;
  }
  if (step.kind === "consent") return key === "declined" ? (step.consent.decline ?? "declined") : (step.consent.accept ?? "accepted");
  return undefined;
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
