/**
 * RFC 4515 §3: in an assertion value, `*`, `(`, `)`, `\` and NUL must be written as `\XX`. Everything
 * else (UTF-8 included) goes as is. A user name typed at a sign-in form never reaches a filter unescaped.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Fills `{name}` placeholders of a filter template with escaped values (each placeholder, every time). */
export function fillFilter(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? escapeFilterValue(values[name]) : whole,
  );
}

/** The attribute a `(attr={username})` filter compares the user name with, if the template says so plainly. */
export function userNameAttribute(template: string): string | undefined {
  return /\(([A-Za-z][\w;-]*)=\{username\}\)/.exec(template)?.[1];
}
