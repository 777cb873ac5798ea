import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ConditionEvaluator } from "../conditions/condition-evaluator.ts";
import type { FileAttachment } from "../model/outbound-message.ts";
import { TemplateRenderer } from "../template/template-renderer.ts";
import { findFlowProblems } from "./flow-checks.ts";
import { FlowError, type FlowProblem } from "./flow-error.ts";
import { type Flow, flowHeaderSchema } from "./flow-schema.ts";
import { QuietHours } from "./quiet-hours.ts";
import { personalDataFields } from "./step-fields.ts";
import { kindOf, kindOfRaw, type Step, stepKinds } from "./step-kinds.ts";
import { describeIssue, formatPath, positionOf, yamlSyntaxProblem } from "./yaml-position.ts";

type Path = ReadonlyArray<string | number>;

/**
 * Parses and validates one flow file. Every problem is reported with `file:line:column`,
 * all at once, so an author fixes a file in one pass.
 */
export class FlowLoader {
  constructor(
    private readonly templates = new TemplateRenderer(),
    private readonly conditions = new ConditionEvaluator(),
  ) {}

  async loadFile(file: string): Promise<Flow> {
    return this.parse(await readFile(file, "utf8"), file);
  }

  parse(source: string, file: string): Flow {
    const lineCounter = new LineCounter();
    const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const at = (offset: number) => lineCounter.linePos(offset);

    if (doc.errors.length > 0) {
      throw new FlowError([yamlSyntaxProblem(doc.errors, file, at)]);
    }
    const locate = (path: Path, onKey = false) => ({ file, ...positionOf(doc.contents, path, onKey, at) });
    const problems: FlowProblem[] = [];
    const addZodIssues = (issues: z.core.$ZodIssue[], base: Path) => {
      for (const issue of issues) {
        const path = [...base, ...(issue.path as (string | number)[])];
        const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
        const position = unknownKey ? locate([...path, unknownKey], true) : locate(path);
        problems.push({ ...position, message: describeIssue(issue, path) });
      }
    };

    const header = flowHeaderSchema.safeParse(doc.toJS());
    if (!header.success) {
      addZodIssues(header.error.issues, []);
      throw new FlowError(problems);
    }

    const steps: Array<Step | undefined> = header.data.steps.map(() => undefined);
    const knownIds = new Set<string>();
    header.data.steps.forEach((raw, index) => {
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === "string") knownIds.add(id);
      const kind = kindOfRaw(raw);
      if (!kind) {
        const keys = raw && typeof raw === "object" ? Object.keys(raw).filter((k) => k !== "id") : [];
        problems.push({
          ...locate(["steps", index]),
          message: `steps[${index}]: unknown step kind${keys.length ? ` (keys: ${keys.join(", ")})` : ""}; a step needs one of: ${Object.values(
            stepKinds,
          )
            .map((k) => k.key)
            .join(", ")}`,
        });
        return;
      }
      const parsed = stepKinds[kind].schema.safeParse(raw);
      if (parsed.success) steps[index] = { kind, ...parsed.data } as Step;
      else addZodIssues(parsed.error.issues, ["steps", index]);
    });
    const settings = header.data.settings;
    let quietHours: QuietHours | undefined;
    if (settings?.quietHours || settings?.timezone) {
      try {
        const parsed = QuietHours.parse(settings.quietHours ?? "00:00-00:00", settings.timezone ?? "Europe/Moscow");
        if (settings.quietHours) quietHours = parsed;
      } catch (error) {
        problems.push({ ...locate(["settings"]), message: `settings: ${(error as Error).message}` });
      }
    }
    // Whole-flow checks run on the valid steps too, so one pass reports everything.
    // Consent is required by default as soon as the flow asks for phone or email.
    const requiresConsent = settings?.requireConsent ?? steps.some((s) => s?.kind === "ask" && personalDataFields.includes(s.ask.save));
    if (header.data.goal !== undefined) {
      try {
        this.conditions.compile(header.data.goal);
      } catch (error) {
        problems.push({
          ...locate(["goal"]),
          message: `goal: bad condition "${header.data.goal}": ${(error as Error).message.split("\n")[0]}`,
        });
      }
    }
    header.data.triggers?.forEach((trigger, index) => {
      if (!("event" in trigger) || trigger.if === undefined) return;
      try {
        this.conditions.compile(trigger.if);
      } catch (error) {
        problems.push({
          ...locate(["triggers", index, "if"]),
          message: `triggers[${index}].if: bad condition "${trigger.if}": ${(error as Error).message.split("\n")[0]}`,
        });
      }
    });
    for (const problem of findFlowProblems(steps, knownIds, this.templates, this.conditions, { requireConsent: requiresConsent })) {
      problems.push({ ...locate(problem.path, problem.onKey), message: `${formatPath(problem.path)}: ${problem.message}` });
    }
    const files = new Map<string, FileAttachment>();
    steps.forEach((step, index) => {
      for (const { source: path, path: keyPath } of step ? kindOf(step).files(step) : []) {
        if (files.has(path)) continue;
        const attachment = resolveAttachment(path, file);
        if (typeof attachment === "string")
          problems.push({ ...locate(["steps", index, ...keyPath]), message: `${formatPath(["steps", index, ...keyPath])}: ${attachment}` });
        else files.set(path, attachment);
      }
    });
    for (const [from, to] of Object.entries(header.data.migrate?.steps ?? {})) {
      if (!knownIds.has(to))
        problems.push({ ...locate(["migrate", "steps", from]), message: `migrate.steps.${from}: no step "${to}" in this version` });
    }
    if (problems.length > 0) throw new FlowError(problems.sort((a, b) => a.line - b.line || a.col - b.col));

    const version = createHash("sha256").update(source);
    for (const attachment of files.values()) version.update(attachment.sha256);

    return {
      id: header.data.id,
      title: header.data.title,
      isDefault: header.data.default ?? false,
      triggers: header.data.triggers ?? [],
      goal: header.data.goal,
      steps: steps as Step[],
      quietHours,
      ...(settings?.maxMarketingPerDay !== undefined || settings?.maxMarketingPerWeek !== undefined
        ? { marketingCaps: { perDay: settings?.maxMarketingPerDay, perWeek: settings?.maxMarketingPerWeek } }
        : {}),
      requiresConsent,
      faq: header.data.faq ?? [],
      language: header.data.language,
      texts: header.data.texts ?? {},
      migrate: header.data.migrate ? { steps: header.data.migrate.steps ?? {} } : undefined,
      source,
      files,
      version: version.digest("hex").slice(0, 12),
      file,
    };
  }
}

/** Telegram bots may upload documents up to 50 MB (https://core.telegram.org/bots/api#senddocument); VK allows more. */
export const maxAttachmentBytes = 50 * 1024 * 1024;

/** The attachment at `path` (relative to the flow file), or why it cannot be sent. */
function resolveAttachment(path: string, flowFile: string): FileAttachment | string {
  const absolute = resolve(dirname(flowFile), path);
  let size: number;
  try {
    const stat = statSync(absolute);
    if (!stat.isFile()) return `"${path}" is not a file`;
    size = stat.size;
  } catch {
    return `file "${path}" not found (looked at ${absolute})`;
  }
  if (size === 0) return `file "${path}" is empty`;
  if (size > maxAttachmentBytes) return `file "${path}" is ${(size / 1024 / 1024).toFixed(1)} MB; Telegram accepts at most 50 MB`;
  const sha256 = createHash("sha256").update(readFileSync(absolute)).digest("hex");
  return { path: absolute, name: basename(absolute), sha256, size };
}
