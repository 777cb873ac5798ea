import { isMap, isScalar, isSeq, type Node, type YAMLError } from "yaml";
import type { z } from "zod";

/**
 * The position of the deepest node that exists along `path` in a parsed YAML document: a
 * missing key is reported at its parent, an unknown key (with `onKey`) at the key itself.
 */
export function positionOf(
  root: unknown,
  path: ReadonlyArray<string | number>,
  onKey: boolean,
  at: (offset: number) => { line: number; col: number },
): { line: number; col: number } {
  let node = root as Node | null | undefined;
  let offset = node?.range?.[0] ?? 0;
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === part);
      if (!pair) break;
      const isLast = i === path.length - 1;
      if (isLast && onKey && isScalar(pair.key)) return at(pair.key.range?.[0] ?? offset);
      node = pair.value as Node | null;
      offset = node?.range?.[0] ?? (isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset);
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return at(offset);
}

/** A zod issue in words, prefixed with where it is (`steps[2].ask.type: …`). */
export function describeIssue(issue: z.core.$ZodIssue, path: ReadonlyArray<string | number>): string {
  const where = path.length ? `${formatPath(path)}: ` : "";
  if (issue.code === "unrecognized_keys")
    return `${where}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return `${where}is required`;
  // A record's key that fails its schema: what the key's schema says, not zod's "Invalid key in record".
  if (issue.code === "invalid_key" && issue.issues[0]) return `${where}${issue.issues[0].message}`;
  return `${where}${issue.message}`;
}

export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

/**
 * The first YAML syntax error in words. Only the first: after it the parser is lost and the
 * rest are echoes. The most common one, a text with `: ` left unquoted, gets a hint.
 */
export function yamlSyntaxProblem(
  errors: readonly YAMLError[],
  file: string,
  at: (offset: number) => { line: number; col: number },
): { file: string; line: number; col: number; message: string } {
  const first = errors[0] as YAMLError;
  const text = first.message.split("\n")[0] ?? first.message;
  const hint = /Nested mappings are not allowed in compact mappings|Implicit map keys need to be/.test(text)
    ? ' (a text that contains ": " must be in quotes, or written on the next lines after "|-")'
    : "";
  return { file, ...at(first.pos[0]), message: `YAML: ${text}${hint}` };
}
