import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { RunError } from '../../run-error.ts';

/**
 * A new folder under output/ for one command's files, named so an operator can find it:
 * output/<command>-<UTC yyyymmdd-hhmmss>-<file name>, with -2, -3 … when two runs start in the same second.
 */
export async function createOutputDir(options: { command: string; file?: string; out?: string; now?: Date; root?: string }): Promise<string> {
  if (options.out) {
    try {
      await mkdir(options.out, { recursive: true });
    } catch (error) {
      throw new RunError('USAGE', `--out ${options.out} cannot be used as a folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
        hint: 'name a folder that does not exist yet, or an existing folder',
        cause: error,
      });
    }
    return options.out;
  }
  const stamp = (options.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const stem = options.file ? `-${basename(options.file, extname(options.file)).replace(/[^\w.-]+/g, '_').slice(0, 40)}` : '';
  const base = join(options.root ?? 'output', `${options.command}-${stamp}${stem}`);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir, { recursive: false });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        await mkdir(join(options.root ?? 'output'), { recursive: true });
        n--;
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
