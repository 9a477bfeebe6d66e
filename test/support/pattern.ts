// A regular expression from plain text and patterns: `pattern(/^/, "text (with parens)", /\S+/)`.
// Long expected messages read as the message reads, and stay under the line width.
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const pattern = (...parts: (string | RegExp)[]): RegExp =>
  new RegExp(parts.map((part) => (typeof part === "string" ? escape(part) : part.source)).join(""));
