import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();

/** For engine tests: a harness on one flow `demo` made of these steps (YAML, indented as in a file). */
export function harness(steps: string, header = "", channel: "web" | "vk" = "web"): FlowHarness {
  const flow = loader.parse(`id: demo\ntitle: Demo\n${header}steps:\n${steps}`, "demo.yaml");
  return new FlowHarness(new FlowCatalog([flow]), channel);
}

export const texts = (messages: { text: string }[]) => messages.map((m) => m.text);
