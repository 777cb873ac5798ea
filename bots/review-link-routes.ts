import { Hono } from "hono";
import type { ConversationRuntime, Logger } from "../core/runtime/conversation-runtime.ts";

/** Where review links lead through the app (the ids the store gives them). */
export const reviewLinkPath = "/r";
const linkIdPattern = /^[\w-]{8,32}$/;

/**
 * `GET /r/<id>`: a review link of a review request. The click is counted (for the survey report)
 * and the person sent on to the review site with a 302; an unknown id is a 404. While the
 * database is away the answer is 503, so that a person trying again gets through.
 */
export function reviewLinkRoutes(runtime: ConversationRuntime, logger: Logger): Hono {
  const routes = new Hono();
  routes.get(`${reviewLinkPath}/:id`, async (c) => {
    const id = c.req.param("id");
    if (!linkIdPattern.test(id)) return c.text("No such link.", 404);
    try {
      const url = await runtime.openReviewLink(id);
      if (!url) return c.text("No such link.", 404);
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      return c.redirect(url, 302);
    } catch (error) {
      logger.warn({ err: error }, "review link not opened: the database is away");
      return c.text("Please try again in a minute.", 503);
    }
  });
  return routes;
}
