import { existsSync, readFileSync } from "node:fs";

interface VkParameter {
  name: string;
  type?: string;
  required?: boolean;
}
type VkMethods = Map<string, VkParameter[]>;

const specDir = new URL("../../../shared/specs/vk/", import.meta.url);
/** Sent with every request by vk-io, not listed per method. */
const commonParameters = new Set(["access_token", "v", "lang"]);

/** VK API methods from ../shared/specs/vk (messages, groups), or undefined where absent. */
export function loadVkSpec(): VkMethods | undefined {
  const files = ["messages/methods.json", "groups/methods.json"].map((f) => new URL(f, specDir));
  if (!files.every((f) => existsSync(f))) return undefined;
  const methods: VkMethods = new Map();
  for (const file of files) {
    const spec = JSON.parse(readFileSync(file, "utf8")) as { methods: Array<{ name: string; parameters?: VkParameter[] }> };
    for (const method of spec.methods) methods.set(method.name, method.parameters ?? []);
  }
  return methods;
}

/** Problems of one recorded call: unknown method, unknown or missing parameters, non-integer integers. */
export function vkCallProblems(spec: VkMethods, method: string, params: Record<string, string>): string[] {
  const parameters = spec.get(method);
  if (!parameters) return [`${method}: no such method`];
  const problems: string[] = [];
  for (const p of parameters) if (p.required && params[p.name] === undefined) problems.push(`${method}: missing ${p.name}`);
  for (const [name, value] of Object.entries(params)) {
    if (commonParameters.has(name)) continue;
    const p = parameters.find((q) => q.name === name);
    if (!p) problems.push(`${method}: unknown parameter ${name}`);
    else if (p.type === "integer" && !/^-?\d+$/.test(value)) problems.push(`${method}.${name}: "${value}" is not an integer`);
  }
  return problems;
}
