import { z } from "zod";
import { flowFileSchema } from "./flow-schema.ts";

/**
 * The JSON Schema editors use for autocompletion of flow files (`# yaml-language-server:
 * $schema=../schema/flow.schema.json`), generated from the same zod schemas the loader uses.
 */
export function flowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(flowFileSchema, { target: "draft-7", io: "input", unrepresentable: "any" });
  return { ...schema, $id: "https://orkestr.dev/schema/flow.schema.json", title: "Orkestr flow" };
}
