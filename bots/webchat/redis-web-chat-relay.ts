import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import type { WebChatMessage, WebChatRelay } from "./web-chat-channel.ts";

/** Long enough for a busy Redis, short enough that a dead one does not stall a contact's outbox. */
const publishTimeoutMs = 2_000;

const webChatMessageSchema = z.object({
  id: z.string().min(1),
  direction: z.enum(["in", "out"]),
  text: z.string(),
  buttons: z.array(z.array(z.object({ label: z.string(), payload: z.string().optional(), url: z.string().optional() }))).optional(),
  file: z.object({ name: z.string(), size: z.number(), url: z.string() }).optional(),
  createdAt: z.string(),
}) satisfies z.ZodType<WebChatMessage>;

/** What goes over the Redis channel: the session is in the message, not in the channel name. */
const relayEnvelopeSchema = z.object({
  /** The publishing process, which has already shown the message to its own pages. */
  origin: z.string().min(1),
  /** The routes' rule for session ids; it also keeps out "error", which an EventEmitter would throw. */
  sessionId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  message: webChatMessageSchema,
});
type RelayEnvelope = z.infer<typeof relayEnvelopeSchema>;

export interface RedisWebChatRelayOptions {
  /** The app's connection: publishes go through it. The subscriber is a duplicate of it. */
  redis: Redis;
  /** The pub/sub channel, under the app's queue prefix (`<QUEUE_PREFIX>:webchat`). */
  channel: string;
  logger: Logger;
}

/**
 * Redis pub/sub between the app's processes, so a page whose stream is held by one replica
 * sees what another replica sent (its turn, follow-up sweep or queue worker).
 *
 * One channel for all sessions, subscribed once per process at start-up: a page's stream adds
 * no Redis round trip and cannot miss a message while its own subscription is being set up.
 * Every replica then sees every web chat message, which is cheap at web chat volumes
 * (previews and demos).
 */
export class RedisWebChatRelay implements WebChatRelay {
  private readonly origin = randomUUID();
  private deliver: (sessionId: string, message: WebChatMessage) => void = () => {};
  private subscriberDown = false;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    subscriber.on("message", (_channel: string, raw: string) => this.receive(raw));
    // ioredis reconnects and resubscribes by itself; say so once per outage, not per retry.
    subscriber.on("error", (error: Error) => {
      if (this.subscriberDown) return;
      this.subscriberDown = true;
      logger.warn({ err: error }, "web chat relay lost Redis; pages on other replicas miss live updates until it is back");
    });
    subscriber.on("ready", () => {
      if (!this.subscriberDown) return;
      this.subscriberDown = false;
      logger.info("web chat relay reconnected to Redis");
    });
  }

  /** Opens the dedicated subscriber connection (a connection in subscribe mode can do nothing else). */
  static async start(options: RedisWebChatRelayOptions): Promise<RedisWebChatRelay> {
    const relay = new RedisWebChatRelay(options.redis, options.redis.duplicate(), options.channel, options.logger);
    try {
      await relay.subscriber.subscribe(options.channel);
    } catch (error) {
      relay.subscriber.disconnect();
      throw new Error(`Cannot subscribe to the web chat channel ${options.channel}: ${(error as Error).message}`, { cause: error });
    }
    return relay;
  }

  onMessage(deliver: (sessionId: string, message: WebChatMessage) => void): void {
    this.deliver = deliver;
  }

  /**
   * Never rejects, and gives up after `publishTimeoutMs`. A message that did not reach the
   * other replicas is still counted as sent: its outbox row is the durable copy, and a page
   * reads it back from the history when its stream reconnects. Failing the send instead
   * would hold back all of the contact's later messages (on every channel) while Redis is
   * away, and would not reach the page any sooner.
   */
  async publish(sessionId: string, message: WebChatMessage): Promise<void> {
    const envelope: RelayEnvelope = { origin: this.origin, sessionId, message };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${publishTimeoutMs} ms`)), publishTimeoutMs);
    });
    try {
      await Promise.race([this.publisher.publish(this.channel, JSON.stringify(envelope)), timeout]);
    } catch (error) {
      this.logger.warn(
        { err: error, sessionId, messageId: message.id },
        "web chat message not relayed to other replicas; their pages get it from the history on reconnect",
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the subscriber connection; the publisher is the app's and closed by it. */
  close(): void {
    this.subscriber.disconnect();
  }

  /** Anything on the channel is checked: a bad message is logged and dropped, never thrown. */
  private receive(raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.logger.warn({ channel: this.channel, raw: raw.slice(0, 200) }, "malformed web chat relay message dropped: not JSON");
      return;
    }
    const parsed = relayEnvelopeSchema.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(
        { channel: this.channel, issues: z.prettifyError(parsed.error), raw: raw.slice(0, 200) },
        "malformed web chat relay message dropped",
      );
      return;
    }
    if (parsed.data.origin === this.origin) return;
    // A throw here would surface inside ioredis' reply handling, far from any page.
    try {
      this.deliver(parsed.data.sessionId, parsed.data.message);
    } catch (error) {
      this.logger.error({ err: error, sessionId: parsed.data.sessionId }, "web chat relay message not delivered to this process's pages");
    }
  }
}
