/** `npm run schema`: writes the editor schemas in schema/ from the zod schemas. */
import { writeFileSync } from "node:fs";
import { knowledgeBaseJsonSchema } from "../core/faq/knowledge-base-json-schema.ts";
import { flowJsonSchema } from "../core/flow/flow-json-schema.ts";
import { transcriptJsonSchema } from "../core/transcript/transcript-json-schema.ts";

for (const [name, schema] of [
  ["flow.schema.json", flowJsonSchema()],
  ["transcript.schema.json", transcriptJsonSchema()],
  ["knowledge-base.schema.json", knowledgeBaseJsonSchema()],
] as const) {
  const target = new URL(`../schema/${name}`, import.meta.url);
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${target.pathname}`);
}
