import type { FaqEntry } from "./faq-schema.ts";

/** The answers shared by every flow (`<flows>/faq/*.yaml`), with their synonym groups. */
export interface KnowledgeBase {
  entries: FaqEntry[];
  synonyms: string[][];
}

export const emptyKnowledgeBase: KnowledgeBase = { entries: [], synonyms: [] };
