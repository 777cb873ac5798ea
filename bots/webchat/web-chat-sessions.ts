import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getSignedCookie, setSignedCookie } from "hono/cookie";
import { z } from "zod";

/** The session id is also the contact's `externalId` on the web channel, so it keeps the rule ids always had. */
const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

const cookieName = "orkestr_chat";
/** Sent only to the chat's API: the page, the flow charts and the files never see it. */
const cookiePath = "/api/chat";
/** Counted from the last time the page was opened: `POST /api/chat/session` sets the cookie again. */
const cookieMaxAgeSeconds = 30 * 24 * 60 * 60;

/** What `WebChatSessions.required` gives the handlers after it: the request's session id. */
export interface WebChatSessionVariables {
  Variables: { session: string };
}

/**
 * The web chat's sessions, kept in a signed, httpOnly cookie (HMAC by `hono/cookie`). The server
 * picks the id and only a cookie signed with this secret names it, so knowing a session id — it
 * is shown on the page and stored as the contact's address — gives no access to it; the page's
 * scripts cannot read the cookie and other sites' pages do not send it.
 */
export class WebChatSessions {
  constructor(private readonly secret: string) {}

  /**
   * The request's session if its cookie is valid (a reload resumes the conversation), else a
   * new one. The cookie is set again either way, so the 30 days start over.
   */
  async issue(c: Context): Promise<string> {
    const session = (await this.read(c)) ?? randomUUID();
    await setSignedCookie(c, cookieName, session, this.secret, {
      httpOnly: true,
      sameSite: "Strict",
      path: cookiePath,
      maxAge: cookieMaxAgeSeconds,
      secure: cameOverHttps(c),
    });
    return session;
  }

  /**
   * First on every session route: a request without a valid cookie is refused with 401 before
   * its body is read; otherwise the handlers find the session in `c.var.session`.
   */
  required(): MiddlewareHandler<WebChatSessionVariables> {
    return async (c, next) => {
      const session = await this.read(c);
      if (!session) return c.json({ error: "No web chat session: POST /api/chat/session first" }, 401);
      c.set("session", session);
      await next();
    };
  }

  /** The session named by a cookie this server signed; a missing, altered or foreign cookie names none. */
  private async read(c: Context): Promise<string | undefined> {
    const value = await getSignedCookie(c, this.secret, cookieName);
    return typeof value === "string" && sessionIdSchema.safeParse(value).success ? value : undefined;
  }
}

/** Directly, or through a proxy that ended TLS and says so; the first entry of a proxy chain is the client's. */
function cameOverHttps(c: Context): boolean {
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return new URL(c.req.url).protocol === "https:" || forwarded === "https";
}
