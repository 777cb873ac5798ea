// The survey report, computed from plain rows: no database here, so every number can be checked
// against a hand-computed fixture (cli/survey-report.test.ts). cli/report-command.ts reads the rows.

/** One survey put to a contact; answered when `score` is not null. */
export interface SurveyResponseRow {
  surveyId: string;
  /** nps (0–10) | csat (1–5) | ces (1–7) | scale (custom) */
  scale: string;
  channel: string;
  flowId: string;
  /** The deep-link payload the contact first came by; null when they came by none. */
  source: string | null;
  score: number | null;
  scoreGroup: string | null;
  comment: string | null;
  answeredAt: Date | null;
  sentAt: Date;
}

/** One review-site link given to a contact after a survey. */
export interface ReviewLinkRow {
  surveyId: string;
  contactId: string;
  /** The channel of the survey the link followed; null when unknown. */
  channel: string | null;
  flowId: string;
  source: string | null;
  clicks: number;
}

export const reportGroupings = ["channel", "source", "flow"] as const;
export type ReportGrouping = (typeof reportGroupings)[number] | "all";
export const reportFormats = ["text", "csv", "json"] as const;
export type ReportFormat = (typeof reportFormats)[number];

export interface DetractorComment {
  comment: string;
  score: number | null;
  answeredAt: string | null;
}

/** The numbers of one survey within one group. Fields that do not apply to the scale are null. */
export interface SurveyReportRow {
  group: string;
  surveyId: string;
  scale: string;
  sent: number;
  answered: number;
  responseRatePercent: number;
  promoters: number | null;
  passives: number | null;
  detractors: number | null;
  nps: number | null;
  /** Half the width of the 95 % confidence interval of the NPS, in NPS points. */
  npsMargin: number | null;
  npsLow: number | null;
  npsHigh: number | null;
  average: number | null;
  /** Answers per score, e.g. {"1": 0, …, "5": 7}; every score of a known scale is listed. */
  distribution: Record<string, number> | null;
  /** CSAT only: the share of 4s and 5s. */
  satisfiedPercent: number | null;
  reviewRequests: number;
  reviewClickedContacts: number;
  reviewClicks: number;
  /** Newest first, at most ten. */
  detractorComments: DetractorComment[];
}

const NO_SOURCE = "—";
const MAX_DETRACTOR_COMMENTS = 10;
/** The score range of the built-in scales, so scores nobody gave still show as 0 in the distribution. */
const SCALE_RANGES: Record<string, [number, number]> = { nps: [0, 10], csat: [1, 5], ces: [1, 7] };

/** Rounds half away from zero, so −12.85 and 12.85 round alike (Math.round would not). */
const round = (value: number, decimals: number) => {
  const factor = 10 ** decimals;
  return (Math.sign(value) * Math.round(Math.abs(value) * factor + Number.EPSILON)) / factor;
};

function groupOf(by: ReportGrouping, row: { channel: string | null; source: string | null; flowId: string }): string {
  if (by === "channel") return row.channel ?? NO_SOURCE;
  if (by === "source") return row.source ?? NO_SOURCE;
  if (by === "flow") return row.flowId;
  return "all";
}

/** The NPS band of an answer: the stored group when there is one, else the standard bands. */
function npsGroup(row: SurveyResponseRow): string | null {
  if (row.scoreGroup) return row.scoreGroup;
  if (row.score === null) return null;
  return row.score >= 9 ? "promoter" : row.score >= 7 ? "passive" : "detractor";
}

/**
 * NPS = 100·(P − D)/N, with P promoters, D detractors and N answers. Its 95 % confidence interval
 * treats each answer as +1 (promoter), 0 (passive) or −1 (detractor): the NPS is then 100 times the
 * mean of these values, whose variance is (p_P + p_D − (p_P − p_D)²)/N with p_P = P/N, p_D = D/N.
 * The margin is 1.96·√variance·100; the interval, NPS ± margin, is clamped to [−100, 100]. This
 * normal approximation is rough below some 30 answers, which is why the margin is shown at all.
 */
export function npsWithInterval(promoters: number, detractors: number, answered: number) {
  if (answered === 0) return { nps: null, npsMargin: null, npsLow: null, npsHigh: null };
  const pP = promoters / answered;
  const pD = detractors / answered;
  const nps = 100 * (pP - pD);
  const margin = 1.96 * Math.sqrt((pP + pD - (pP - pD) ** 2) / answered) * 100;
  return {
    nps: round(nps, 1),
    npsMargin: round(margin, 1),
    npsLow: round(Math.max(-100, nps - margin), 1),
    npsHigh: round(Math.min(100, nps + margin), 1),
  };
}

function scoreFigures(scale: string, scores: number[]) {
  const range = SCALE_RANGES[scale];
  const distribution: Record<string, number> = {};
  if (range) for (let score = range[0]; score <= range[1]; score++) distribution[score] = 0;
  for (const score of [...scores].sort((a, b) => a - b)) distribution[score] = (distribution[score] ?? 0) + 1;
  const satisfied = scores.filter((score) => score >= 4).length;
  return {
    average: scores.length ? round(scores.reduce((sum, score) => sum + score, 0) / scores.length, 2) : null,
    distribution,
    satisfiedPercent: scale === "csat" && scores.length ? round((100 * satisfied) / scores.length, 1) : null,
  };
}

function latestDetractorComments(rows: SurveyResponseRow[], isNps: boolean): DetractorComment[] {
  const answeredAt = (row: SurveyResponseRow) => (row.answeredAt ?? row.sentAt).getTime();
  return rows
    .filter((row) => row.comment?.trim() && (isNps ? npsGroup(row) : row.scoreGroup) === "detractor")
    .sort((a, b) => answeredAt(b) - answeredAt(a))
    .slice(0, MAX_DETRACTOR_COMMENTS)
    .map((row) => ({ comment: row.comment ?? "", score: row.score, answeredAt: row.answeredAt?.toISOString() ?? null }));
}

function reviewFigures(links: ReviewLinkRow[]) {
  return {
    reviewRequests: new Set(links.map((link) => link.contactId)).size,
    reviewClickedContacts: new Set(links.filter((link) => link.clicks > 0).map((link) => link.contactId)).size,
    reviewClicks: links.reduce((sum, link) => sum + link.clicks, 0),
  };
}

/**
 * One row per group and survey (and scale, should a survey have changed its scale), sorted by
 * group, then survey. Review links count towards the row of their group and survey; links of a
 * survey with no responses in the report have no row to go to and are left out.
 */
export function surveyReport(responses: SurveyResponseRow[], links: ReviewLinkRow[], by: ReportGrouping): SurveyReportRow[] {
  const buckets = new Map<string, { group: string; surveyId: string; scale: string; rows: SurveyResponseRow[] }>();
  for (const row of responses) {
    const group = groupOf(by, row);
    const key = JSON.stringify([group, row.surveyId, row.scale]);
    const bucket = buckets.get(key) ?? { group, surveyId: row.surveyId, scale: row.scale, rows: [] };
    bucket.rows.push(row);
    buckets.set(key, bucket);
  }
  const linksOf = (group: string, surveyId: string) => links.filter((link) => link.surveyId === surveyId && groupOf(by, link) === group);
  return [...buckets.values()]
    .sort((a, b) => compare(a.group, b.group) || compare(a.surveyId, b.surveyId) || compare(a.scale, b.scale))
    .map(({ group, surveyId, scale, rows }) => {
      const answered = rows.filter((row) => row.score !== null);
      const isNps = scale === "nps";
      const band = (name: string) => answered.filter((row) => npsGroup(row) === name).length;
      const npsFigures = isNps
        ? { promoters: band("promoter"), passives: band("passive"), detractors: band("detractor") }
        : { promoters: null, passives: null, detractors: null };
      return {
        group,
        surveyId,
        scale,
        sent: rows.length,
        answered: answered.length,
        responseRatePercent: round((100 * answered.length) / rows.length, 1),
        ...npsFigures,
        ...(isNps
          ? npsWithInterval(npsFigures.promoters ?? 0, npsFigures.detractors ?? 0, answered.length)
          : { nps: null, npsMargin: null, npsLow: null, npsHigh: null }),
        ...(isNps
          ? { average: null, distribution: null, satisfiedPercent: null }
          : scoreFigures(
              scale,
              answered.map((row) => row.score ?? 0),
            )),
        ...reviewFigures(linksOf(group, surveyId)),
        detractorComments: latestDetractorComments(rows, isNps),
      };
    });
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The report as lines to print: a text table, CSV records (RFC 4180), or one JSON document. */
export function formatSurveyReport(rows: SurveyReportRow[], format: ReportFormat): string[] {
  if (format === "json") return [JSON.stringify(rows, null, 2)];
  if (format === "csv") return csvRecords(rows);
  return textTable(rows);
}

const CSV_COLUMNS: [string, (row: SurveyReportRow) => string | number | null][] = [
  ["group", (row) => row.group],
  ["survey", (row) => row.surveyId],
  ["scale", (row) => row.scale],
  ["sent", (row) => row.sent],
  ["answered", (row) => row.answered],
  ["response_rate_percent", (row) => row.responseRatePercent],
  ["promoters", (row) => row.promoters],
  ["passives", (row) => row.passives],
  ["detractors", (row) => row.detractors],
  ["nps", (row) => row.nps],
  ["nps_margin", (row) => row.npsMargin],
  ["nps_low", (row) => row.npsLow],
  ["nps_high", (row) => row.npsHigh],
  ["average", (row) => row.average],
  ["satisfied_percent", (row) => row.satisfiedPercent],
  ["distribution", (row) => distributionText(row.distribution)],
  ["review_requests", (row) => row.reviewRequests],
  ["review_clicked_contacts", (row) => row.reviewClickedContacts],
  ["review_clicks", (row) => row.reviewClicks],
  // One comment per line within the field: spreadsheets show them as lines of one cell.
  ["detractor_comments", (row) => row.detractorComments.map((c) => c.comment).join("\n")],
];

/**
 * RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. Text
 * that a spreadsheet would run as a formula (=, +, -, @ first: a customer wrote it) starts with
 * an apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection); numbers stay as they are.
 */
export function csvField(value: string | number | null): string {
  const raw = value === null ? "" : String(value);
  const text = typeof value === "string" && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRecords(rows: SurveyReportRow[]): string[] {
  return [
    CSV_COLUMNS.map(([name]) => name).join(","),
    ...rows.map((row) => CSV_COLUMNS.map(([, value]) => csvField(value(row))).join(",")),
  ];
}

const distributionText = (distribution: Record<string, number> | null) =>
  distribution
    ? Object.entries(distribution)
        .map(([score, count]) => `${score}:${count}`)
        .join(" ")
    : null;

const dash = (value: number | null, suffix = "") => (value === null ? "—" : `${value.toFixed(1)}${suffix}`);

function textTable(rows: SurveyReportRow[]): string[] {
  const header = ["group", "survey", "scale", "sent", "answered", "rate", "NPS", "95% CI", "P/P/D", "avg", "satisfied", "reviews"];
  const cells = rows.map((row) => [
    row.group,
    row.surveyId,
    row.scale,
    String(row.sent),
    String(row.answered),
    `${row.responseRatePercent.toFixed(1)}%`,
    dash(row.nps),
    row.npsLow === null ? "—" : `±${dash(row.npsMargin)} [${dash(row.npsLow)}, ${dash(row.npsHigh)}]`,
    row.promoters === null ? "—" : `${row.promoters}/${row.passives}/${row.detractors}`,
    row.average === null ? "—" : row.average.toFixed(2),
    dash(row.satisfiedPercent, "%"),
    `${row.reviewRequests}/${row.reviewClickedContacts}/${row.reviewClicks}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)));
  // Words to the left, figures to the right, as in any table of numbers.
  const render = (line: string[]) =>
    line
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  const lines = [render(header), ...cells.map(render)];
  lines.push("", "P/P/D: promoters/passives/detractors; reviews: contacts asked/contacts who clicked/clicks");
  for (const row of rows) {
    const title = `${row.group} · ${row.surveyId}`;
    if (row.distribution) lines.push(`${title} scores: ${distributionText(row.distribution)}`);
    if (row.detractorComments.length) {
      lines.push(`${title}, latest detractor comments:`);
      for (const c of row.detractorComments) {
        const when = c.answeredAt ? `${c.answeredAt.slice(0, 16).replace("T", " ")} ` : "";
        lines.push(`  ${when}(${c.score ?? "—"}) ${c.comment.replace(/\s+/g, " ")}`);
      }
    }
  }
  return lines;
}
