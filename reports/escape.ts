const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string | number | boolean | null | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * Markup that is already safe: built by {@link html} (whose every interpolation was escaped)
 * or, for the page's own assets only, marked with {@link trustedMarkup}.
 */
export class SafeHtml {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** What {@link html} accepts between `${}`: text and numbers (escaped), safe markup, or lists of these. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function interpolate(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(value as string | number | boolean | null | undefined);
}

/**
 * The one place pages escape: a template tag whose every interpolated value is escaped for
 * element content and quoted attributes alike, unless it is itself {@link SafeHtml} (a
 * fragment built with this tag). Lists are joined. Renderers build every element with it,
 * so no value from a result reaches a page unescaped.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) markup += interpolate(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(markup);
}

/** `items` (each escaped unless safe) with `separator` text between them. */
export function joinHtml(items: readonly HtmlValue[], separator: string): SafeHtml {
  return new SafeHtml(items.map(interpolate).join(escapeHtml(separator)));
}

/** Marks text the page itself ships (its CSS, its chart code) as markup; never use it for result data. */
export function trustedMarkup(text: string): SafeHtml {
  return new SafeHtml(text);
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` become \u escapes
 * so no value can close the script or open a comment; U+2028/2029 are escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
