import type { Context, ValidationTargets } from "hono";
import type { z } from "zod";

/** One problem of a refused request: the field (`body` for the body as a whole) and what is wrong with it. */
interface RequestIssue {
  field: string;
  message: string;
}

const jsonMediaType = /^application\/([\w.-]+\+)?json$/i;

/**
 * The `@hono/zod-validator` hook of the web chat API: a request that fails its schema is
 * answered 400 with `error` (one line, what the page shows) and `issues` (field by field, for
 * other clients). Valid requests pass on untouched.
 */
export function answerInvalidRequest(
  result: { success: boolean; error?: z.core.$ZodError; target: keyof ValidationTargets },
  c: Context,
): Response | undefined {
  if (result.success || !result.error) return undefined;
  // Hono reads a body only when it is declared JSON and validates `{}` otherwise: name the
  // header instead of reporting every field of a body that was in fact sent.
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim() ?? "";
  if (result.target === "json" && !jsonMediaType.test(mediaType))
    return c.json({ error: "Send the body as JSON with Content-Type: application/json" }, 415);
  const issues: RequestIssue[] = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join(".") : "body",
    message: issue.message,
  }));
  return c.json({ error: issues.map((i) => `${i.field}: ${i.message}`).join("; "), issues }, 400);
}
