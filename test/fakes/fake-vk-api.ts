import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { waitFor } from "../support/wait-for.ts";
import { LocalHttpServer } from "./local-http-server.ts";
import { parseMultipart } from "./parse-multipart.ts";

export interface VkCall {
  method: string;
  params: Record<string, string>;
  /** VK error code answered, if any. */
  error?: number;
  at: number;
}

/** A file saved for messages: a document, a voice message or a photo. */
export interface SavedDocument {
  title: string;
  size: number;
  sha256: string;
  type?: "doc" | "audio_message" | "photo";
}

class VkApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A local VK API (https://dev.vk.com/ru/method) and Bots Long Poll server for tests, reached by
 * the real vk-io through `apiBaseUrl`. It records calls and enforces what the project must
 * respect: `random_id` required and deduplicated, text ≤ 4096, keyboard limits (inline ≤ 6 rows
 * and 10 buttons, standard ≤ 10 rows and 40, ≤ 5 per row, label ≤ 40, payload ≤ 255),
 * error 901 for users who do not allow messages, and attachments only of files uploaded for
 * messages (docs.getMessagesUploadServer → upload → docs.save; photos.getMessagesUploadServer →
 * upload → photos.saveMessagesPhoto). It also serves the files users send (`hostFile`), as VK's file servers do.
 */
export class FakeVkApi extends LocalHttpServer {
  readonly calls: VkCall[] = [];
  private readonly events: Array<Record<string, unknown>> = [];
  private readonly denied = new Set<number>();
  private readonly failures = new Map<number, number[]>();
  private readonly seenRandomIds = new Set<string>();
  /** When each user last wrote to the community: without an intent, only within 24 h of it may it write. */
  private readonly lastWrote = new Map<number, number>();
  private nextMessageId = 1;
  private readonly uploadedFiles = new Map<string, SavedDocument>();
  /** Saved documents by attachment string (doc<owner>_<id>). */
  private readonly documents = new Map<string, SavedDocument>();
  private savedDocuments = 0;
  /** Files users sent, served at /files/<n>/<name> as from VK's file servers. */
  private readonly hosted: Buffer[] = [];
  private ts = 1;

  constructor(readonly groupId = 777) {
    super();
  }

  /** The user writes to the community; `payload` is a keyboard button's payload, `ref` a vk.me ref. */
  pushMessage(userId: number, text: string, extra: { payload?: string; ref?: string; id?: number; attachments?: unknown[] } = {}): number {
    const id = extra.id ?? this.nextMessageId++;
    this.lastWrote.set(userId, Date.now());
    const message = { id, date: 0, peer_id: userId, from_id: userId, text, out: 0, conversation_message_id: id, ...extra };
    this.pushEvent("message_new", {
      message,
      client_info: { button_actions: ["text", "open_link"], keyboard: true, inline_keyboard: true },
    });
    return id;
  }

  pushEvent(type: string, object: Record<string, unknown>): void {
    this.events.push({ type, object, group_id: this.groupId, event_id: `e${this.ts}${this.events.length}`, v: "5.199" });
    this.wakePollers();
  }

  /** The next sends to `peer` fail with these VK error codes, in order (6: too many requests, 9: flood control). */
  failNext(peer: number, codes: number[]): void {
    this.failures.set(peer, [...codes]);
  }

  /** As if the user last wrote to the community at `at` (a test moves it back past the 24 hours). */
  lastWroteAt(userId: number, at: Date): void {
    this.lastWrote.set(userId, at.getTime());
  }

  /** The user denied messages from the community: sends answer 901. */
  deny(userId: number): void {
    this.denied.add(userId);
  }

  sent(peerId: number): Array<{ text: string; keyboard: Record<string, unknown> | undefined; params: Record<string, string> }> {
    return this.calls
      .filter((c) => c.method === "messages.send" && c.error === undefined && Number(c.params.peer_id) === peerId)
      .map((c) => ({
        text: c.params.message ?? "",
        keyboard: c.params.keyboard ? JSON.parse(c.params.keyboard) : undefined,
        params: c.params,
      }));
  }

  /** The user presses the keyboard button with this label on the latest message that has it. */
  pressButton(peerId: number, label: string): number {
    const payload = this.sent(peerId)
      .flatMap((m) => ((m.keyboard?.buttons ?? []) as Array<Array<{ action: { label: string; payload?: string } }>>).flat())
      .findLast((button) => button.action.label === label && button.action.payload)?.action.payload;
    if (!payload) throw new Error(`No button "${label}" was sent to peer ${peerId}`);
    return this.pushMessage(peerId, label, { payload });
  }

  /** Waits until `count` messages were sent to the peer; fails with what was sent. */
  waitForSent(peerId: number, count: number) {
    return waitFor(
      () => this.sent(peerId),
      (sent) => sent.length >= count,
      `${count} messages to peer ${peerId}`,
    );
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/lp") return send(await this.longPoll(url.searchParams));
    if (url.pathname === "/upload") return send(await this.receiveUpload(req, "file"));
    if (url.pathname === "/upload-photo") return send(await this.receiveUpload(req, "photo"));
    const hosted = /^\/files\/(\d+)\//.exec(url.pathname);
    if (hosted) {
      const bytes = this.hosted[Number(hosted[1])];
      res.writeHead(bytes ? 200 : 404, { "content-length": bytes?.length ?? 0 });
      res.end(bytes);
      return;
    }
    const method = /^\/method\/([\w.]+)$/.exec(url.pathname)?.[1];
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    const call: VkCall = { method: method ?? url.pathname, params, at: Date.now() };
    this.calls.push(call);
    try {
      send({ response: this.answer(call.method, params) });
    } catch (error) {
      const e = error as VkApiError;
      call.error = e.code;
      send({ error: { error_code: e.code, error_msg: e.message, request_params: [] } });
    }
  }

  private answer(method: string, params: Record<string, string>): unknown {
    if (!params.access_token) throw new VkApiError(5, "User authorization failed: no access_token passed.");
    switch (method) {
      case "groups.getLongPollServer":
        return { key: "fake-key", server: `${this.url}/lp`, ts: String(this.ts) };
      case "messages.send":
        return this.messagesSend(params);
      case "docs.getMessagesUploadServer":
        if ((params.type !== "doc" && params.type !== "audio_message") || !Number(params.peer_id))
          throw new VkApiError(100, "One of the parameters specified was missing or invalid: peer_id");
        return { upload_url: `${this.url}/upload?type=${params.type}` };
      case "docs.save":
        return this.saveDocument(params);
      case "photos.getMessagesUploadServer":
        if (!Number(params.peer_id)) throw new VkApiError(100, "One of the parameters specified was missing or invalid: peer_id");
        return { upload_url: `${this.url}/upload-photo`, album_id: -3, group_id: this.groupId };
      case "photos.saveMessagesPhoto":
        return this.savePhoto(params);
      default:
        throw new VkApiError(3, "Unknown method passed.");
    }
  }

  private messagesSend(params: Record<string, string>): number {
    const peer = Number(params.peer_id);
    if (!peer) throw new VkApiError(100, "One of the parameters specified was missing or invalid: peer_id");
    if (params.random_id === undefined || !/^-?\d+$/.test(params.random_id)) throw new VkApiError(100, "random_id is required");
    if (this.denied.has(peer)) throw new VkApiError(901, "Can't send messages for users without permission");
    // Intents (https://dev.vk.com/ru/api/bots/development/messages): a known one; without one, only
    // within 24 h of the user's last message; a promo newsletter only to its subscribers.
    const intent = params.intent ?? "default";
    if (!vkIntents.includes(intent)) throw new VkApiError(100, `One of the parameters specified was missing or invalid: intent ${intent}`);
    const wrote = this.lastWrote.get(peer);
    // (Users whose messages came another way, as Callback API posts in tests, are not judged.)
    if (intent === "default" && wrote !== undefined && Date.now() - wrote > 24 * 3600 * 1000)
      throw new VkApiError(
        901,
        "Can't send messages for users without permission: more than 24 hours since their last message, and no intent",
      );
    if (intent === "promo_newsletter" && params.subscribe_id === undefined)
      throw new VkApiError(100, "One of the parameters specified was missing or invalid: subscribe_id is required for promo_newsletter");
    const failure = this.failures.get(peer)?.shift();
    if (failure === 6) throw new VkApiError(6, "Too many requests per second");
    if (failure === 9) throw new VkApiError(9, "Flood control");
    const text = params.message ?? "";
    if (text.length === 0 && !params.attachment) throw new VkApiError(100, "message is empty");
    if (text.length > 4096) throw new VkApiError(914, "Message is too long");
    if (params.keyboard) checkKeyboard(JSON.parse(params.keyboard));
    for (const attachment of params.attachment?.split(",").filter(Boolean) ?? []) {
      if (!this.documents.has(attachment))
        throw new VkApiError(100, `One of the parameters specified was missing or invalid: attachment ${attachment} is invalid`);
    }
    const key = `${peer}/${params.random_id}`;
    if (this.seenRandomIds.has(key)) {
      // VK does not send a message twice with the same random_id; drop the record of the repeat.
      this.calls.pop();
      return 0;
    }
    this.seenRandomIds.add(key);
    return this.nextMessageId++;
  }

  /** Documents attached to messages sent to the peer, with how they reached the fake. */
  attachments(peerId: number): Array<{ attachment: string; document: SavedDocument | undefined }> {
    return this.sent(peerId).flatMap((m) =>
      (m.params.attachment?.split(",") ?? []).map((attachment) => ({ attachment, document: this.documents.get(attachment) })),
    );
  }

  /** How many files were uploaded to the upload server. */
  get uploadCount(): number {
    return this.uploadedFiles.size;
  }

  /** Forgets every saved document, as when VK no longer accepts an old attachment. */
  expireDocuments(): void {
    this.documents.clear();
  }

  /**
   * A file a user sends, served as VK's file servers serve attachments; the URL goes into an
   * attachment of `pushMessage`.
   */
  hostFile(bytes: Buffer, name: string): { url: string; sha256: string } {
    this.hosted.push(bytes);
    return { url: `${this.url}/files/${this.hosted.length - 1}/${encodeURIComponent(name)}`, sha256: sha256Of(bytes) };
  }

  /**
   * The upload servers: a document or voice message comes in the multipart field `file`, a photo
   * in `photo`; each answers what docs.save or photos.saveMessagesPhoto expects.
   */
  private async receiveUpload(req: IncomingMessage, field: "file" | "photo"): Promise<unknown> {
    const type = new URL(req.url ?? "/", "http://x").searchParams.get("type") === "audio_message" ? "audio_message" : "doc";
    const file = (await parseMultipart(req)).files.find((f) => f.field === field);
    if (!file) return { error: `no ${field}` };
    const token = `upload-${this.uploadedFiles.size + 1}`;
    this.uploadedFiles.set(token, { title: file.name, size: file.size, sha256: file.sha256, type: field === "photo" ? "photo" : type });
    return field === "photo" ? { server: 1, photo: token, hash: `hash-${token}` } : { file: token };
  }

  private saveDocument(params: Record<string, string>): unknown {
    const uploaded = params.file ? this.uploadedFiles.get(params.file) : undefined;
    if (!uploaded || uploaded.type === "photo") throw new VkApiError(100, "One of the parameters specified was missing or invalid: file");
    const id = ++this.savedDocuments;
    const owner = -this.groupId;
    const title = params.title ?? uploaded.title;
    if (uploaded.type === "audio_message") {
      this.documents.set(`audio_message${owner}_${id}`, { ...uploaded, title });
      return { type: "audio_message", audio_message: { id, owner_id: owner, duration: 4, link_ogg: "", link_mp3: "" } };
    }
    const doc = { id, owner_id: owner, title, size: uploaded.size, ext: "pdf", date: 0, type: 1, url: "" };
    this.documents.set(`doc${owner}_${id}`, { ...uploaded, title });
    return { type: "doc", doc };
  }

  private savePhoto(params: Record<string, string>): unknown {
    const uploaded = params.photo ? this.uploadedFiles.get(params.photo) : undefined;
    if (uploaded?.type !== "photo" || params.hash !== `hash-${params.photo}` || params.server !== "1")
      throw new VkApiError(100, "One of the parameters specified was missing or invalid: photo");
    const id = ++this.savedDocuments;
    const owner = -this.groupId;
    this.documents.set(`photo${owner}_${id}`, uploaded);
    return [{ id, owner_id: owner, album_id: -3, date: 0, sizes: [{ type: "x", url: "", width: 800, height: 600 }] }];
  }

  private async longPoll(query: URLSearchParams): Promise<unknown> {
    const ts = Number(query.get("ts") ?? this.ts);
    if (this.events.length === 0) {
      await this.waitForNews(500);
    }
    const updates = this.events.splice(0);
    this.ts = ts + updates.length;
    return { ts: String(this.ts), updates };
  }
}

/** messages.send `intent` values (../shared/specs/vk/messages/methods.json). */
const vkIntents = [
  "account_update",
  "bot_ad_invite",
  "bot_ad_promo",
  "confirmed_notification",
  "customer_support",
  "default",
  "finance_notification",
  "game_notification",
  "moderated_newsletter",
  "non_promo_newsletter",
  "promo_newsletter",
  "purchase_update",
];

function checkKeyboard(keyboard: { inline?: boolean; buttons?: Array<Array<{ action?: Record<string, string> }>> }): void {
  const rows = keyboard.buttons ?? [];
  const all = rows.flat();
  const [maxRows, maxButtons] = keyboard.inline ? [6, 10] : [10, 40];
  if (rows.length > maxRows || all.length > maxButtons || rows.some((r) => r.length > 5))
    throw new VkApiError(911, "Keyboard format is invalid: too many buttons");
  for (const button of all) {
    if ((button.action?.label ?? "").length > 40) throw new VkApiError(911, "Keyboard format is invalid: label is too long");
    if ((button.action?.payload ?? "").length > 255) throw new VkApiError(911, "Keyboard format is invalid: payload is too long");
  }
}

function sha256Of(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
