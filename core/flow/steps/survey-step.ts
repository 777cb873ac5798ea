import { z } from "zod";
import { conditionSchema, durationSchema, labelSchema, nameSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import {
  defineStepKind,
  fallThrough,
  fallThroughTarget,
  type PromptOptions,
  type StepOutcome,
  type StepProblem,
  type StepReply,
  type StepTurn,
  sameLabel,
  stay,
  withPrefix,
} from "../step-kind.ts";
import { type ScoreGroup, scoreGroupNames, surveyScale, surveyScales } from "./survey-scale.ts";

const schema = z
  .strictObject({
    ...stepBase,
    survey: z.strictObject({
      id: nameSchema.describe("Survey id: answers to the same survey add up across flows and versions in the report"),
      scale: z.enum(surveyScales).describe("nps (0–10), csat (1–5), ces (1–7) or scale (the points of `labels`)"),
      text: templateSchema.describe("The rating question"),
      labels: z.array(labelSchema).min(2).max(11).optional().describe("Button labels, one per point (emoji, stars); required for scale"),
      reason: z
        .strictObject({ text: templateSchema, options: z.array(labelSchema).min(1).max(10) })
        .optional()
        .describe("A choice asked after the score (what mattered most)"),
      comment: z
        .strictObject({
          text: templateSchema.describe("The comment question"),
          low: templateSchema.optional().describe("Asked of detractors instead"),
          high: templateSchema.optional().describe("Asked of promoters instead"),
          skip: labelSchema.optional().describe("The button that skips the comment (default «Пропустить»)"),
        })
        .optional()
        .describe("A free-text comment asked last"),
      thanks: z
        .union([templateSchema, z.literal(false)])
        .optional()
        .describe("Said once the survey is answered (false: nothing)"),
      retry: templateSchema.optional().describe("Said when a typed answer is no score of the scale"),
      once: durationSchema.optional().describe("Not asked again within this time of the last time, in any flow (e.g. 90d)"),
      notify: z
        .enum(["detractors", "all", "none"])
        .optional()
        .describe("Whose answers are posted to the support group (default detractors; needs SUPPORT_CHAT_ID)"),
    }),
    branches: z
      .array(
        z
          .strictObject({
            group: z.enum(["promoters", "passives", "detractors"]).optional(),
            when: conditionSchema.optional().describe("A condition; `answer` is the score"),
            goto: stepIdSchema,
          })
          .refine((b) => (b.group === undefined) !== (b.when === undefined), { message: "a branch has `group` or `when`" }),
      )
      .optional()
      .describe("Where to go by the score, the first that matches"),
    skipped: stepIdSchema.optional().describe("Step when the survey is not asked (asked within `once`)"),
    goto: stepIdSchema.optional().describe("Next step once answered, when no branch matches (default: the next step)"),
  })
  .describe("A rating survey (NPS, CSAT, CES or your own scale), with an optional reason and comment");
type SurveyStep = z.infer<typeof schema>;

/** Button indexes tell the parts apart: scores from 0, reasons from 100, the comment's skip 200. */
const reasonBase = 100;
const skipIndex = 200;

/** What the contact has answered at this visit, kept in `vars.survey` (templates read it; a later survey replaces it). */
interface SurveyVars {
  id: string;
  score?: number;
  group?: ScoreGroup;
  choice?: string;
  comment?: string;
}

function answered(turn: StepTurn): SurveyVars {
  return (turn.read("vars.survey") ?? {}) as SurveyVars;
}

/** The part the contact is at: the score, then the reason, then the comment. */
function partOf(step: SurveyStep, vars: SurveyVars): "score" | "reason" | "comment" | "done" {
  if (vars.score === undefined) return "score";
  if (step.survey.reason && vars.choice === undefined) return "reason";
  if (step.survey.comment && vars.comment === undefined) return "comment";
  return "done";
}

function scaleOf(step: SurveyStep) {
  return surveyScale(step.survey.scale, step.survey.labels);
}

function prompt(step: SurveyStep, turn: StepTurn, { prefix }: PromptOptions): void {
  const { survey } = step;
  const vars = answered(turn);
  const part = partOf(step, vars);
  if (part === "reason" && survey.reason) {
    const buttons = survey.reason.options.map((label, i) => [{ label, payload: turn.buttonPayload(reasonBase + i) }]);
    turn.send(withPrefix(prefix, turn.render(survey.reason.text)), { buttons });
  } else if (part === "comment" && survey.comment) {
    const { comment } = survey;
    const text = (vars.group === "detractor" && comment.low) || (vars.group === "promoter" && comment.high) || comment.text;
    const skip = [{ label: comment.skip ?? turn.text("surveySkipComment"), payload: turn.buttonPayload(skipIndex) }];
    turn.send(withPrefix(prefix, turn.render(text)), { buttons: [skip] });
  } else {
    const scale = scaleOf(step);
    const buttons = scale.rows.map((row) =>
      row.map((point) => ({ label: point.label, payload: turn.buttonPayload(point.score - scale.min) })),
    );
    turn.send(withPrefix(prefix, turn.render(survey.text)), { buttons });
  }
}

/**
 * `survey`: a rating question with its scale as buttons (a typed number works too: «9 из 10»,
 * «десять»), then optionally a reason to choose and a comment. Each answer is kept in the
 * contact's SurveyResponse and in `vars.survey`; the score is `answer` in conditions and picks
 * the branch (by group or condition). Unhappy answers are posted to the support group.
 */
export const surveyStep = defineStepKind({
  kind: "survey",
  key: "survey",
  schema,
  targets: (step, next) => [
    ...(step.branches ?? []).map((b, i) => ({ target: b.goto, path: ["branches", i, "goto"] })),
    ...(step.skipped ? [{ target: step.skipped, path: ["skipped"] }] : []),
    ...fallThroughTarget(step.goto, "goto", next),
  ],
  templates: ({ survey }) => [
    { source: survey.text, path: ["survey", "text"] },
    ...(survey.reason ? [{ source: survey.reason.text, path: ["survey", "reason", "text"] }] : []),
    ...(["text", "low", "high"] as const).flatMap((key) => {
      const source = survey.comment?.[key];
      return source ? [{ source, path: ["survey", "comment", key] }] : [];
    }),
    ...(survey.thanks ? [{ source: survey.thanks, path: ["survey", "thanks"] }] : []),
    ...(survey.retry ? [{ source: survey.retry, path: ["survey", "retry"] }] : []),
  ],
  conditions: (step) => (step.branches ?? []).flatMap((b, i) => (b.when ? [{ source: b.when, path: ["branches", i, "when"] }] : [])),
  files: () => [],
  captures: () => [],
  check: (step) => checkSurvey(step),
  waits: () => true,
  shape: ({ survey }) => ({ shape: "question", label: `📊 ${survey.scale}: ${survey.id}` }),
  edgeLabel: (step, [key, index]) => {
    if (key === "skipped") return "asked lately";
    if (key !== "branches") return undefined;
    const branch = step.branches?.[index as number];
    return branch?.group ?? branch?.when;
  },
  enter(step, turn) {
    const { survey } = step;
    const lastSentAt = survey.once ? turn.surveyAskedWithin(survey.id, survey.once) : undefined;
    if (lastSentAt) {
      turn.record("survey_skipped", { surveyId: survey.id, stepId: step.id, lastSentAt });
      return fallThrough(step.skipped ?? step.goto, turn.nextStepId);
    }
    turn.assign("vars.survey", { id: survey.id });
    turn.markSurveyAsked(survey.id);
    turn.record("survey_sent", { surveyId: survey.id, stepId: step.id });
    turn.saveSurveyAnswer({ part: "sent", ...facts(step, turn) });
    prompt(step, turn, {});
    return stay;
  },
  waiting: {
    prompt,
    takesReply(step, text, turn) {
      const part = partOf(step, answered(turn));
      if (part === "score") return scaleOf(step).parse(text) !== undefined;
      if (part === "reason") return step.survey.reason?.options.some((label) => sameLabel(label, text)) ?? false;
      return part === "comment";
    },
    reply: (step, reply, turn) => takeReply(step, reply, turn),
  },
});

/** The survey's facts every SurveyResponse part carries. */
function facts(step: SurveyStep, turn: StepTurn) {
  return { surveyId: step.survey.id, scale: step.survey.scale, question: turn.render(step.survey.text) };
}

function takeReply(step: SurveyStep, reply: StepReply, turn: StepTurn): StepOutcome {
  const { survey } = step;
  const vars = answered(turn);
  const part = partOf(step, vars);
  const pressed = "button" in reply ? reply.button : undefined;
  // A score pressed again once it is taken: it stays as it was, and the contact is told so.
  if (part !== "score" && pressed !== undefined && pressed < reasonBase) {
    prompt(step, turn, { prefix: turn.text("surveyAlreadyAnswered") });
    return stay;
  }
  const record = (answer: Omit<SurveyVars, "id">, what: "score" | "reason" | "comment") => {
    Object.assign(vars, answer);
    turn.assign("vars.survey", { ...vars });
    turn.record("survey_answered", { surveyId: survey.id, stepId: step.id, part: what, ...answer });
    turn.saveSurveyAnswer({ part: what, ...facts(step, turn), ...answer });
  };
  if (part === "score") {
    const scale = scaleOf(step);
    const score = pressed !== undefined ? scale.min + pressed : scale.parse("text" in reply ? reply.text : "");
    if (score === undefined || score > scale.max) {
      turn.conversation.attempts += 1;
      turn.record("answer_invalid", { stepId: step.id, attempts: turn.conversation.attempts });
      const retry = survey.retry
        ? turn.render(survey.retry)
        : turn.text("surveyRetry").replace("{min}", String(scale.min)).replace("{max}", String(scale.max));
      prompt(step, turn, { prefix: retry });
      return stay;
    }
    const group = scale.group(score);
    turn.conversation.answer = score;
    record({ score, group }, "score");
    if (notifies(step, group)) turn.notifySupport(`Опрос ${survey.id}: оценка ${score} из ${scale.max} (${groupLabels[group]}).`);
  } else if (part === "reason") {
    const options = survey.reason?.options ?? [];
    const choice =
      pressed !== undefined ? options[pressed - reasonBase] : options.find((o) => sameLabel(o, "text" in reply ? reply.text : ""));
    if (choice === undefined) {
      prompt(step, turn, { prefix: turn.text("chooseButton") });
      return stay;
    }
    record({ choice }, "reason");
  } else if (part === "comment") {
    const comment = pressed === skipIndex ? "" : "text" in reply ? reply.text.trim() : "";
    record({ comment }, "comment");
    if (comment && vars.group && notifies(step, vars.group)) turn.notifySupport(`Комментарий к оценке ${vars.score}: «${comment}»`);
  }
  if (partOf(step, vars) !== "done") {
    prompt(step, turn, {});
    return stay;
  }
  if (survey.thanks !== false) turn.send(survey.thanks ? turn.render(survey.thanks) : turn.text("surveyThanks"));
  const branch = step.branches?.find((b) =>
    b.group ? scoreGroupNames[b.group] === vars.group : b.when !== undefined && turn.test(b.when),
  );
  return branch ? { goto: branch.goto } : fallThrough(step.goto, turn.nextStepId);
}

const groupLabels: Record<ScoreGroup, string> = { promoter: "промоутер", passive: "нейтрал", detractor: "критик" };

function notifies(step: SurveyStep, group: ScoreGroup): boolean {
  const notify = step.survey.notify ?? "detractors";
  return notify === "all" || (notify === "detractors" && group === "detractor");
}

function checkSurvey({ survey, followUps }: SurveyStep): StepProblem[] {
  const problems: StepProblem[] = [];
  if (survey.scale === "scale" && !survey.labels)
    problems.push({ path: ["survey", "scale"], message: "a scale of your own needs `labels`, one per point" });
  if (survey.labels && survey.scale !== "scale") {
    const { min, max } = surveyScale(survey.scale);
    if (survey.labels.length !== max - min + 1)
      problems.push({ path: ["survey", "labels"], message: `${survey.scale} has ${max - min + 1} points: give as many labels` });
  }
  // One reminder for a survey nobody answered is polite; more is pestering.
  if ((followUps?.length ?? 0) > 1)
    problems.push({ path: ["followUps"], onKey: true, message: "a survey has at most one reminder (followUps: one entry)" });
  return problems;
}
