import type { BotReply, ConversationCase, DoorRequest, ExpectedAnswer, FuzzCase, FuzzDoor, SingleCase } from "./fuzz-case.ts";
import { postOnOwnConnection } from "./post-on-own-connection.ts";
import { waitFor } from "./wait-for.ts";

/** How long the bot's replies to one conversation may take under the fuzz load (paced sends queue up). */
const replyTimeoutMs = 20_000;

interface Answer {
  status: number;
  body: string | undefined;
}

/** The cases of one door, as one round of the fuzz test sends them. */
export interface DoorWork {
  door: FuzzDoor<unknown>;
  cases: FuzzCase[];
}

/**
 * Sends fuzz cases to the running app, conversations and lone requests of all doors interleaved,
 * a few at a time: at most `conversations` conversations (each with one request in flight, two
 * while a redelivery races its original) and `requests` lone requests. It collects every way the
 * app fell short instead of stopping at the first: a wrong status or body, a missing, extra or
 * wrong reply, a message to an address that should have got none.
 */
export class FuzzRunner {
  readonly problems: string[] = [];
  /** Requests sent, by door name. */
  readonly sent = new Map<string, number>();
  /** Requests answered with a 5xx, or not answered at all (status 0), as "door kind: status". */
  readonly serverErrors: string[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly limits: { conversations: number; requests: number },
  ) {}

  async run(work: DoorWork[]): Promise<void> {
    const inConversationSlot = limiter(this.limits.conversations);
    const inRequestSlot = limiter(this.limits.requests);
    const answered: Array<{ door: FuzzDoor<unknown>; conversation: ConversationCase; expected: string[] }> = [];
    await Promise.all(
      interleave(work).map(({ door, fuzzCase }) =>
        fuzzCase.type === "single"
          ? inRequestSlot(() => this.sendSingle(door, fuzzCase))
          : inConversationSlot(async () => {
              const expected = await this.converse(door, fuzzCase);
              if (expected) answered.push({ door, conversation: fuzzCase, expected });
            }),
      ),
    );
    // Checked once everything else is done, so that a duplicate reply had all the time to show up.
    for (const { door, conversation, expected } of answered) {
      const replies = await door.replies(conversation.address);
      const fits = replies.length === expected.length && expected.every((fragment, i) => replies[i]?.text.includes(fragment));
      if (!fits)
        this.fail(door, conversation.kind, `${conversation.address} expected ${JSON.stringify(expected)}, got ${textsOf(replies)}`);
    }
    for (const { door, cases } of work) {
      for (const single of cases) {
        if (single.type !== "single" || single.silentAddress === undefined) continue;
        const replies = await door.replies(single.silentAddress);
        if (replies.length > 0) this.fail(door, single.kind, `messaged ${single.silentAddress}: ${textsOf(replies)}`);
      }
    }
  }

  private async sendSingle(door: FuzzDoor<unknown>, single: SingleCase): Promise<void> {
    const answer = await this.send(door, single.kind, single.request);
    if (!matches(answer, single.expected)) this.fail(door, single.kind, unexpected(answer, single.expected));
  }

  /** Plays a conversation step by step; returns the replies it must have got, or undefined when it broke off. */
  private async converse(door: FuzzDoor<unknown>, conversation: ConversationCase): Promise<string[] | undefined> {
    const expected: string[] = [];
    const failAt = (index: number, problem: string) => {
      this.fail(door, conversation.kind, `step ${index + 1}: ${problem}`);
      return undefined;
    };
    for (const [index, step] of conversation.steps.entries()) {
      let request: DoorRequest;
      if (typeof step.request === "function") {
        const replies = await this.repliesOnceThere(door, conversation.address, expected.length).catch((error: Error) => error);
        if (replies instanceof Error) return failAt(index, replies.message);
        request = step.request(replies);
      } else {
        request = step.request;
      }
      const answers = await Promise.all(Array.from({ length: step.copies ?? 1 }, () => this.send(door, conversation.kind, request)));
      const wrong = answers.find((answer) => !matches(answer, step.expected));
      if (wrong) return failAt(index, unexpected(wrong, step.expected));
      expected.push(...step.replies);
    }
    const replies = await this.repliesOnceThere(door, conversation.address, expected.length).catch((error: Error) => error);
    if (replies instanceof Error) return failAt(conversation.steps.length - 1, replies.message);
    return expected;
  }

  private repliesOnceThere(door: FuzzDoor<unknown>, address: string, count: number): Promise<BotReply[]> {
    return waitFor(
      () => door.replies(address),
      (replies) => replies.length >= count,
      `${count} replies to ${address}`,
      replyTimeoutMs,
    );
  }

  private async send(door: FuzzDoor<unknown>, kind: string, request: DoorRequest): Promise<Answer> {
    this.sent.set(door.name, (this.sent.get(door.name) ?? 0) + 1);
    const url = `${this.baseUrl}${request.path}`;
    let answer: Answer;
    try {
      const headers = { ...request.headers, ...(await request.lateHeaders?.()) };
      if (request.ownConnection) {
        answer = { status: (await postOnOwnConnection(url, String(request.body), headers)).status, body: undefined };
      } else {
        const response = await fetch(url, { method: request.method, headers, body: bodyOf(request) });
        answer = { status: response.status, body: await response.text() };
      }
    } catch (error) {
      answer = { status: 0, body: `request failed: ${(error as Error).message}` };
    }
    if (answer.status >= 500 || answer.status === 0) this.serverErrors.push(`${door.name} ${kind}: ${answer.status}`);
    return answer;
  }

  private fail(door: FuzzDoor<unknown>, kind: string, problem: string): void {
    this.problems.push(`${door.name} ${kind}: ${problem}`);
  }
}

/** fetch takes bytes as a Blob (a Uint8Array is no BodyInit in Node's types). */
function bodyOf(request: DoorRequest): string | Blob | null {
  if (request.body === undefined) return null;
  return typeof request.body === "string" ? request.body : new Blob([Buffer.from(request.body)]);
}

function matches(answer: Answer, expected: ExpectedAnswer): boolean {
  return answer.status === expected.status && (expected.body === undefined || answer.body === expected.body);
}

function unexpected(answer: Answer, expected: ExpectedAnswer): string {
  const wanted = expected.body === undefined ? `${expected.status}` : `${expected.status} ${JSON.stringify(expected.body)}`;
  return `answered ${answer.status} ${JSON.stringify(answer.body?.slice(0, 200))}, expected ${wanted}`;
}

function textsOf(replies: BotReply[]): string {
  return JSON.stringify(replies.map((r) => r.text.slice(0, 80)));
}

/** The doors' cases one of each in turn, so that every door is busy at the same time. */
function interleave(work: DoorWork[]): Array<{ door: FuzzDoor<unknown>; fuzzCase: FuzzCase }> {
  const longest = Math.max(0, ...work.map((w) => w.cases.length));
  return Array.from({ length: longest }, (_, i) =>
    work.flatMap(({ door, cases }) => {
      const fuzzCase = cases[i];
      return fuzzCase ? [{ door, fuzzCase }] : [];
    }),
  ).flat();
}

/** Runs the tasks given to it at most `limit` at a time, in the order given. */
function limiter(limit: number): (task: () => Promise<void>) => Promise<void> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    // A finished task hands its slot straight to the next one waiting.
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
