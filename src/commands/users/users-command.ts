import { createInterface } from 'node:readline';
import type { Target } from '../../config/config-types.ts';
import { RunError } from '../../run-error.ts';
import { openReviewStore } from '../../serve/open-review-store.ts';
import { hashPassword } from '../../serve/passwords.ts';
import { ROLES, type Role } from '../../serve/review-store.ts';
import { withCommandScope } from '../shared/command-scope.ts';

export interface UsersArgs {
  action: 'add' | 'list' | 'remove';
  name?: string;
  role?: Role;
  passwordStdin?: boolean;
  ledger?: string;
  target: Target;
  config?: string;
}

export const MIN_PASSWORD_LENGTH = 10;

/** `payout-batch users add|list|remove`: the people who may sign in to `payout-batch serve`, kept in the ledger. */
export async function usersCommand(args: UsersArgs, io: { stdin?: NodeJS.ReadableStream & { isTTY?: boolean } } = {}): Promise<number> {
  if (args.action !== 'list' && !args.name?.trim()) throw new RunError('USAGE', `users ${args.action} needs a NAME`);
  if (args.name !== undefined && !/^[A-Za-z0-9._@-]{1,64}$/.test(args.name)) throw new RunError('USAGE', 'a user name is 1-64 letters, digits, . _ @ -');
  if (args.action === 'add' && !(args.role && (ROLES as readonly string[]).includes(args.role))) throw new RunError('USAGE', `users add needs --role ${ROLES.join('|')}`);
  return withCommandScope({ config: args.config, target: args.target, signals: false }, async (scope) => {
    // Opening the ledger creates or migrates it; the users are in the same file or database.
    const { ledgerPath, location } = await scope.openLedger({ path: args.ledger, newLedger: true });
    const store = await openReviewStore(location);
    scope.defer(() => store.close());
    if (args.action === 'list') {
      const users = await store.listUsers();
      for (const u of users) process.stdout.write(`${u.name}\t${u.role}\t${u.createdAt.toISOString()}\n`);
      if (!users.length) process.stderr.write(`no users in ${ledgerPath}\n`);
      return 0;
    }
    const name = args.name!;
    if (args.action === 'remove') {
      if (!(await store.removeUser(name))) throw new RunError('USAGE', `no user named ${name} in ${ledgerPath}`);
      await store.audit({ action: 'user_removed', detail: { name } });
      process.stderr.write(`removed ${name}\n`);
      return 0;
    }
    if (await store.getUser(name)) throw new RunError('USAGE', `a user named ${name} exists in ${ledgerPath}`, { hint: 'remove it first to change its role or password' });
    const stdin = io.stdin ?? process.stdin;
    const password = args.passwordStdin ? await readAll(stdin) : await promptPassword(stdin);
    if (password.length < MIN_PASSWORD_LENGTH) throw new RunError('USAGE', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    if (!(await store.addUser({ name, role: args.role!, passwordHash: await hashPassword(password) }))) throw new RunError('USAGE', `a user named ${name} exists in ${ledgerPath}`);
    await store.audit({ action: 'user_added', detail: { name, role: args.role } });
    process.stderr.write(`added ${name} (${args.role}) to ${ledgerPath}\n`);
    return 0;
  });
}

/** The first line of stdin (a trailing newline is not part of the password). */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.replace(/\r?\n$/, '');
}

/** Asks twice on stderr without echoing what is typed. */
async function promptPassword(stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  if (!stdin.isTTY) throw new RunError('USAGE', 'no terminal to ask for the password', { hint: 'pipe it with --password-stdin' });
  const ask = (question: string) =>
    new Promise<string>((done, fail) => {
      const rl = createInterface({ input: stdin, output: process.stderr, terminal: true });
      const muted = rl as unknown as { _writeToOutput: (s: string) => void };
      process.stderr.write(question);
      muted._writeToOutput = () => {};
      rl.once('SIGINT', () => {
        rl.close();
        fail(new RunError('USAGE', 'no password given'));
      });
      rl.question('', (answer) => {
        rl.close();
        process.stderr.write('\n');
        done(answer);
      });
    });
  const first = await ask('password: ');
  const second = await ask('again: ');
  if (first !== second) throw new RunError('USAGE', 'the two passwords differ');
  return first;
}
