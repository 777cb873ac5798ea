import type { PaymentRequest, SurveyAnswer } from "../flow/step-kind.ts";
import type { OrderSnapshot } from "../model/order.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";

/**
 * Work the engine decides on but cannot do itself, because only the store (inside the turn's
 * transaction) or a service knows the outcome: a unique promo code, a link code, and soon a
 * payment link or a support ticket. Each is resolved by a resolver of the store, or by the
 * harness's in-memory one (`effect-resolvers.ts`); the effects that answer the contact bring a
 * `compose` function that turns the outcome into the message, sent at `position` among the
 * turn's other messages.
 */
export type TurnEffect =
  | IssuePromoCode
  | CreateLinkCode
  | CreatePayment
  | OpenHandoff
  | CloseHandoff
  | PostToSupport
  | StopFollowUps
  | AwayNotice
  | SaveSurveyAnswer
  | NotifySupport
  | RequestReview
  | CancelFollowUps
  | EraseContact;

interface EffectBase {
  flowId: string | null;
  /** How many of the turn's messages come before the one this effect composes. */
  position: number;
}

/** A unique code from a pool (one per contact and pool: asking again gives the same one). */
export interface IssuePromoCode extends EffectBase {
  type: "issue_promo_code";
  pool: string;
  /** The message with the code, or the fallback when the pool is empty (`undefined`). */
  compose: (code: string | undefined) => OutboundMessage;
}

/** A one-hour "link my accounts" code for this contact. */
export interface CreateLinkCode extends EffectBase {
  type: "create_link_code";
  compose: (code: string) => OutboundMessage;
}

/**
 * An order for the pay step: the one this step already has while it can still be paid, or a new
 * one with a payment link from the provider. `compose` gets the order, or undefined when no
 * payment could be prepared (the provider is away).
 */
export interface CreatePayment extends EffectBase {
  type: "create_payment";
  request: PaymentRequest;
  compose: (order: OrderSnapshot | undefined) => OutboundMessage;
}

/**
 * Gives the conversation to support staff: the store opens (or reopens) the contact's support
 * thread, stops the bot answering (human mode) and puts the customer's card in the support
 * topic. Only asked for where a support desk takes handoffs (see hand-off.ts).
 */
export interface OpenHandoff extends EffectBase {
  type: "open_handoff";
  reason: string;
  via: "step" | "faq" | "keyword" | "staff";
  stepId?: string | undefined;
  /** Where the flow goes on once staff hand the conversation back. */
  resume?: { flowId: string; stepId: string } | undefined;
  /** The word to the customer; none when staff took the conversation by writing first. */
  compose: () => OutboundMessage | undefined;
}

/** Staff hand the conversation back to the bot: human mode ends, held follow-ups are due again, the topic is closed. */
export interface CloseHandoff extends EffectBase {
  type: "close_handoff";
}

/**
 * Something for the contact's topic in the support group: what the customer wrote while staff
 * have the conversation, the card again, or the bot's word to staff.
 */
export interface PostToSupport extends EffectBase {
  type: "post_to_support";
  /** What the customer wrote, the bot's answer to a staff command, or the card. */
  post: { kind: "customer" | "bot"; message: OutboundMessage } | { kind: "card" };
}

/** Staff asked (/stop_followups): the contact's pending and held follow-ups are cancelled. */
export interface StopFollowUps extends EffectBase {
  type: "stop_follow_ups";
}

/**
 * The customer wrote to staff outside support hours: they are told when support opens, once per
 * closed period (the store knows whether they were told already: a `support_out_of_hours` event
 * with the same opening time).
 */
export interface AwayNotice extends EffectBase {
  type: "away_notice";
  /** When support opens next (ISO). */
  opensAt: string;
  compose: () => OutboundMessage;
}

/**
 * A survey asked or a part of it answered: the store keeps one SurveyResponse per survey put
 * to the contact (by conversation, step and visit), filled in as the answers come.
 */
export interface SaveSurveyAnswer extends EffectBase {
  type: "save_survey_answer";
  answer: SurveyAnswer;
}

/**
 * A word for support staff about this customer (an unhappy survey answer) without handing the
 * conversation over: it goes to the customer's topic, made for it if need be and left closed,
 * with the card. Staff who write there take the conversation.
 */
export interface NotifySupport extends EffectBase {
  type: "notify_support";
  text: string;
}

/**
 * A request to review us, with a button per review site: the store gives each link an id whose
 * /r/<id> counts the click and redirects (the sites' own URLs when the app has no public URL).
 */
export interface RequestReview extends EffectBase {
  type: "request_review";
  surveyId?: string | undefined;
  links: Array<{ label: string; url: string }>;
  compose: (buttons: Array<{ label: string; url: string }>) => OutboundMessage;
}

/** The flow's exit goal was reached: its pending follow-ups are cancelled, but for those in `keep` (service ones). */
export interface CancelFollowUps extends EffectBase {
  type: "cancel_follow_ups";
  keep: Array<{ stepId: string; index: number }>;
}

/**
 * The person asked for their data to be erased and confirmed it: the store erases it once this
 * turn's rows are written (erase-contact.ts), keeping only the channel address this turn's
 * messages go to until they are sent.
 */
export interface EraseContact extends EffectBase {
  type: "erase_contact";
}

export type TurnEffectType = TurnEffect["type"];
export type EffectOfType<T extends TurnEffectType> = Extract<TurnEffect, { type: T }>;

/**
 * How one kind of resolver (store, harness) performs every effect. A mapped type, so a new
 * effect without a resolver is a type error, not a message that silently never leaves.
 */
export type EffectResolvers<Context, Result> = {
  [T in TurnEffectType]: (effect: EffectOfType<T>, context: Context) => Result;
};

/** Performs one effect with the resolver for its type (TypeScript cannot pair them up by itself). */
export function resolveEffect<Context, Result>(resolvers: EffectResolvers<Context, Result>, effect: TurnEffect, context: Context): Result {
  return (resolvers[effect.type] as (effect: TurnEffect, context: Context) => Result)(effect, context);
}

/** The turn's messages in reading order: those known at once, with the effects' messages slotted in at their positions. */
export function messagesInOrder<M>(known: M[], composed: Array<{ position: number; message: M }>): M[] {
  const slots = known.map((message) => [message]);
  const tail: M[] = [];
  for (const { position, message } of composed) {
    // Before the message now at `position`; past the end, after all of them.
    const slot = slots[position];
    if (slot) slot.splice(slot.length - 1, 0, message);
    else tail.push(message);
  }
  return [...slots.flat(), ...tail];
}
