import { describe, expect, it } from "vitest";
import { csvField, formatSurveyReport, type ReviewLinkRow, type SurveyResponseRow, surveyReport } from "./survey-report.ts";

const day = (n: number) => new Date(Date.UTC(2026, 11, 1) + n * 86_400_000);

function response(overrides: Partial<SurveyResponseRow>): SurveyResponseRow {
  return {
    surveyId: "after-call",
    scale: "nps",
    channel: "telegram",
    flowId: "sales",
    source: null,
    score: null,
    scoreGroup: null,
    comment: null,
    answeredAt: null,
    sentAt: day(0),
    ...overrides,
  };
}

const band = (score: number) => (score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor");

/** `count` rows on one channel, scores cycling through `scores` (null: asked, not answered). */
function rows(count: number, channel: string, scores: (number | null)[]): SurveyResponseRow[] {
  return Array.from({ length: count }, (_, i) => {
    const score = scores[i % scores.length] ?? null;
    return response({
      channel,
      source: i % 2 ? "ads" : null,
      score,
      scoreGroup: score === null ? null : band(score),
      answeredAt: score === null ? null : day(1),
    });
  });
}

/**
 * Exactly 200 NPS surveys sent, 160 answered: 80 promoters, 40 passives, 40 detractors, 40 silent.
 * telegram: 60 promoters (9/10), 20 passives (7/8), 10 detractors (0–6), 10 unanswered = 100 sent
 * vk:       20 promoters,        20 passives,       30 detractors,        30 unanswered = 100 sent
 */
const npsFixture: SurveyResponseRow[] = [
  ...rows(60, "telegram", [9, 10]),
  ...rows(20, "telegram", [7, 8]),
  ...rows(10, "telegram", [0, 3, 6]),
  ...rows(10, "telegram", [null]),
  ...rows(20, "vk", [9, 10]),
  ...rows(20, "vk", [7, 8]),
  ...rows(30, "vk", [0, 1, 2, 3, 4, 5, 6]),
  ...rows(30, "vk", [null]),
];

describe("surveyReport: NPS", () => {
  it("the fixture is what it says", () => {
    expect(npsFixture).toHaveLength(200);
    expect(npsFixture.filter((row) => row.score !== null)).toHaveLength(160);
  });

  it("all answers together: NPS 25.0 ± 12.8, [12.2, 37.8], 80 % answered", () => {
    // N = 160 answers, P = 80, D = 40: p_P = 0.5, p_D = 0.25
    // NPS = 100·(0.5 − 0.25) = 25.0; response rate = 160/200 = 80 %
    // var = (p_P + p_D − (p_P − p_D)²)/N = (0.75 − 0.0625)/160 = 0.004296875
    // sd = √0.004296875 = 0.0655505…; margin = 1.96 · 0.0655505 · 100 = 12.8479… → 12.8
    // interval = 25 ∓ 12.8479 = [12.152…, 37.847…] → [12.2, 37.8]
    const [all, ...others] = surveyReport(npsFixture, [], "all");
    expect(others).toEqual([]);
    expect(all).toMatchObject({
      group: "all",
      surveyId: "after-call",
      scale: "nps",
      sent: 200,
      answered: 160,
      responseRatePercent: 80,
      promoters: 80,
      passives: 40,
      detractors: 40,
      nps: 25,
      npsMargin: 12.8,
      npsLow: 12.2,
      npsHigh: 37.8,
      average: null,
      distribution: null,
    });
  });

  it("per channel", () => {
    // telegram: N = 90, P = 60, D = 10: p_P = 2/3, p_D = 1/9; NPS = 100·(5/9) = 55.555… → 55.6
    //   var = (7/9 − 25/81)/90 = (38/81)/90 = 0.0052126…; sd = 0.0721985; margin = 14.1509 → 14.2
    //   interval = [41.40…, 69.70…] → [41.4, 69.7]; rate = 90/100
    // vk: N = 70, P = 20, D = 30: p_P = 2/7, p_D = 3/7; NPS = −100/7 = −14.2857… → −14.3
    //   var = (5/7 − 1/49)/70 = (34/49)/70 = 0.0099125…; sd = 0.0995617; margin = 19.5141 → 19.5
    //   interval = [−33.79…, 5.228…] → [−33.8, 5.2]; rate = 70/100
    const [telegram, vk, ...others] = surveyReport(npsFixture, [], "channel");
    expect(others).toEqual([]);
    expect(telegram).toMatchObject({ group: "telegram", sent: 100, answered: 90, responseRatePercent: 90 });
    expect(telegram).toMatchObject({
      promoters: 60,
      passives: 20,
      detractors: 10,
      nps: 55.6,
      npsMargin: 14.2,
      npsLow: 41.4,
      npsHigh: 69.7,
    });
    expect(vk).toMatchObject({ group: "vk", sent: 100, answered: 70, responseRatePercent: 70 });
    expect(vk).toMatchObject({ promoters: 20, passives: 20, detractors: 30, nps: -14.3, npsMargin: 19.5, npsLow: -33.8, npsHigh: 5.2 });
  });

  it("the interval never leaves [−100, 100]; no answers, no NPS", () => {
    // 4 promoters, 1 detractor of 5: NPS 60, margin 1.96·√((1 − 0.36)/5)·100 = 70.1 → [−10.1, 100]
    const few = surveyReport([...rows(4, "web", [10]), ...rows(1, "web", [2])], [], "all")[0];
    expect(few).toMatchObject({ nps: 60, npsMargin: 70.1, npsLow: -10.1, npsHigh: 100 });
    const silent = surveyReport(rows(3, "web", [null]), [], "all")[0];
    expect(silent).toMatchObject({ sent: 3, answered: 0, responseRatePercent: 0, nps: null, npsMargin: null, promoters: 0 });
  });

  it("by source: a contact who came by no deep link is «—»", () => {
    const groups = surveyReport(npsFixture, [], "source").map((row) => [row.group, row.sent]);
    expect(groups).toEqual([
      ["ads", 100],
      ["—", 100],
    ]);
  });

  it("the latest ten detractor comments, newest first", () => {
    const commented = Array.from({ length: 12 }, (_, i) =>
      response({ score: 3, scoreGroup: "detractor", comment: `too slow #${i}`, answeredAt: day(i) }),
    );
    const praise = response({ score: 10, scoreGroup: "promoter", comment: "great", answeredAt: day(20) });
    const [row] = surveyReport([...commented, praise], [], "all");
    expect(row?.detractorComments.map((c) => c.comment)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map((i) => `too slow #${i}`));
    expect(row?.detractorComments[0]).toEqual({ comment: "too slow #11", score: 3, answeredAt: "2026-12-12T00:00:00.000Z" });
  });
});

describe("surveyReport: CSAT and review links", () => {
  // Scores 5, 5, 4, 2 and one unanswered: average 16/4 = 4.00, satisfied 3/4 = 75 %, rate 4/5 = 80 %.
  const csat = [5, 5, 4, 2, null].map((score) =>
    response({ surveyId: "delivery", scale: "csat", channel: "web", score, answeredAt: score ? day(1) : null }),
  );

  it("average, distribution of every score 1–5 and the share of 4s and 5s", () => {
    const [row] = surveyReport(csat, [], "all");
    expect(row).toMatchObject({ sent: 5, answered: 4, responseRatePercent: 80, average: 4, satisfiedPercent: 75, nps: null });
    expect(row?.distribution).toEqual({ 1: 0, 2: 1, 3: 0, 4: 1, 5: 2 });
  });

  it("review links: distinct contacts asked and clicking, all clicks, in the row of their survey and group", () => {
    const link = (contactId: string, clicks: number, channel = "web"): ReviewLinkRow => ({
      surveyId: "delivery",
      contactId,
      channel,
      flowId: "sales",
      source: null,
      clicks,
    });
    const links = [link("a", 3), link("a", 1), link("b", 0), link("c", 2, "vk"), { ...link("d", 5), surveyId: "other" }];
    const [row] = surveyReport(csat, links, "channel");
    expect(row).toMatchObject({ group: "web", reviewRequests: 2, reviewClickedContacts: 1, reviewClicks: 4 });
  });
});

describe("formatSurveyReport", () => {
  const tricky = 'Long wait, then "sorry"';
  const report = surveyReport(
    [...rows(3, "vk", [10]), response({ channel: "vk", score: 1, scoreGroup: "detractor", comment: tricky, answeredAt: day(2) })],
    [],
    "channel",
  );

  it("CSV: a header, one record per group and survey, RFC 4180 quoting", () => {
    expect(csvField('a,b "c"')).toBe('"a,b ""c"""');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("plain")).toBe("plain");
    expect(csvField(12.5)).toBe("12.5");
    expect(csvField(null)).toBe("");
    // What a customer wrote is never run as a formula; a negative number is still a number.
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("-плохо")).toBe("'-плохо");
    expect(csvField(-14.3)).toBe("-14.3");
    const [header, record, ...more] = formatSurveyReport(report, "csv");
    expect(more).toEqual([]);
    expect(header?.split(",").slice(0, 6)).toEqual(["group", "survey", "scale", "sent", "answered", "response_rate_percent"]);
    // 3 promoters, 1 detractor of 4: NPS 50, margin 1.96·√((1 − 0.25)/4)·100 = 84.9 → [−34.9, 100]
    expect(record).toBe(`vk,after-call,nps,4,4,100,3,0,1,50,84.9,-34.9,100,,,,0,0,0,"Long wait, then ""sorry"""`);
  });

  it("JSON parses to the rows, numbers as numbers", () => {
    const [json, ...more] = formatSurveyReport(report, "json");
    expect(more).toEqual([]);
    const parsed = JSON.parse(json ?? "");
    expect(parsed).toEqual(report);
    expect(parsed[0]).toMatchObject({ group: "vk", nps: 50, npsMargin: 84.9, sent: 4 });
    expect(parsed[0].detractorComments[0].comment).toBe(tricky);
  });

  it("text: a table with a header and the comments below", () => {
    const lines = formatSurveyReport(report, "text");
    expect(lines[0]).toMatch(/^group\s+survey\s+scale\s+sent\s+answered\s+rate\s+NPS\s+95% CI/);
    expect(lines[1]).toMatch(/^vk\s+after-call\s+nps\s+4\s+4\s+100\.0%\s+50\.0\s+±84\.9 \[-34\.9, 100\.0\]\s+3\/0\/1/);
    expect(lines).toContain(`  2026-12-03 00:00 (1) ${tricky}`);
  });
});
