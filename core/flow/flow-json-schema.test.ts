import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { knowledgeBaseJsonSchema } from "../faq/knowledge-base-json-schema.ts";
import { transcriptJsonSchema } from "../transcript/transcript-json-schema.ts";
import { flowJsonSchema } from "./flow-json-schema.ts";

describe("schema/*.schema.json", () => {
  it("is up to date with the zod schemas (run `npm run schema` after changing them)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../schema/flow.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(flowJsonSchema());
  });

  it("has an up-to-date sibling for transcript files", () => {
    const committed = JSON.parse(readFileSync(new URL("../../schema/transcript.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(transcriptJsonSchema());
    expect(JSON.stringify(committed)).toContain('"press"');
    const knowledgeBase = JSON.parse(readFileSync(new URL("../../schema/knowledge-base.schema.json", import.meta.url), "utf8"));
    expect(knowledgeBase).toEqual(knowledgeBaseJsonSchema());
  });

  it("describes every step kind and the follow-up fields", () => {
    const text = JSON.stringify(flowJsonSchema());
    for (const key of ['"say"', '"ask"', '"branches"', '"set"', '"tag"', '"goto"', '"end"', '"followUps"', '"unless"'])
      expect(text).toContain(key);
  });
});
