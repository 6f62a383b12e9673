import { lstat, mkdir, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { RunError } from '../../run-error.ts';
import { DIR_MODE } from '../../write/output-file.ts';

export interface OutputDirOptions {
  command: string;
  file?: string;
  out?: string | undefined;
  /** --force: use an --out folder that already holds files (they are replaced, symlinks among them never followed). */
  force?: boolean | undefined;
  now?: Date;
  root?: string;
}

/**
 * A new folder under output/ for one command's files, named so an operator can find it:
 * output/<command>-<UTC yyyymmdd-hhmmss>-<file name>, with -2, -3 … when two runs start in the same second.
 * Folders are created 0700. An --out folder is used when it is new or empty; one holding files (an earlier run's
 * results, or anything planted there) is refused with OUTPUT_NOT_EMPTY unless --force; a symlink as --out never is.
 */
export async function createOutputDir(options: OutputDirOptions): Promise<string> {
  if (options.out) {
    const out = options.out;
    const existing = await lstat(out).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw usage(out, error);
    });
    if (existing?.isSymbolicLink()) {
      throw new RunError('USAGE', `--out ${out} is a symbolic link: outputs are never written through one`, { hint: 'name the folder itself' });
    }
    if (existing && !existing.isDirectory()) throw usage(out, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
    if (!existing) {
      try {
        await mkdir(out, { recursive: true, mode: DIR_MODE });
      } catch (error) {
        throw usage(out, error);
      }
      return out;
    }
    const entries = await readdir(out);
    if (entries.length > 0 && !options.force) {
      throw new RunError('OUTPUT_NOT_EMPTY', `--out ${out} already holds ${entries.length} file(s) (e.g. ${entries.sort()[0]}); nothing was done`, {
        hint: 'name a new or empty folder, or pass --force to replace the files there',
      });
    }
    return out;
  }
  const stamp = (options.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const stem = options.file ? `-${basename(options.file, extname(options.file)).replace(/[^\w.-]+/g, '_').slice(0, 40)}` : '';
  const base = join(options.root ?? 'output', `${options.command}-${stamp}${stem}`);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir, { recursive: false, mode: DIR_MODE });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        await mkdir(join(options.root ?? 'output'), { recursive: true, mode: DIR_MODE });
        n--;
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function usage(out: string, error: unknown): RunError {
  return new RunError('USAGE', `--out ${out} cannot be used as a folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
    hint: 'name a folder that does not exist yet, or an empty folder',
    cause: error,
  });
}
