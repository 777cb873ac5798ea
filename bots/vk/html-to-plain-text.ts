const entities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&" };

/**
 * VK messages have no HTML: flow texts written with `<b>`, `<a href>` … lose their tags,
 * links keep their address in brackets, and entities become characters again.
 */
export function htmlToPlainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<a\s+[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, text: string) =>
      text === href ? text : `${text} (${href})`,
    )
    .replace(/<\/?[a-z][^>]*>/gi, "")
    .replace(/&(lt|gt|quot|#39|amp);/g, (entity) => entities[entity] ?? entity);
}
