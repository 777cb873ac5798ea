import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { ChannelName } from "../model/channel-name.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { MessageRef } from "../model/inbound-event.ts";
import type { MediaKind, SharedFile } from "../model/shared-file.ts";
import type { EngineTexts } from "../texts/engine-texts.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { StepRunner } from "./step-runner.ts";
import type { OpenHandoff } from "./turn-effect.ts";

/** A staff member as Telegram names them in the support group. */
export interface StaffMember {
  /** Their Telegram user id. */
  id: string;
  name: string;
}

/** What staff wrote in a customer's topic, with the contact as it stands. */
export interface StaffInput {
  contact: ContactView;
  conversations: ConversationState[];
  currentFlowId: string | null;
  /** The customer's channel: where an answer goes. */
  channel: ChannelName;
  staff: StaffMember;
  /** The text, or a file's caption (may be empty then). */
  text: string;
  /** A file staff sent, in the support group: copied to a Telegram customer … */
  copy?: MessageRef | undefined;
  /** … and fetched and uploaded for a customer on another channel that takes its kind. */
  file?: SharedFile | undefined;
  /** Where the latest handoff said the flow goes on once it is handed back. */
  resume?: OpenHandoff["resume"];
  now: Date;
}

/** What a turn from the support side needs that is no staff message (a timer's). */
export type SupportTurnInput = Omit<StaffInput, "staff" | "text" | "copy" | "file">;

/** What a staff turn is built with: its turn, the steps' runner, the flows and the texts. */
export interface StaffTurnParts {
  turn: EngineTurn;
  runner: StepRunner;
  flows: FlowCatalog;
  texts: (flow: Flow | null) => EngineTexts;
}

/** `/close`, `/resume@orkestr_bot step` … : a command, its name and what follows it. */
const commandPattern = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i;
/** Tags as a flow writes them: no spaces, at most 40 characters. */
const tagPattern = /^[\p{L}\p{N}_-]{1,40}$/u;
/** The files a channel other than Telegram can be sent (VK uploads photos, documents and voice messages); the web chat shows none. */
const carriedKinds: Partial<Record<ChannelName, ReadonlySet<MediaKind>>> = { vk: new Set(["photo", "document", "voice"]) };

/**
 * Staff write in the customer's topic: plain text goes to the customer as written (and staff
 * take the conversation if the bot had it); `//` or `/note` stays a note for the team; a command
 * hands the conversation back, shows the card, tags the contact or stops the reminders.
 * Whatever the bot says back to staff goes into the topic.
 */
export function staffReply(parts: StaffTurnParts, input: StaffInput): void {
  const { turn, flows, texts: textsOf } = parts;
  const { staff, text } = input;
  const flowId = input.currentFlowId;
  const texts = textsOf(flowId ? (flows.get(flowId) ?? null) : null);
  const who = { staffId: staff.id, staffName: staff.name };
  const toTopic = (words: string) =>
    turn.effect((position) => ({ type: "post_to_support", flowId, position, post: { kind: "bot", message: turn.plain(words) } }));

  if (text.startsWith("//")) {
    turn.record("staff_note", flowId, { ...who, text: text.slice(2).trim() });
    return;
  }
  const command = input.copy ? null : commandPattern.exec(text);
  if (!command) {
    if (!input.contact.handed_off_at) {
      // Staff wrote first: a person talks with the customer now, so the bot keeps quiet.
      turn.effect((position) => ({ type: "open_handoff", flowId, position, reason: "staff", via: "staff", compose: () => undefined }));
    }
    const { copy, file } = input;
    if (copy && input.channel === "telegram") turn.sendPlain(flowId, text || "[файл]", { copy });
    else if (file && carriedKinds[input.channel]?.has(file.kind)) {
      // Sent as the caption and the file should the file not get through.
      const undelivered = [text, texts.staffFileUndelivered].filter(Boolean).join("\n\n");
      turn.sendPlain(flowId, undelivered, { carry: { file, caption: text } });
    } else if (copy) {
      // A file the customer's channel cannot show: the customer gets the caption, staff are told.
      if (text) turn.sendPlain(flowId, text);
      toTopic(texts.staffFileNotCarried);
    } else turn.sendPlain(flowId, text);
    turn.record("staff_message", flowId, { ...who, text, ...(input.copy ? { file: true } : {}) });
    return;
  }
  const name = (command[1] as string).toLowerCase();
  const argument = command[2]?.trim() || undefined;
  if (name === "note") {
    turn.record("staff_note", flowId, { ...who, text: argument ?? "" });
    return;
  }
  turn.record("staff_command", flowId, { ...who, command: name, ...(argument ? { argument } : {}) });
  switch (name) {
    case "close":
      handBack(parts, input, input.resume, texts);
      toTopic(texts.staffClosed);
      return;
    case "resume": {
      const at = resumeTarget(flows, input, argument);
      if (!at) {
        toTopic(`${texts.staffNoStep} ${argument ?? "—"}\n\n${texts.staffHelp}`);
        return;
      }
      handBack(parts, input, at, texts);
      toTopic(texts.staffClosed);
      return;
    }
    case "info":
      turn.effect((position) => ({ type: "post_to_support", flowId, position, post: { kind: "card" } }));
      return;
    case "tag":
      if (!argument || !tagPattern.test(argument)) {
        toTopic(texts.staffHelp);
        return;
      }
      turn.addTag(argument, flowId);
      toTopic(`${texts.staffTagged} ${argument}`);
      return;
    case "stop_followups":
      turn.effect((position) => ({ type: "stop_follow_ups", flowId, position }));
      toTopic(texts.staffFollowUpsStopped);
      return;
    default:
      toTopic(texts.staffHelp);
  }
}

/**
 * The conversation goes back to the bot: the customer is told, the handoff ends, and the flow
 * goes on at `resume`; without one a conversation resting on its handoff step ends, so the
 * customer simply chats with the bot again.
 */
function handBack({ turn, runner, flows }: StaffTurnParts, input: StaffInput, resume: OpenHandoff["resume"], texts: EngineTexts): void {
  const flowId = resume?.flowId ?? input.currentFlowId;
  turn.record("handoff_ended", flowId, {
    by: "staff",
    staffId: input.staff.id,
    staffName: input.staff.name,
    ...(resume ? { resumeStepId: resume.stepId } : {}),
  });
  turn.effect((position) => ({ type: "close_handoff", flowId, position }));
  turn.say(flowId, texts.handoffEnded);
  const conversation = input.conversations.find((c) => c.flowId === flowId);
  const flow = conversation ? (flows.version(conversation.flowId, conversation.flowVersion) ?? flows.get(conversation.flowId)) : undefined;
  if (!conversation || !flow) return;
  const state = turn.touch(conversation);
  if (resume && flow.steps.some((s) => s.id === resume.stepId)) {
    state.status = "active";
    turn.currentFlowId = flow.id;
    runner.runFrom(flow, state, resume.stepId);
    return;
  }
  endRestingHandoff(turn, flows, { conversations: [state], currentFlowId: flow.id });
}

/**
 * Nobody wrote in a handoff for SUPPORT_AUTO_RETURN_AFTER: the conversation goes back to the
 * bot by itself. The customer is not written to out of the blue (no closing text, no flow step);
 * staff read in the topic why it closed.
 */
export function returnOnTimeout({ turn, flows, texts: textsOf }: StaffTurnParts, input: SupportTurnInput): void {
  const flowId = input.currentFlowId;
  const texts = textsOf(flowId ? (flows.get(flowId) ?? null) : null);
  turn.record("handoff_ended", flowId, { by: "timeout" });
  turn.effect((position) => ({ type: "close_handoff", flowId, position }));
  turn.effect((position) => ({
    type: "post_to_support",
    flowId,
    position,
    post: { kind: "bot", message: turn.plain(texts.staffTimedOut) },
  }));
  endRestingHandoff(turn, flows, input);
}

/** A conversation resting on its handoff step ends: the customer simply chats with the bot again. */
function endRestingHandoff(turn: EngineTurn, flows: FlowCatalog, input: Pick<StaffInput, "conversations" | "currentFlowId">): void {
  const conversation = input.conversations.find((c) => c.flowId === input.currentFlowId);
  const flow = conversation ? (flows.version(conversation.flowId, conversation.flowVersion) ?? flows.get(conversation.flowId)) : undefined;
  if (!conversation || !flow || conversation.status !== "active") return;
  if (flow.steps.find((s) => s.id === conversation.stepId)?.kind !== "handoff") return;
  Object.assign(turn.touch(conversation), { status: "ended", stepId: null });
  turn.record("conversation_ended", flow.id, { reason: "handed_back" });
}

/** `/resume <step>`: a step of the contact's current flow (or of the flow the handoff came from). */
function resumeTarget(flows: FlowCatalog, input: StaffInput, stepId: string | undefined): OpenHandoff["resume"] {
  const flowId = input.currentFlowId ?? input.resume?.flowId;
  if (!stepId || !flowId) return undefined;
  const conversation = input.conversations.find((c) => c.flowId === flowId);
  const flow = conversation ? (flows.version(flowId, conversation.flowVersion) ?? flows.get(flowId)) : flows.get(flowId);
  return flow?.steps.some((s) => s.id === stepId) ? { flowId, stepId } : undefined;
}
