import { z } from "zod";
import { fieldPathSchema, labelSchema, linkSchema, nameSchema, stepBase, stepIdSchema, templateSchema } from "../step-fields.ts";
import { carriesNothing, defineStepKind, fallThrough, fallThroughTarget } from "../step-kind.ts";

const schema = z
  .strictObject({
    ...stepBase,
    magnet: z
      .strictObject({
        name: nameSchema.describe("Name of the lead magnet in lead events and reports"),
        requires: z
          .array(fieldPathSchema)
          .optional()
          .describe("Fields that must be captured first; the flow is checked so that every way here asks for them"),
        say: templateSchema.describe("The message; with a promo code, {{ magnet.code }} inserts it"),
        file: z.string().min(1).optional().describe("A file to send (path relative to the flow file)"),
        link: linkSchema.optional().describe("A link, shown as a button"),
        button: labelSchema.optional().describe("The link button's text (default «Открыть»)"),
        promo: nameSchema.optional().describe("Pool of unique promo codes (load codes with `orkestr promo import`); each contact gets one"),
        fallback: templateSchema.optional().describe("Said instead when the promo pool is empty"),
      })
      .refine((m) => [m.file, m.link, m.promo].filter(Boolean).length === 1, {
        message: "a magnet delivers exactly one of `file`, `link` or `promo`",
      })
      .refine((m) => !m.promo || m.fallback, {
        message: "a promo magnet needs a `fallback` for when the codes run out",
        path: ["fallback"],
      }),
    goto: stepIdSchema.optional(),
  })
  .describe("Deliver a lead magnet (file, link or unique promo code) and record the lead");

/**
 * `magnet`: delivers a lead magnet — a file, a link, or a unique promo code the store issues —
 * and records the lead with its source and stage. Without the required fields nothing is
 * delivered: the flow check makes every way here ask for them, so this only guards against
 * fields cleared meanwhile.
 */
export const magnetStep = defineStepKind({
  ...carriesNothing,
  kind: "magnet",
  key: "magnet",
  schema,
  targets: (step, next) => fallThroughTarget(step.goto, "goto", next),
  templates: (step) => [
    { source: step.magnet.say, path: ["magnet", "say"] },
    ...(step.magnet.fallback ? [{ source: step.magnet.fallback, path: ["magnet", "fallback"] }] : []),
  ],
  files: (step) => (step.magnet.file ? [{ source: step.magnet.file, path: ["magnet", "file"] }] : []),
  waits: () => false,
  shape: ({ magnet }) => ({
    shape: "action",
    label: `🎁 ${magnet.name}: ${magnet.file ? "file" : magnet.link ? "link" : `promo ${magnet.promo}`}`,
  }),
  edgeLabel: () => undefined,
  enter(step, turn) {
    const { magnet } = step;
    const next = fallThrough(step.goto, turn.nextStepId);
    const missing = (magnet.requires ?? []).filter((path) => [undefined, null, ""].includes(turn.read(path) as string));
    if (missing.length > 0) {
      turn.record("flow_error", { stepId: step.id, reason: "magnet_requirements_missing", missing });
      return next;
    }
    const file = magnet.file ? turn.file(magnet.file) : undefined;
    if (magnet.promo) {
      // The code is known only once the store issues it, after this turn: render with today's values then.
      const withCode = turn.renderLater(magnet.say);
      turn.sendWithPromoCode(magnet.promo, (code) => withCode({ magnet: { name: magnet.name, code } }), turn.render(magnet.fallback ?? ""));
    } else {
      const buttons = magnet.link ? [[{ label: magnet.button ?? turn.text("magnetLinkButton"), url: magnet.link }]] : undefined;
      turn.send(turn.render(magnet.say, { magnet: { name: magnet.name } }), { ...(file ? { file } : {}), ...(buttons ? { buttons } : {}) });
    }
    turn.record("lead", {
      magnet: magnet.name,
      kind: file ? "file" : magnet.link ? "link" : "promo",
      stage: turn.conversation.stage,
      first_source: turn.contact.first_source ?? null,
      last_source: turn.contact.last_source ?? null,
    });
    return next;
  },
  waiting: null,
});
