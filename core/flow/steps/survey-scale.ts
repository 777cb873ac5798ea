/** The scales a survey asks on: NPS 0–10, CSAT 1–5, CES 1–7, or the flow's own points. */
export const surveyScales = ["nps", "csat", "ces", "scale"] as const;
export type SurveyScaleName = (typeof surveyScales)[number];

export type ScoreGroup = "promoter" | "passive" | "detractor";

/** The three groups by their plural names, as flows branch on them. */
export const scoreGroupNames = { promoters: "promoter", passives: "passive", detractors: "detractor" } as const;

/** What a scale is: its points, their button labels in rows, and how a score falls into a group. */
export interface SurveyScale {
  min: number;
  max: number;
  /** Button labels, one per point from `min`, in rows that read well on a phone. */
  rows: Array<Array<{ score: number; label: string }>>;
  group(score: number): ScoreGroup;
  /** The score a typed answer names («10!», «9 из 10», «десять», «⭐⭐⭐⭐», a label), or undefined. */
  parse(text: string): number | undefined;
}

/** Number words people type instead of digits (Russian and English), 0–10. */
const numberWords: Record<string, number> = {
  ноль: 0,
  нуль: 0,
  zero: 0,
  один: 1,
  одна: 1,
  единица: 1,
  единичка: 1,
  one: 1,
  два: 2,
  две: 2,
  двойка: 2,
  two: 2,
  три: 3,
  тройка: 3,
  three: 3,
  четыре: 4,
  четверка: 4,
  four: 4,
  пять: 5,
  пятерка: 5,
  five: 5,
  шесть: 6,
  шестерка: 6,
  six: 6,
  семь: 7,
  семерка: 7,
  seven: 7,
  восемь: 8,
  восьмерка: 8,
  eight: 8,
  девять: 9,
  девятка: 9,
  nine: 9,
  десять: 10,
  десятка: 10,
  ten: 10,
};

/**
 * A scale of `kind`; `labels` (the flow's own, e.g. emoji or stars) replace the numbers on the
 * buttons and set the number of points of a custom scale, which counts from 1.
 */
export function surveyScale(kind: SurveyScaleName, labels?: readonly string[]): SurveyScale {
  const [min, max] = kind === "nps" ? [0, 10] : kind === "csat" ? [1, 5] : kind === "ces" ? [1, 7] : [1, labels?.length ?? 5];
  const points = Array.from({ length: max - min + 1 }, (_, i) => ({ score: min + i, label: labels?.[i] ?? String(min + i) }));
  // NPS by its definition (9–10 promoters, 0–6 detractors); other scales: the top two points
  // promote (the top one on a scale of under five), the points below the middle detract (CSAT 1–2, CES 1–3).
  const promoterFrom = kind === "nps" ? 9 : max - min + 1 >= 5 ? max - 1 : max;
  const detractorTo = kind === "nps" ? 6 : min + Math.floor((max - min) / 2) - 1;
  return {
    min,
    max,
    rows: splitRows(points),
    group: (score) => (score >= promoterFrom ? "promoter" : score <= detractorTo ? "detractor" : "passive"),
    parse: (text) => parseScore(text, min, max, points),
  };
}

/** NPS as 0–5 and 6–10; up to six points in one row; seven as four and three. */
function splitRows<T>(points: T[]): T[][] {
  if (points.length <= 6) return [points];
  const first = Math.ceil(points.length / 2);
  return [points.slice(0, first), points.slice(first)];
}

function parseScore(text: string, min: number, max: number, points: Array<{ score: number; label: string }>): number | undefined {
  const typed = text.trim().toLowerCase().replaceAll("ё", "е");
  if (!typed) return undefined;
  const inRange = (n: number | undefined) => (n !== undefined && n >= min && n <= max ? n : undefined);
  const label = points.find((p) => p.label.toLowerCase() === typed);
  if (label) return label.score;
  // Stars typed or pasted: their number is the score.
  const stars = typed.replace(/\s|\uFE0F/g, "");
  if (/^[⭐★]+$/u.test(stars)) return inRange([...stars].length);
  // A decimal is no point of the scale: asked again rather than rounded.
  if (/\d[.,]\d/.test(typed)) return undefined;
  const numbers = [...typed.matchAll(/\d+/g)].map((m) => Number(m[0]));
  // «9 из 10», «9/10», «9 out of 10»: the first number, when the second is the scale's top.
  const outOf = /(\d+)\s*(?:из|\/|out of|of)\s*(\d+)/.exec(typed);
  if (outOf && Number(outOf[2]) === max) return inRange(Number(outOf[1]));
  if (numbers.length === 1) return inRange(numbers[0]);
  if (numbers.length > 1) return undefined;
  const words = typed.split(/[^\p{L}]+/u).filter((w) => w in numberWords);
  return words.length === 1 ? inRange(numberWords[words[0] as string]) : undefined;
}
