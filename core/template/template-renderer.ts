import { Liquid, type Template } from "liquidjs";

/** How user-provided values must be escaped for a channel's text format. */
export type TextFormat = "html" | "plain";

const htmlEntities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"]/g, (ch) => htmlEntities[ch] ?? ch);
}

/**
 * Renders flow texts with Liquid (https://liquidjs.com). Authors write literal HTML such as
 * `<b>`; every `{{ output }}` is escaped for the target format, so a contact named
 * `<script>` stays text. Templates are parsed once and cached.
 */
export class TemplateRenderer {
  private readonly engines: Record<TextFormat, Liquid> = {
    html: new Liquid({ outputEscape: escapeHtml, ownPropertyOnly: true }),
    plain: new Liquid({ ownPropertyOnly: true }),
  };
  private readonly cache = new Map<string, Template[]>();

  /** Throws a liquidjs error (with line and column inside the template) on bad syntax. */
  parse(source: string): Template[] {
    let parsed = this.cache.get(source);
    if (!parsed) {
      // Both engines share the same parser settings, so one parse serves both.
      parsed = this.engines.html.parse(source);
      this.cache.set(source, parsed);
    }
    return parsed;
  }

  render(source: string, scope: object, format: TextFormat): string {
    return this.engines[format].renderSync(this.parse(source), scope) as string;
  }
}
