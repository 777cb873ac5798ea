import { z } from "zod";
import { knowledgeBaseFileSchema } from "./faq-schema.ts";

/** JSON Schema of knowledge-base files (`faq/*.yaml`), for editors' autocompletion. */
export function knowledgeBaseJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(knowledgeBaseFileSchema, { target: "draft-7", io: "input", unrepresentable: "any" });
  return { ...schema, $id: "https://orkestr.dev/schema/knowledge-base.schema.json", title: "Orkestr knowledge base" };
}
