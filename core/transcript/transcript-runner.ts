import { FlowHarness } from "../engine/flow-harness.ts";
import type { FlowCatalog } from "../flow/flow-catalog.ts";
import { builtinContactFields, contactFieldValue } from "../model/contact-view.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { htmlToPlainText } from "../template/html-to-plain-text.ts";
import type { LoadedTranscripts } from "./transcript-loader.ts";
import type { Turn } from "./transcript-schema.ts";

export interface TranscriptFailure {
  line: number;
  /** 1-based, as a marketer counts turns. */
  turn: number;
  message: string;
  expected?: string;
  actual?: string;
}

export interface TranscriptResult {
  name: string;
  /** Unset when the transcript passed. */
  failure?: TranscriptFailure;
}

class TurnFailed extends Error {
  constructor(
    message: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message);
  }
}

/**
 * Replays every transcript of a file on the engine with a virtual clock (no database, no
 * timers) and reports the first failing turn of each. After each action of the person, `bot`
 * expectations match the replies in order; replies nobody expects are allowed (`silent` checks).
 */
export function runTranscripts(loaded: LoadedTranscripts, flows: FlowCatalog): TranscriptResult[] {
  const { content } = loaded;
  const flow = flows.get(content.flow);
  return content.transcripts.map((transcript, index) => {
    if (!flow) {
      const known = flows.all().map((f) => f.id);
      return { name: transcript.name, failure: { line: 1, turn: 0, message: `no flow "${content.flow}" (flows: ${known.join(", ")})` } };
    }
    const at = transcript.at ?? content.at;
    const harness = new FlowHarness(flows, content.channel ?? "web", at ? new Date(at) : undefined);
    for (const [name, value] of Object.entries({ ...content.contact, ...transcript.contact })) {
      if ((builtinContactFields as readonly string[]).includes(name)) Object.assign(harness.contact, { [name]: value });
      else harness.contact.fields[name] = value;
    }
    const replay = new Replay(harness, flow.id);
    for (const [turnIndex, turn] of transcript.turns.entries()) {
      try {
        replay.play(turn);
      } catch (error) {
        if (!(error instanceof TurnFailed)) throw error;
        const failure: TranscriptFailure = {
          line: loaded.lineOf(index, turnIndex),
          turn: turnIndex + 1,
          message: error.message,
          ...(error.expected !== undefined ? { expected: error.expected } : {}),
          ...(error.actual !== undefined ? { actual: error.actual } : {}),
        };
        return { name: transcript.name, failure };
      }
    }
    return { name: transcript.name };
  });
}

/** One transcript in progress: the engine, what the bot said, and which replies were matched. */
class Replay {
  private readonly said: OutboundMessage[] = [];
  private next = 0;

  constructor(
    private readonly harness: FlowHarness,
    private readonly flowId: string,
  ) {}

  play(turn: Turn): void {
    if ("start" in turn) this.act(turn.start === true ? { type: "start", flowId: this.flowId } : { type: "start", payload: turn.start });
    else if ("say" in turn) this.act({ type: "text", text: turn.say });
    else if ("press" in turn) this.press(turn.press);
    else if ("wait" in turn) this.receive(this.harness.advance(turn.wait));
    else if ("pay" in turn) this.receive(this.harness.settlePayment(turn.pay));
    else if ("bot" in turn) this.expectMessage(turn);
    else if ("silent" in turn) this.expectSilence();
    else this.expectState(turn.expect);
  }

  private act(event: Parameters<FlowHarness["send"]>[0]): void {
    this.receive(this.harness.send(event));
  }

  /** New replies; ones left unmatched from before are skipped. */
  private receive(messages: OutboundMessage[]): void {
    this.next = this.said.length;
    this.said.push(...messages);
  }

  private press(label: string): void {
    const latest = this.said.findLast((m) => m.buttons?.flat().some((b) => b.label === label));
    const button = latest?.buttons?.flat().find((b) => b.label === label);
    if (!button) {
      const offered = this.said
        .findLast((m) => m.buttons?.length)
        ?.buttons?.flat()
        .map((b) => b.label);
      throw new TurnFailed(`no button "${label}" to press`, undefined, offered ? `buttons: ${offered.join(" | ")}` : "no buttons shown");
    }
    if (!button.payload) throw new TurnFailed(`"${label}" is a link button (${button.url}); it cannot be pressed in a transcript`);
    this.act({ type: "button", payload: button.payload, label });
  }

  private expectMessage(turn: { bot: string; buttons?: string[] | undefined; file?: string | undefined }): void {
    const message = this.said[this.next];
    const wanted = describeText(turn.bot);
    if (!message) {
      const last = this.said.at(-1);
      throw new TurnFailed("the bot said nothing more", wanted, last ? `last message: ${quote(visible(last))}` : "no messages at all");
    }
    this.next++;
    const text = visible(message);
    if (!matches(text, turn.bot)) throw new TurnFailed("the message differs", wanted, quote(text));
    if (turn.buttons) {
      const labels = message.buttons?.flat().map((b) => b.label) ?? [];
      if (JSON.stringify(labels) !== JSON.stringify(turn.buttons))
        throw new TurnFailed(
          `the buttons of ${quote(text)} differ`,
          turn.buttons.join(" | ") || "no buttons",
          labels.join(" | ") || "no buttons",
        );
    }
    if (turn.file !== undefined && message.file?.name !== turn.file)
      throw new TurnFailed(`the file of ${quote(text)} differs`, turn.file, message.file?.name ?? "no file");
  }

  private expectSilence(): void {
    const extra = this.said.slice(this.next);
    if (extra.length > 0) throw new TurnFailed("the bot said more", "nothing", extra.map((m) => quote(visible(m))).join("\n"));
  }

  private expectState(expected: Extract<Turn, { expect: unknown }>["expect"]): void {
    const { contact } = this.harness;
    const conversation = this.harness.conversation(this.flowId);
    const check = (what: string, want: unknown, have: unknown) => {
      if (!sameValue(want, have)) throw new TurnFailed(`${what} differs`, JSON.stringify(want), JSON.stringify(have ?? null));
    };
    if (expected.stage !== undefined) check("stage", expected.stage, conversation?.stage ?? null);
    if (expected.step !== undefined) check("step", expected.step, conversation?.stepId ?? null);
    for (const tag of expected.tags ?? []) {
      if (!contact.tags.includes(tag)) throw new TurnFailed(`tag "${tag}" is missing`, tag, contact.tags.join(", ") || "no tags");
    }
    for (const tag of expected.no_tags ?? []) {
      if (contact.tags.includes(tag)) throw new TurnFailed(`tag "${tag}" is there`, `no ${tag}`, contact.tags.join(", "));
    }
    for (const [name, want] of Object.entries(expected.fields ?? {})) check(`field ${name}`, want, contactFieldValue(contact, name));
    for (const [name, want] of Object.entries(expected.vars ?? {})) check(`vars.${name}`, want, conversation?.vars[name]);
  }
}

/** The text as the person reads it: tags removed, entities decoded. */
function visible(message: OutboundMessage): string {
  return message.format === "html" ? htmlToPlainText(message.text) : message.text;
}

function matches(text: string, expectation: string): boolean {
  const regex = /^\/(.+)\/([gimsuy]*)$/s.exec(expectation);
  return regex ? new RegExp(regex[1] as string, regex[2]).test(text) : text.includes(expectation);
}

function describeText(expectation: string): string {
  return /^\/.+\/[gimsuy]*$/s.test(expectation) ? `a message matching ${expectation}` : `a message containing ${quote(expectation)}`;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** YAML numbers and stored strings compare by value: `budget: 300` matches "300"; null means not set. */
function sameValue(want: unknown, have: unknown): boolean {
  // `first_name: null`: the field is not set.
  if (want === null) return have === undefined || have === null;
  if (typeof want !== "object") return have !== undefined && String(want) === String(have);
  return JSON.stringify(want) === JSON.stringify(have);
}
