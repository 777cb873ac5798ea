import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bearerAuth } from "hono/bearer-auth";
import { externalEventSchema } from "../../core/model/external-event.ts";
import type { ConversationRuntime, Logger } from "../../core/runtime/conversation-runtime.ts";

export const eventsPath = "/api/events";
export const openApiPath = "/api/openapi.json";

const accepted = z
  .object({
    status: z.enum(["started", "no_flow", "opted_out", "handed_off", "outside_vk_window"]),
    flow: z.string().optional().describe("The flow the contact entered"),
  })
  .describe(
    "started: the contact entered `flow`; no_flow: no flow waits for this type (or its `if` was false); opted_out, handed_off: nobody is written to now; outside_vk_window: a marketing trigger for someone who last wrote on VK more than 24 hours ago (VK allows no advertising then)",
  );
const later = z
  .object({
    status: z.literal("later"),
    retry_after: z.string().describe("ISO 8601: when it may be sent (quiet hours or the frequency cap end)"),
  })
  .describe(
    "A marketing trigger at night or past the contact's cap: nothing was done or recorded; post the same event again after retry_after",
  );
const problem = z.object({ error: z.string(), message: z.string() });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const postEvent = createRoute({
  method: "post",
  path: eventsPath,
  summary: "An event from another system: its contact enters the flow that waits for its type",
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { "application/json": { schema: externalEventSchema } } } },
  responses: {
    202: json(accepted, "Taken: what it did"),
    200: json(z.object({ status: z.literal("duplicate") }), "An event with this id was taken before: nothing is done again"),
    429: json(later, "Not now for this contact: send it again after Retry-After, with the same id"),
    400: json(problem, "Not a valid event: `message` says what is wrong"),
    401: { description: "No bearer token, or not ADMIN_TOKEN" },
    404: json(problem, "No contact who wrote to us has this phone, email or id: we write only to people who wrote first"),
    503: json(problem, "The database cannot be reached: send the event again later"),
  },
});

/**
 * The admin API, on only when ADMIN_TOKEN is set: `POST /api/events` (bearer token) and its
 * OpenAPI description at /api/openapi.json, made from the same zod schema that checks requests.
 */
export function eventApi(options: { runtime: ConversationRuntime; token: string; logger: Logger }): OpenAPIHono {
  const api = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const message = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      return c.json({ error: "invalid_event", message }, 400);
    },
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  api.use(
    eventsPath,
    bearerAuth({
      token: options.token,
      realm: "orkestr",
      noAuthenticationHeader: { message: { error: "unauthorized", message: "send Authorization: Bearer <ADMIN_TOKEN>" } },
      invalidToken: { message: { error: "unauthorized", message: "the token is not ADMIN_TOKEN" } },
    }),
  );
  api.openapi(postEvent, async (c) => {
    const event = c.req.valid("json");
    try {
      const result = await options.runtime.receiveExternalEvent(event);
      if (result.status === "duplicate") return c.json({ status: "duplicate" as const }, 200);
      if (result.status === "unknown_contact") {
        return c.json({ error: "unknown_contact", message: "no contact who wrote to us has this phone, email or id" }, 404);
      }
      if (result.status === "later") {
        c.header("Retry-After", String(result.retryAfterSeconds));
        return c.json({ status: "later" as const, retry_after: result.until.toISOString() }, 429);
      }
      return c.json(result.status === "started" ? { status: result.status, flow: result.flowId } : { status: result.status }, 202);
    } catch (error) {
      options.logger.warn({ err: error, eventId: event.id }, "event not taken: the database is away");
      c.header("Retry-After", "30");
      return c.json({ error: "unavailable", message: "the database cannot be reached; send the event again later" }, 503);
    }
  });
  api.doc31(openApiPath, {
    openapi: "3.1.0",
    info: { title: "Orkestr admin API", version: "1", description: "Events from other systems start flows (see docs/flows.md, Triggers)." },
  });
  return api;
}
