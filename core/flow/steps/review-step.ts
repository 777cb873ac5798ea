import { z } from "zod";
import { labelSchema, linkSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, fallThrough, fallThroughTarget } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    review: z.strictObject({
      text: templateSchema.describe("The request, for everyone who answered the survey"),
      high: templateSchema.optional().describe("For promoters instead (the latest survey's group)"),
      low: templateSchema.optional().describe("For detractors instead: the same request, in a tone that fits"),
      links: z
        .array(z.strictObject({ text: labelSchema, url: linkSchema }))
        .min(1)
        .max(5)
        .describe("Review sites: Yandex Maps, 2GIS, Google, Otzovik or any URL"),
    }),
    goto: stepIdSchema.optional(),
  })
  .describe("Ask for a public review, with a button per review site; clicks are counted");

/**
 * `review`: a request to review us on the sites given, sent to everyone whatever their score
 * (asking only happy customers — «review gating» — is against Google's review policy); only the
 * words change with the latest survey's group. Each button opens the app's /r/<id>, which counts
 * the click and redirects to the site.
 */
export const reviewStep = defineStepKind({
  ...carriesNothing,
  kind: "review",
  key: "review",
  schema,
  targets: (step, next) => fallThroughTarget(step.goto, "goto", next),
  templates: ({ review }) =>
    (["text", "high", "low"] as const).flatMap((key) => {
      const source = review[key];
      return source ? [{ source, path: ["review", key] }] : [];
    }),
  waits: () => false,
  shape: () => ({ shape: "action", label: "⭐ review request" }),
  edgeLabel: () => undefined,
  enter(step, turn) {
    const { review } = step;
    const survey = (turn.read("vars.survey") ?? {}) as { id?: string; group?: string };
    const text = (survey.group === "promoter" && review.high) || (survey.group === "detractor" && review.low) || review.text;
    const links = review.links.map((link) => ({ label: link.text, url: link.url }));
    turn.requestReview(turn.render(text), links, survey.id);
    turn.record("review_requested", {
      stepId: step.id,
      ...(survey.id ? { surveyId: survey.id } : {}),
      links: links.map((l) => l.label),
    });
    return fallThrough(step.goto, turn.nextStepId);
  },
  waiting: null,
});
