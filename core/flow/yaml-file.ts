import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { FlowError } from "./flow-error.ts";
import { describeIssue, positionOf, yamlSyntaxProblem } from "./yaml-position.ts";

/**
 * Reads a YAML file and validates it with `schema`; every problem is a FlowError entry with
 * `file:line:column`, as for flow files. `lineOf(path)` finds the line of any node afterwards.
 */
export async function readYamlFile<T extends z.ZodType>(
  file: string,
  schema: T,
): Promise<{ data: z.infer<T>; lineOf(path: Array<string | number>): number }> {
  const source = await readFile(file, "utf8");
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) throw new FlowError([yamlSyntaxProblem(doc.errors, file, at)]);
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new FlowError(
      parsed.error.issues.map((issue) => {
        const path = issue.path as Array<string | number>;
        // An unknown key is shown where it is written, not where its object begins.
        const where =
          issue.code === "unrecognized_keys"
            ? positionOf(doc.contents, [...path, ...issue.keys.slice(0, 1)], true, at)
            : positionOf(doc.contents, path, false, at);
        return { file, ...where, message: describeIssue(issue, path) };
      }),
    );
  }
  return { data: parsed.data, lineOf: (path) => positionOf(doc.contents, path, false, at).line };
}
