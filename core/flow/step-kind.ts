import type { z } from "zod";
import type { EventData, EventType } from "../events/event-catalog.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { OrderSnapshot, PaymentProviderName } from "../model/order.ts";
import type { FileAttachment, OutboundButton, OutboundMessage } from "../model/outbound-message.ts";
import type { EngineTextKey } from "../texts/engine-texts.ts";

/** What a pay step asks the store for (see core/engine/turn-effect.ts, which the flow model cannot import). */
export interface PaymentRequest {
  stepId: string;
  visit: number;
  title: string;
  description?: string | undefined;
  /** Minor units (kopecks, cents). */
  amount: number;
  currency: string;
  provider: PaymentProviderName | "auto";
}

/** The parts of a SurveyResponse a turn gives: what was asked (`sent`), then the score, the reason, the comment. */
export interface SurveyAnswer {
  part: "sent" | "score" | "reason" | "comment";
  surveyId: string;
  scale: string;
  question: string;
  stepId: string;
  visit: number;
  score?: number;
  group?: "promoter" | "passive" | "detractor";
  choice?: string;
  comment?: string;
}

export type StepPath = Array<string | number>;

/** A step a step can lead to; `path` is where the reference stands in the step ([] for fall-through). */
export interface StepTarget {
  target: string;
  path: StepPath;
}

/** A template, condition or file path written in a step, with where it stands (for load-time checks). */
export interface StepSource {
  source: string;
  path: StepPath;
}

/** A problem a kind's own check found; `onKey` points at the key rather than its value. */
export interface StepProblem {
  path: StepPath;
  onKey?: boolean;
  message: string;
}

/** How the flow chart draws a step: a Mermaid node shape and its label. */
export interface StepShape {
  shape: "box" | "question" | "decision" | "action" | "jump" | "terminal" | "check";
  label: string;
}

/** Where the engine goes after a step: another step, the end of the conversation, or stay and wait for the contact. */
export type StepOutcome = { goto: string } | { end: true } | { wait: true };
export const stay: StepOutcome = { wait: true };
export const endConversation: StepOutcome = { end: true };

/** What the contact did at a waiting step: a press on one of its buttons (by index) or typed text. */
export type StepReply = { button: number } | { text: string };

/**
 * What a step kind may do during a turn, provided by the engine. Kinds record, render and send
 * through it; they never reach the store, the clock or the network.
 */
export interface StepTurn {
  readonly contact: Readonly<ContactView>;
  readonly conversation: ConversationState;
  /** The next step in the file, where a step without `goto` falls through to (null at the end). */
  readonly nextStepId: string | null;
  /** The region phone numbers are read in when they lack a country code. */
  readonly defaultRegion: string;
  /** The engine's own texts for this flow (overrides applied). */
  text(key: EngineTextKey): string;
  render(template: string, extra?: Record<string, unknown>): string;
  /** Renders later with the values of now (for text that waits for an effect's outcome). */
  renderLater(template: string): (extra: Record<string, unknown>) => string;
  /** A value to store: rendered without escaping. */
  renderValue(template: string): string;
  test(condition: string): boolean;
  read(path: string): unknown;
  assign(path: string, value: unknown): void;
  addTag(tag: string): void;
  removeTag(tag: string): void;
  giveConsent(version: string, shownText: string): void;
  file(path: string): FileAttachment | undefined;
  /** The payload of button `index` of this step visit (stale presses are told apart by it). */
  buttonPayload(index: number): string;
  send(text: string, extra?: Omit<OutboundMessage, "text" | "format">): void;
  /** A message whose text needs a unique promo code from `pool`; `fallback` is sent when the pool is empty. */
  sendWithPromoCode(pool: string, compose: (code: string) => string, fallback: string): void;
  /**
   * A message with the order the store makes (or reuses) for this payment; `amountText` is the
   * price in major units as the flow gave it, checked here. `compose` gets undefined when no
   * payment could be prepared.
   */
  sendWithPayment(
    request: Omit<PaymentRequest, "amount"> & { amountText: string },
    compose: (order: OrderSnapshot | undefined) => { text: string; buttons?: OutboundButton[][] },
  ): void;
  record<T extends EventType>(type: T, data: EventData<T>): void;
  /** Asks for support staff to take the conversation; `say` (rendered) replaces the bot's own word to the customer. */
  handOff(request: { reason: string; stepId: string; say?: string | undefined; resume?: string | undefined }): void;
  /** When survey `surveyId` was last put to the contact (in any flow), if that is less than `period` ago. */
  surveyAskedWithin(surveyId: string, period: string): string | undefined;
  /** Notes that the survey is put to the contact now (the `once` caps read it). */
  markSurveyAsked(surveyId: string): void;
  /** Keeps what was asked or answered as the contact's SurveyResponse of this step visit. */
  saveSurveyAnswer(answer: Omit<SurveyAnswer, "stepId" | "visit">): void;
  /** A word to support staff about this customer, in their topic, without handing the conversation over. */
  notifySupport(text: string): void;
  /** Sends `text` with a button per review link (counted through the app's redirect where it has a public URL). */
  requestReview(text: string, links: Array<{ label: string; url: string }>, surveyId: string | undefined): void;
}

/** `prefix` comes first (a retry text); `repeat`: shown again after an FAQ answer, in short (its last paragraph) and without its file. */
export interface PromptOptions {
  prefix?: string | undefined;
  repeat?: boolean;
}

/** How a kind that can wait asks, recognises a reply and takes it. */
export interface StepWaiting<S> {
  /** Sends the step's message or question. */
  prompt(step: S, turn: StepTurn, options: PromptOptions): void;
  /** Whether typed text is a reply this step takes (else it may be a question for the FAQ). */
  takesReply(step: S, text: string, turn: StepTurn): boolean;
  reply(step: S, reply: StepReply, turn: StepTurn): StepOutcome;
}

/**
 * Everything about one step kind, in one module: its schema, what it does, whether and how it
 * waits, where it can lead, what the loader checks and how the chart draws it. Registered once
 * in `step-kinds.ts`, which drives the schema, loader, checks, graph and engine.
 */
export interface StepKind<Kind extends string, Schema extends z.ZodType> {
  kind: Kind;
  /** The YAML key that tells this kind apart (`say`, `ask`, `branches` …). */
  key: string;
  schema: Schema;
  /** Steps this step can lead to, follow-ups aside (added for every kind). */
  targets(step: z.infer<Schema>, nextStepId: string | null): StepTarget[];
  /** Liquid templates it renders, checked at load time. */
  templates(step: z.infer<Schema>): StepSource[];
  /** CEL conditions it tests, checked at load time. */
  conditions(step: z.infer<Schema>): StepSource[];
  /** Files it sends (paths relative to the flow file), resolved at load time. */
  files(step: z.infer<Schema>): StepSource[];
  /** Fields it captures (`contact.phone` …), for "asked on every way here" checks. */
  captures(step: z.infer<Schema>): string[];
  /** Checks of its own, beyond the schema (paths inside the step). */
  check(step: z.infer<Schema>): StepProblem[];
  /** Whether entering it waits for the contact (follow-ups only fire at such steps). */
  waits(step: z.infer<Schema>): boolean;
  shape(step: z.infer<Schema>): StepShape;
  /** A label for an edge of the chart, by the target's path; undefined for none. */
  edgeLabel(step: z.infer<Schema>, path: StepPath): string | undefined;
  /** What it does on entry. */
  enter(step: z.infer<Schema>, turn: StepTurn): StepOutcome;
  /** How it waits; null for kinds that never wait. */
  waiting: StepWaiting<z.infer<Schema>> | null;
}

/** Declares a step kind; the identity function is there for the type check. */
export function defineStepKind<Kind extends string, Schema extends z.ZodType>(kind: StepKind<Kind, Schema>): StepKind<Kind, Schema> {
  return kind;
}

/** Where a step goes when nothing else says so: its explicit goto, or the next step in the file. */
export function fallThrough(explicit: string | undefined, nextStepId: string | null): StepOutcome {
  const next = explicit ?? nextStepId;
  return next ? { goto: next } : endConversation;
}

/** The target a step falls through to, for the chart and the checks (same rule as `fallThrough`). */
export function fallThroughTarget(explicit: string | undefined, key: string, nextStepId: string | null): StepTarget[] {
  if (explicit) return [{ target: explicit, path: [key] }];
  return nextStepId ? [{ target: nextStepId, path: [] }] : [];
}

/** A label typed instead of pressed counts as the press (case and surrounding spaces aside). */
export function sameLabel(label: string, text: string): boolean {
  return label.toLowerCase() === text.trim().toLowerCase();
}

/** A retry or notice put before the step's own text. */
/** A message in short, as it is shown again after an FAQ answer: its last paragraph, where the question is. */
export function shortForm(text: string): string {
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim());
  return paragraphs.at(-1) ?? text;
}

export function withPrefix(prefix: string | undefined, text: string): string {
  return prefix ? `${prefix}\n\n${text}` : text;
}

/**
 * For kinds that carry none of some of these: spread it first and give the parts the kind
 * does have after it, so "nothing to check here" is said once and on purpose.
 */
export const carriesNothing = {
  templates: (): StepSource[] => [],
  conditions: (): StepSource[] => [],
  files: (): StepSource[] => [],
  captures: (): string[] => [],
  check: (): StepProblem[] => [],
};
