/** The customer-journey stages a step can belong to, in journey order. */
export const stageNames = ["awareness", "evaluation", "deal", "loyalty"] as const;
export type Stage = (typeof stageNames)[number];
