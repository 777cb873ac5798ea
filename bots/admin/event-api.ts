import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bearerAuth } from "hono/bearer-auth";
import { externalEventSchema } from "../../core/model/external-event.ts";
import type { ConversationRuntime, Logger } from "../../core/runtime/conversation-runtime.ts";

export const eventsPath = "/api/events";
export const openApiPath = "/api/openapi.json";

const accepted = z
  .object({
    status: z.enum(["started", "no_flow", "opted_out", "handed_off"]),
    flow: z.string().optional().describe("The flow the contact entered"),
  })
  .describe(
    "started: the contact entered `flow`; no_flow: no flow waits for this type (or its `if` was false); opted_out, handed_off: nobody is written to now",
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
