import { Liquid, type Template } from "liquidjs";
import { LRUCache } from "lru-cache";

/** How user-provided values must be escaped for a channel's text format. */
export type TextFormat = "html" | "plain";

const htmlEntities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"]/g, (ch) => htmlEntities[ch] ?? ch);
}

/**
 * The Liquid engines, one per format, shared by every renderer of the process: they hold only
 * their options, and making one costs more than a whole in-memory conversation (tests and
 * previews make an engine, and so a renderer, per conversation).
 */
const liquidEngines: Record<TextFormat, Liquid> = {
  html: new Liquid({ outputEscape: escapeHtml, ownPropertyOnly: true }),
  plain: new Liquid({ ownPropertyOnly: true }),
};

/**
 * Templates parsed, by format and source, for every renderer: liquidjs binds the output
 * escaping to a template when it parses it, hence the format in the key. Bounded, since flows
 * reloaded bring new texts.
 */
const parsedTemplates = new LRUCache<string, Template[]>({ max: 10_000 });

/**
 * Renders flow texts with Liquid (https://liquidjs.com). Authors write literal HTML such as
 * `<b>`; every `{{ output }}` is escaped for the target format, so a contact named
 * `<script>` stays text. Templates are parsed once and cached.
 */
export class TemplateRenderer {
  /** Throws a liquidjs error (with line and column inside the template) on bad syntax. */
  parse(source: string, format: TextFormat = "html"): Template[] {
    const key = `${format}:${source}`;
    let parsed = parsedTemplates.get(key);
    if (!parsed) {
      parsed = liquidEngines[format].parse(source);
      parsedTemplates.set(key, parsed);
    }
    return parsed;
  }

  /** `plain` escapes nothing: for plain-text channels and for values stored in fields. */
  render(source: string, scope: object, format: TextFormat): string {
    return liquidEngines[format].renderSync(this.parse(source, format), scope) as string;
  }
}
