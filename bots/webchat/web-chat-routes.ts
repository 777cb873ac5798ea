import { randomUUID } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import { getConnInfo } from "@hono/node-server/conninfo";
import { zValidator } from "@hono/zod-validator";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { FlowCatalog } from "../../core/flow/flow-catalog.ts";
import { flowToMermaid } from "../../core/flow/flow-graph.ts";
import { stepIdSchema } from "../../core/flow/step-fields.ts";
import type { InboundEvent } from "../../core/model/inbound-event.ts";
import type { ConversationReader } from "../../core/runtime/conversation-reader.ts";
import type { ConversationRuntime } from "../../core/runtime/conversation-runtime.ts";
import { answerInvalidRequest } from "./invalid-request-answer.ts";
import { type WebChatChannel, type WebChatMessage, webChatFileOf } from "./web-chat-channel.ts";
import type { WebChatSessions } from "./web-chat-sessions.ts";

// Flow ids follow the rule for step ids (step-fields.ts).
const flowGraphParams = z.object({ id: stepIdSchema });
const flowGraphQuery = z.object({ step: stepIdSchema.optional() });
const fileParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 digest in lower-case hex"), name: z.string().min(1) });
const clientMessageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const startBody = z.object({ flowId: stepIdSchema, clientMessageId: clientMessageIdSchema.optional() });
const messageBody = z.object({ text: z.string().trim().min(1).max(4096), clientMessageId: clientMessageIdSchema });
const buttonBody = z.object({
  payload: z.string().min(1).max(255),
  label: z.string().max(100).optional(),
  clientMessageId: clientMessageIdSchema,
});

const publicDir = new URL("./public/", import.meta.url);
const mermaidBundle = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");
const assets: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

export interface WebChatDependencies {
  runtime: ConversationRuntime;
  reader: ConversationReader;
  flows: () => FlowCatalog;
  channel: WebChatChannel;
  sessions: WebChatSessions;
}

/**
 * The web chat: the page for marketers' previews and demos and its JSON/SSE API. It goes
 * through the same runtime, engine and storage as Telegram and VK.
 */
export function webChatRoutes(deps: WebChatDependencies): Hono {
  const app = new Hono();

  for (const [path, asset] of Object.entries(assets)) {
    app.get(path, (c) =>
      c.body(readFileSync(new URL(asset.file, publicDir)), 200, { "content-type": asset.type, "cache-control": "no-cache" }),
    );
  }

  app.get("/api/flows", (c) =>
    c.json({
      flows: deps
        .flows()
        .all()
        .map((f) => ({ id: f.id, title: f.title, version: f.version })),
    }),
  );

  // The flow as a Mermaid chart, with the step the preview is at highlighted.
  app.get(
    "/api/flows/:id/graph",
    zValidator("param", flowGraphParams, answerInvalidRequest),
    zValidator("query", flowGraphQuery, answerInvalidRequest),
    (c) => {
      const { id } = c.req.valid("param");
      const flow = deps.flows().get(id);
      if (!flow) return c.json({ error: `Unknown flow "${id}"` }, 404);
      return c.json({ mermaid: flowToMermaid(flow, { currentStepId: c.req.valid("query").step }) });
    },
  );

  // Mermaid renders that chart in the browser; served from the installed package, no CDN.
  app.get("/vendor/mermaid.min.js", (c) =>
    c.body(Readable.toWeb(createReadStream(mermaidBundle)) as ReadableStream, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    }),
  );

  const receive = async (c: Context, session: string, clientMessageId: string, event: InboundEvent, echo?: string) => {
    const key = `web:${session}:${clientMessageId}`;
    // Not awaited: the turn need not wait for the relay to other replicas, and the echo still
    // goes out ahead of the replies (same order on this process and on the Redis connection).
    if (echo) void deps.channel.publish(session, { id: `in-${key}`, direction: "in", text: echo, createdAt: new Date().toISOString() });
    // The IP address limits link-code attempts per address (see ConversationRuntime).
    const origin = { ip: getConnInfo(c).remote.address };
    await deps.runtime.receive(key, { channel: "web", externalId: session }, {}, event, origin);
  };

  // The page asks for its session first; the id it gets back is for showing, the cookie is the credential.
  app.post("/api/chat/session", async (c) => {
    const session = await deps.sessions.issue(c);
    return c.json({ session }, 200, { "cache-control": "no-store" });
  });

  // First on every other chat route: no valid session cookie, no access (401 before the body is read).
  const withSession = deps.sessions.required();

  app.post("/api/chat/start", withSession, zValidator("json", startBody, answerInvalidRequest), async (c) => {
    const { session } = c.var;
    const body = c.req.valid("json");
    if (!deps.flows().get(body.flowId)) return c.json({ error: `Unknown flow "${body.flowId}"` }, 404);
    await receive(c, session, body.clientMessageId ?? randomUUID(), { type: "start", flowId: body.flowId });
    return c.body(null, 202);
  });

  app.post("/api/chat/messages", withSession, zValidator("json", messageBody, answerInvalidRequest), async (c) => {
    const { session } = c.var;
    const body = c.req.valid("json");
    await receive(c, session, body.clientMessageId, { type: "text", text: body.text }, body.text);
    return c.body(null, 202);
  });

  app.post("/api/chat/buttons", withSession, zValidator("json", buttonBody, answerInvalidRequest), async (c) => {
    const { session } = c.var;
    const body = c.req.valid("json");
    const event: InboundEvent = { type: "button", payload: body.payload, ...(body.label ? { label: body.label } : {}) };
    await receive(c, session, body.clientMessageId, event, body.label);
    return c.body(null, 202);
  });

  // Files that loaded flows send, looked up by content hash: nothing else on disk is reachable.
  app.get("/api/files/:sha256/:name", zValidator("param", fileParams, answerInvalidRequest), (c) => {
    const { sha256 } = c.req.valid("param");
    const file = deps.flows().file(sha256);
    if (!file) return c.json({ error: "No such file" }, 404);
    return c.body(Readable.toWeb(createReadStream(file.path)) as ReadableStream, 200, {
      "content-type": "application/octet-stream",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    });
  });

  app.get("/api/chat/history", withSession, async (c) => {
    const { session } = c.var;
    const entries = await deps.reader.transcript({ channel: "web", externalId: session });
    const messages: WebChatMessage[] = entries.map(({ file, ...e }) => ({
      ...e,
      ...(file ? { file: webChatFileOf(file) } : {}),
      createdAt: e.createdAt.toISOString(),
    }));
    return c.json({ messages });
  });

  app.get("/api/chat/state", withSession, async (c) => {
    const { session } = c.var;
    return c.json(await deps.reader.snapshot({ channel: "web", externalId: session }));
  });

  app.get("/api/chat/stream", withSession, (c) => {
    const { session } = c.var;
    return streamSSE(c, async (stream) => {
      const unsubscribe = deps.channel.subscribe(session, (message) => {
        void stream.writeSSE({ event: "message", id: message.id, data: JSON.stringify(message) });
      });
      stream.onAbort(unsubscribe);
      await stream.writeSSE({ event: "ready", data: "{}" });
      // Comments keep proxies from closing an idle stream.
      while (!stream.aborted) {
        await stream.sleep(15_000);
        if (!stream.aborted) await stream.write(": ping\n\n");
      }
      unsubscribe();
    });
  });

  return app;
}
