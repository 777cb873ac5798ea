const entities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&" };

/**
 * For places without markup (VK, the terminal simulator, transcript checks): flow texts lose
 * their tags (`<b>`, `<i>` …), links keep their address in brackets, entities become characters.
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
