import { loadFlowDirectory } from "../app/flow-directory.ts";
import { flowToMermaid } from "../core/flow/flow-graph.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";
import type { Flow } from "../core/flow/flow-schema.ts";
import type { CliOutput } from "./cli-output.ts";

/** `orkestr graph <flow>`: prints the flow as a Mermaid flowchart (paste into docs, GitLab/GitHub, mermaid.live). */
export async function graphCommand(flowRef: string, options: { flows: string }, out: CliOutput): Promise<number> {
  const flow = await resolveFlow(flowRef, options.flows);
  if (typeof flow === "string") {
    out.error(flow);
    return 1;
  }
  out.log(flowToMermaid(flow).trimEnd());
  return 0;
}

/** A flow named by its file path or by its id in the flows folder; a string explains why not. */
export async function resolveFlow(ref: string, flowsDir: string): Promise<Flow | string> {
  if (/\.ya?ml$/.test(ref)) return new FlowLoader().loadFile(ref);
  const flows = await loadFlowDirectory(flowsDir);
  return (
    flows.get(ref) ??
    `no flow "${ref}" in ${flowsDir} (flows: ${flows
      .all()
      .map((f) => f.id)
      .join(", ")})`
  );
}
