import { z } from "zod";
import { transcriptFileSchema } from "./transcript-schema.ts";

/** JSON Schema for editors' autocompletion of transcript files, from the zod schema the loader uses. */
export function transcriptJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(transcriptFileSchema, { target: "draft-7", io: "input", unrepresentable: "any" });
  return { ...schema, $id: "https://orkestr.dev/schema/transcript.schema.json", title: "Orkestr transcript tests" };
}
