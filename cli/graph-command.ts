import { loadFlowDirectory } from "../app/flow-directory.ts";
import { FlowCatalog } from "../core/flow/flow-catalog.ts";
import { flowToMermaid } from "../core/flow/flow-graph.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";
import type { Flow } from "../core/flow/flow-schema.ts";
import type { CliOutput } from "./cli-output.ts";

/** `orkestr graph <flow>`: prints the flow as a Mermaid flowchart (paste into docs, GitLab/GitHub, mermaid.live). */
export async function graphCommand(flowRef: string, options: { flows: string }, out: CliOutput): Promise<number> {
  const resolved = await resolveFlow(flowRef, options.flows);
  if (typeof resolved === "string") {
    out.error(resolved);
    return 1;
  }
  out.log(flowToMermaid(resolved.flow).trimEnd());
  return 0;
}

/**
 * A flow named by its file path (alone in its catalog) or by its id in the flows folder (with
 * the folder's other flows and knowledge base); a string explains why not.
 */
export async function resolveFlow(ref: string, flowsDir: string): Promise<{ flow: Flow; flows: FlowCatalog } | string> {
  if (/\.ya?ml$/.test(ref)) {
    const flow = await new FlowLoader().loadFile(ref);
    return { flow, flows: new FlowCatalog([flow]) };
  }
  const flows = await loadFlowDirectory(flowsDir);
  const flow = flows.get(ref);
  if (flow) return { flow, flows };
  return `no flow "${ref}" in ${flowsDir} (flows: ${flows
    .all()
    .map((f) => f.id)
    .join(", ")})`;
}
