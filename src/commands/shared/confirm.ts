import { createInterface } from 'node:readline/promises';
import { dispatchSignal } from '../../process-signals.ts';

/** Whether a question can be asked and answered here (run and sync refuse or hold back instead when not). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY);
}

/**
 * Asks on stderr (stdout stays for the summary) and resolves true only when the answer is `word`, case and
 * surrounding spaces aside: anything else, an empty line or a closed input, is a no.
 */
export async function confirmByTyping(question: string, word: string, io: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {}): Promise<boolean> {
  const rl = createInterface({ input: io.input ?? process.stdin, output: io.output ?? process.stderr });
  // question() never settles once the input has ended (Ctrl-D, a closed pipe): that is a no, not a wait forever.
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  // On a terminal readline takes Ctrl-C as a key and, unheard, only pauses the input: the prompt would hang. It is
  // the process's SIGINT (exit 130 with one line, or whatever holds signals) — unless the caller gave its own input.
  rl.once('SIGINT', () => {
    rl.close();
    if (io.input === undefined) dispatchSignal('SIGINT');
  });
  try {
    const answer = await Promise.race([rl.question(`${question} Type "${word}" to continue: `), closed]);
    return answer !== undefined && answer.trim().toLowerCase() === word.toLowerCase();
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
