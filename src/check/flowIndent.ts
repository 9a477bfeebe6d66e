// go-yaml (kubectl) accepts a flow collection or a quoted scalar whose continuation lines
// are indented no deeper than its key, as in the original driver's Traefik example:
//     command: ['sh', '-c', 'cat /certs/cert1 &&
//     openssl ...']
// YAML 1.2 (and the `yaml` package, with no option to relax it) refuses them. Indenting such
// lines past their key changes no value (line folding drops leading spaces) and no line
// number. Pure.

/** Where a line's content starts once `- ` sequence markers are counted as indentation. */
function contentIndent(line: string): number {
  return /^(?:\s*-\s+)*\s*/.exec(line)![0].length;
}

/** A quote or bracket at `at` opens a node only where a node may start, not inside `it's`. */
function startsNode(line: string, at: number): boolean {
  const before = line.slice(0, at).trimEnd();
  return before === "" || /:$|(^|\s)[-?]$|[[{,]$/.test(before);
}

/**
 * The text with every line that continues an open flow collection or quoted scalar indented
 * past the line that opened it; the text unchanged when there are none.
 */
export function indentFlowContinuations(text: string): string {
  let quote: "'" | '"' | undefined;
  let depth = 0;
  let openerIndent = 0;
  let blockScalarIndent: number | undefined;
  const lines = text.split("\n").map((line) => {
    const continues = quote !== undefined || depth > 0;
    const indent = line.length - line.trimStart().length;
    if (!continues && blockScalarIndent !== undefined) {
      if (line.trim() === "" || indent > blockScalarIndent) return line;
      blockScalarIndent = undefined;
    }
    const fixed =
      continues && line.trim() !== "" && indent <= openerIndent ? " ".repeat(openerIndent + 1 - indent) + line : line;
    if (!continues) openerIndent = contentIndent(line);
    for (let at = 0; at < line.length; at++) {
      const char = line[at];
      if (quote === '"' && char === "\\") at++;
      else if (quote) {
        if (char === quote) quote = undefined;
      } else if ((char === "'" || char === '"') && startsNode(line, at)) quote = char;
      else if (char === "#" && (at === 0 || /\s/.test(line[at - 1]))) break;
      else if ((char === "[" || char === "{") && (depth > 0 || startsNode(line, at))) depth++;
      else if ((char === "]" || char === "}") && depth > 0) depth--;
    }
    if (!quote && depth === 0 && /:\s*[|>][-+0-9]*\s*(#.*)?$/.test(line)) blockScalarIndent = indent;
    return fixed;
  });
  return lines.join("\n");
}
