import type { OpenedDatabase } from "../core/store-prisma/open-database.ts";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";
import {
  formatSurveyReport,
  type ReportFormat,
  type ReportGrouping,
  type ReviewLinkRow,
  reportFormats,
  reportGroupings,
  type SurveyResponseRow,
  surveyReport,
} from "./survey-report.ts";

export interface ReportSurveysOptions {
  survey?: string | undefined;
  /** A period back from now (30d, 12h, 2w) or an ISO date. */
  since?: string | undefined;
  by?: string | undefined;
  format?: string | undefined;
}

export interface ReportSurveysDependencies {
  /** "Now" for `--since 30d`; a test fixes it. */
  clock?: () => Date;
  /** The app's database by default; a test gives its own. */
  openDatabase?: (out: CliOutput) => Promise<OpenedDatabase | undefined>;
}

const HOUR = 3_600_000;
const PERIOD_UNITS: Record<string, number> = { h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };

/** `30d`, `12h`, `2w` back from `now`, or an ISO date (a bare date is midnight UTC); undefined when it is neither. */
export function sinceDate(text: string, now: Date): Date | undefined {
  const period = /^(\d+)([hdw])$/.exec(text.trim());
  if (period) return new Date(now.getTime() - Number(period[1]) * (PERIOD_UNITS[period[2] ?? ""] ?? 0));
  // Only what looks like an ISO date: Date would also take "30" or "May 5" and guess.
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const date = new Date(text.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * `orkestr report surveys`: response rates, NPS with its confidence interval, CSAT/CES averages,
 * detractors' comments and review-link clicks, per survey and optionally per channel, source or
 * flow. The figures are computed in cli/survey-report.ts; this reads the rows.
 */
export async function reportSurveysCommand(
  options: ReportSurveysOptions,
  out: CliOutput,
  { clock = () => new Date(), openDatabase = openAppDatabase }: ReportSurveysDependencies = {},
): Promise<number> {
  if (options.by !== undefined && !(reportGroupings as readonly string[]).includes(options.by)) {
    out.error(`--by must be one of: ${reportGroupings.join(", ")}`);
    return 1;
  }
  if (options.format !== undefined && !(reportFormats as readonly string[]).includes(options.format)) {
    out.error(`--format must be one of: ${reportFormats.join(", ")}`);
    return 1;
  }
  const since = options.since === undefined ? undefined : sinceDate(options.since, clock());
  if (options.since !== undefined && !since) {
    out.error(`--since "${options.since}" is neither a period (30d, 12h, 2w) nor an ISO date (2026-12-01)`);
    return 1;
  }
  const by = (options.by ?? "all") as ReportGrouping;
  const format = (options.format ?? "text") as ReportFormat;
  const database = await openDatabase(out);
  if (!database) return 1;
  try {
    const { responses, links } = await readSurveyRows(database, options.survey, since);
    if (responses.length === 0) {
      out.log("No survey responses match.");
      return 0;
    }
    if (format === "text") {
      const what = options.survey ? `Survey ${options.survey}` : "Surveys";
      const when = since ? ` sent since ${since.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
      out.log(`${what}${when}${by === "all" ? "" : `, by ${by}`}`);
      out.log("");
    }
    for (const line of formatSurveyReport(surveyReport(responses, links, by), format)) out.log(line);
    return 0;
  } catch (error) {
    out.error(`report failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await database.close();
  }
}

/**
 * The responses sent in the window and the review links made in it. A link is counted in the
 * channel of the contact's latest response to the same survey: the link has no channel of its
 * own, and the survey's channel is where the request was made.
 */
async function readSurveyRows(
  database: OpenedDatabase,
  surveyId: string | undefined,
  since: Date | undefined,
): Promise<{ responses: SurveyResponseRow[]; links: ReviewLinkRow[] }> {
  const found = await database.prisma.surveyResponse.findMany({
    where: { ...(surveyId ? { surveyId } : {}), ...(since ? { sentAt: { gte: since } } : {}) },
    orderBy: { sentAt: "asc" },
    select: {
      surveyId: true,
      scale: true,
      channel: true,
      flowId: true,
      contactId: true,
      score: true,
      scoreGroup: true,
      comment: true,
      answeredAt: true,
      sentAt: true,
      contact: { select: { firstSource: true } },
    },
  });
  const links = await database.prisma.reviewLink.findMany({
    where: { surveyId: surveyId ?? { not: null }, ...(since ? { createdAt: { gte: since } } : {}) },
    select: { surveyId: true, contactId: true, flowId: true, clicks: true, contact: { select: { firstSource: true } } },
  });
  // Sent oldest first, so the latest response of a contact to a survey is set last.
  const channelOf = new Map(found.map((row) => [`${row.contactId} ${row.surveyId}`, row.channel]));
  return {
    responses: found.map((row) => ({
      surveyId: row.surveyId,
      scale: row.scale,
      channel: row.channel,
      flowId: row.flowId,
      source: row.contact.firstSource,
      score: row.score,
      scoreGroup: row.scoreGroup,
      comment: row.comment,
      answeredAt: row.answeredAt,
      sentAt: row.sentAt,
    })),
    links: links.map(({ contact, ...link }) => ({
      ...link,
      surveyId: link.surveyId ?? "",
      channel: channelOf.get(`${link.contactId} ${link.surveyId}`) ?? null,
      source: contact.firstSource,
    })),
  };
}
