import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { knowledgeBaseJsonSchema } from "../core/faq/knowledge-base-json-schema.ts";
import { flowJsonSchema } from "../core/flow/flow-json-schema.ts";
import { stepKinds } from "../core/flow/step-kinds.ts";
import { transcriptJsonSchema } from "../core/transcript/transcript-json-schema.ts";

describe("schema/*.schema.json", () => {
  it("is up to date with the zod schemas (run `npm run schema` after changing them)", () => {
    const committed = JSON.parse(readFileSync(new URL("../schema/flow.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(flowJsonSchema());
  });

  it("has an up-to-date sibling for transcript files", () => {
    const committed = JSON.parse(readFileSync(new URL("../schema/transcript.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(transcriptJsonSchema());
    expect(JSON.stringify(committed)).toContain('"press"');
    const knowledgeBase = JSON.parse(readFileSync(new URL("../schema/knowledge-base.schema.json", import.meta.url), "utf8"));
    expect(knowledgeBase).toEqual(knowledgeBaseJsonSchema());
  });

  it("describes every step kind and the follow-up fields", () => {
    const text = JSON.stringify(flowJsonSchema());
    for (const kind of Object.values(stepKinds)) expect(text).toContain(`"${kind.key}"`);
    for (const key of ['"followUps"', '"unless"', '"texts"', '"language"']) expect(text).toContain(key);
  });
});
