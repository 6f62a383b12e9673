/**
 * In a tie the rarer character wins: a tab or ";" is almost never text inside a header, a "," sometimes is
 * ("Nombre, apellido").
 */
const CANDIDATES = ['\t', ';', '|', ','] as const;

export interface DelimiterGuess {
  delimiter: string;
  /**
   * The file starts with Excel's `sep=;` line, which names the delimiter and is not part of the table (Excel
   * hides it, so the header is still row 1).
   */
  sepLine: boolean;
}

const MAX_LINES = 20;

/**
 * The delimiter is the candidate that occurs most often, outside quotes, on the first line that has any candidate
 * at all (usually the header; a title line without delimiters above it is passed over). A file with a single
 * column has none and reads the same with any delimiter.
 */
export function detectDelimiter(text: string): DelimiterGuess {
  const sep = /^sep=([^"\r\n])(\r\n|\n|\r|$)/i.exec(text);
  if (sep) return { delimiter: sep[1]!, sepLine: true };

  let quoted = false;
  let counts = new Map<string, number>();
  let lines = 0;
  for (let i = 0; i < text.length && lines < MAX_LINES; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && (ch === '\n' || ch === '\r')) {
      const found = mostFrequent(counts);
      if (found) return { delimiter: found, sepLine: false };
      counts = new Map();
      lines++;
    } else if (!quoted && (CANDIDATES as readonly string[]).includes(ch)) {
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
  }
  return { delimiter: mostFrequent(counts) ?? ',', sepLine: false };
}

function mostFrequent(counts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const candidate of CANDIDATES) {
    const count = counts.get(candidate) ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
