import { z } from "zod";

/** One knowledge-base entry: the ways people ask, and the answer. */
export const faqEntrySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .max(40)
    .describe("Stable id (labelled questions and reports refer to it)"),
  questions: z.array(z.string().min(1)).min(1).describe("The question and its paraphrases; the first is shown in «did you mean» buttons"),
  // A plain string schema here (not flow-schema's templateSchema): flow-schema imports this file.
  answer: z.string().min(1).describe("The answer (Liquid template, simple HTML)"),
  buttons: z
    .array(z.strictObject({ text: z.string().min(1).max(40), url: z.url({ protocol: /^https?$/ }) }))
    .max(3)
    .optional()
    .describe("Link buttons under the answer"),
});

/** Words that mean the same here, e.g. [цена, стоимость, прайс]: any of them matches the others. */
export const synonymsSchema = z.array(z.array(z.string().min(1)).min(2)).describe("Groups of words that mean the same");

/** A knowledge-base file (`<flows>/faq/*.yaml`): answers available in every flow. */
export const knowledgeBaseFileSchema = z.strictObject({
  $schema: z.string().optional(),
  synonyms: synonymsSchema.optional(),
  entries: z.array(faqEntrySchema).min(1),
});

export type FaqEntry = z.infer<typeof faqEntrySchema>;
export type KnowledgeBaseFile = z.infer<typeof knowledgeBaseFileSchema>;
