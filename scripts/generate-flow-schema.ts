/** `npm run schema`: writes schema/flow.schema.json from the zod flow schemas. */
import { writeFileSync } from "node:fs";
import { flowJsonSchema } from "../core/flow/flow-json-schema.ts";

const target = new URL("../schema/flow.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
