import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { DEFAULT_GRACE_SECONDS, DEFAULT_RETURN_WINDOW_DAYS } from './config/watch-periods.ts';
import { PROVIDER_IDS } from './domain/provider-id.ts';
import { DEFAULT_READ_LIMITS, type ReadLimit } from './read/read-limits.ts';
import { TZ_OPTION } from './commands/shared/display-zone.ts';
import { RunError } from './run-error.ts';

/**
 * yargs wiring only. Each command's module is imported when that command runs, so `--help` and the cheap
 * commands never load exceljs, better-sqlite3 or the simulator.
 */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };

  const parser = yargs(argv)
    .scriptName('payout-batch')
    .usage('$0 <command> [options]\n\nValidate, pay, follow and reconcile batch payout files (Openpay, Conekta, Digital FEMSA, Zenrise).')
    .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces on errors' })
    .command(
      'validate <file>',
      'Read and validate a payout file; write results.csv/xlsx. Pays nothing.',
      (y) => fileOptions(y).option('target', { choices: ['simulator', 'sandbox', 'live'] as const, default: 'simulator' as const, describe: 'Where the rows would be paid: Zenrise test accounts are accepted only off live' }),
      async (args) => {
        const { validateCommand } = await import('./commands/validate/validate-command.ts');
        setExit(await validateCommand(args));
      },
    )
    .command(
      'run <file>',
      'Validate, plan and pay a batch exactly once, resuming an interrupted one.',
      (y) => targetOptions(fileOptions(y))
        .option('concurrency', { type: 'number', describe: 'Requests in flight at once, per provider' })
        .option('rate', { type: 'number', describe: 'Requests per second per provider (all its endpoints together)' })
        .option('max-attempts', { type: 'number', describe: 'Attempts per request for retryable errors', default: 5 })
        .option('grace-seconds', { type: 'number', describe: `After Ctrl-C / SIGTERM: seconds the requests in flight have to finish (a second signal cuts them; default: the config's "graceSeconds", else ${DEFAULT_GRACE_SECONDS})` })
        .option('on-invalid', { choices: ['skip', 'abort'] as const, default: 'skip' as const, describe: 'skip: pay the valid rows; abort: send nothing if any row is invalid' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'Stop after the plan; send nothing (never creates a ledger)' })
        .option('new-ledger', { type: 'boolean', default: false, describe: 'Start a new ledger where none is (sandbox/live refuse a missing ledger without it)' })
        .option('yes', { type: 'boolean', default: false, describe: 'Confirm a live run without the interactive prompt' })
        .option('operator', { type: 'string', describe: 'Who runs the batch, recorded on it (default: the config\'s "operator", else your OS user name)' })
        .option('allow-other-provider', { type: 'boolean', default: false, describe: 'Plan a file already run under another provider (its order_ids stay duplicates)' }),
      async (args) => {
        const { runCommand } = await import('./commands/run/run-command.ts');
        setExit(await runCommand(args));
      },
    )
    .command(
      'simulator',
      'Start the local simulator of the four provider APIs.',
      (y) => y
        .option('port', { type: 'number', default: 4010, describe: 'Port to listen on' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
        .option('seed', { type: 'number', describe: 'Seed for deterministic fault injection' })
        .option('faults', { type: 'string', describe: 'e.g. http500=0.05,http429=0.05,timeout=0.01,drop_after_commit=0.02,settle_fail=0.05,latency=20..200' })
        .option('journal', { type: 'string', describe: 'Append every money movement to this JSONL file' })
        .option('settle-ms', { type: 'number', describe: 'Simulated time until an accepted payout settles' })
        .option('rate', { type: 'number', describe: 'Answer 429 above N requests/s per provider' })
        .option('balance', { type: 'string', describe: 'Starting balance of every provider account, e.g. 1000000.00' })
        .option('webhook-url', { type: 'string', describe: 'POST provider events here' }),
      async (args) => {
        const { simulatorCommand } = await import('./commands/simulator/simulator-command.ts');
        setExit(await simulatorCommand(args));
      },
    )
    .command(
      'sync',
      'Ask the providers for the state of every pending and unknown row; record each change.',
      (y) => targetOptions(scopeOptions(y))
        .option('until-final', { type: 'boolean', default: false, describe: 'Keep polling until every row is final (or --timeout)' })
        .option('timeout', { type: 'number', default: 600, describe: 'Seconds --until-final may take' })
        .option('max-attempts', { type: 'number', default: 5, describe: 'Attempts per request for retryable errors' })
        .option('return-window-days', { type: 'number', describe: `Ask again about rows paid within this many days (returns, deletions, amount changes); 0: off (default: the config's "returnWindowDays", else ${DEFAULT_RETURN_WINDOW_DAYS})` })
        .option('out', { type: 'string', describe: 'Folder for the reports (default: a new folder under output/); one holding files is refused without --force' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace the files of an --out folder that already holds some' })
        .option('format', { choices: ['csv', 'xlsx', 'both'] as const, default: 'both' as const, describe: 'Results and report file format' })
        .option('lang', { choices: ['es', 'en'] as const, default: 'es' as const, describe: 'Language of the workbooks (sheet names, headings, labels, status names, row messages) and of results.csv messages; CSV columns and codes never change' })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON summary on stdout' })
        .option('tz', TZ_OPTION)
        .option('config', { type: 'string', describe: 'Config file (rates, concurrency, base URLs, fees)' })
        .option('yes', { type: 'boolean', default: false, describe: 'On sandbox/live, re-send the payout request of unknown rows without the interactive prompt' }),
      async (args) => {
        const { syncCommand } = await import('./commands/sync/sync-command.ts');
        setExit(await syncCommand(args));
      },
    )
    .command(
      'webhooks',
      'Receive provider events; follow each up at the provider and record what the provider shows.',
      (y) => targetOptions(y)
        .option('port', { type: 'number', default: 4020, describe: 'Port the providers post their events to' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
        .option('unverified-rate', { type: 'number', default: 5, describe: 'Unverified events followed per second and provider; more are answered 429' })
        .option('config', { type: 'string', describe: 'Config file (base URLs, rates)' }),
      async (args) => {
        const { webhooksCommand } = await import('./commands/webhooks/webhooks-command.ts');
        setExit(await webhooksCommand(args));
      },
    )
    .command(
      'report',
      'Regenerate results, statement and reconciliation for a batch or a date range.',
      (y) => targetOptions(scopeOptions(y))
        .option('from', { type: 'string', describe: 'First day (YYYY-MM-DD, inclusive, in --tz), with --to' })
        .option('to', { type: 'string', describe: 'Last day (YYYY-MM-DD, inclusive, in --tz), with --from' })
        .option('provider', { type: 'string', describe: "Only this provider's rows and account statement (openpay, conekta, digitalfemsa, zenrise)" })
        .option('tz', TZ_OPTION)
        .option('out', { type: 'string', describe: 'Output folder (default: a new folder under output/); one holding files is refused without --force' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace the files of an --out folder that already holds some' })
        .option('opening-balance', { type: 'string', array: true, describe: 'Opening balance of an account, PROVIDER=AMOUNT (repeatable, e.g. zenrise=250000.00), or one AMOUNT when the scope has one account' })
        .option('format', { choices: ['csv', 'xlsx', 'both'] as const, default: 'both' as const, describe: 'Results and report file format' })
        .option('lang', { choices: ['es', 'en'] as const, default: 'es' as const, describe: 'Language of the workbooks (sheet names, headings, labels, status names, row messages) and of results.csv messages; CSV columns and codes never change' })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON summary on stdout' })
        .option('config', { type: 'string', describe: 'Config file (fees, base URLs)' }),
      async (args) => {
        const { reportCommand } = await import('./commands/report/report-command.ts');
        setExit(await reportCommand(args));
      },
    )
    .command(
      'batches',
      'List the batches in the ledger: file, providers, environment, state, counts, totals, who ran it.',
      (y) => ledgerReadOptions(y)
        .option('since', { type: 'string', describe: 'Only batches created on or after this day (YYYY-MM-DD, in --tz) or time (ISO 8601 with its zone)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object on stdout' }),
      async (args) => {
        const { batchesCommand } = await import('./commands/batches/batches-command.ts');
        setExit(await batchesCommand(args));
      },
    )
    .command(
      'status <id>',
      "Show a batch's rows by state, or one payout's whole history across batches (by its order_id).",
      (y) => ledgerReadOptions(y)
        .positional('id', { type: 'string', demandOption: true, describe: 'A batch id (or its first 6+ characters) or an order_id / externalReference' })
        .option('limit', { type: 'number', default: 20, describe: 'Rows shown per state of a batch' })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object on stdout' }),
      async (args) => {
        const { statusCommand } = await import('./commands/status/status-command.ts');
        setExit(await statusCommand(args));
      },
    )
    .command(
      'users <action> [name]',
      'Add, list or remove the people who may sign in to `serve` (kept in the ledger).',
      (y) => y
        .positional('action', { choices: ['add', 'list', 'remove'] as const, demandOption: true })
        .positional('name', { type: 'string', describe: 'User name' })
        .option('role', { choices: ['operator', 'approver', 'viewer'] as const, describe: 'operator: uploads and submits; approver: approves or rejects; viewer: reads' })
        .option('password-stdin', { type: 'boolean', default: false, describe: 'Read the password from stdin instead of a prompt' })
        .option('target', { choices: ['simulator', 'sandbox', 'live'] as const, default: 'simulator' as const, describe: 'Whose default ledger' })
        .option('ledger', { type: 'string', describe: LEDGER_DESCRIPTION })
        .option('config', { type: 'string', describe: 'Config file (its "ledger")' }),
      async (args) => {
        const { usersCommand } = await import('./commands/users/users-command.ts');
        setExit(await usersCommand(args));
      },
    )
    .command(
      'serve',
      'Serve the upload page and its JSON API: upload, review, approve (two-person), pay, watch, download.',
      (y) => targetOptions(y)
        .option('port', { type: 'number', default: 4030, describe: 'Port of the upload page' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (another than loopback needs https, or --insecure-http)' })
        .option('config', { type: 'string', describe: 'Config file (rates, fees, base URLs, approval rules)' })
        .option('data', { type: 'string', describe: 'Folder for uploads and results (default: serve-data beside the ledger)' })
        .option('tls-cert', { type: 'string', describe: 'PEM certificate file: serve https' })
        .option('tls-key', { type: 'string', describe: 'PEM key file for --tls-cert' })
        .option('insecure-http', { type: 'boolean', default: false, describe: 'Allow plain http on a host other than loopback' })
        .option('max-attempts', { type: 'number', default: 5, describe: 'Attempts per request for retryable errors' }),
      async (args) => {
        const { serveCommand } = await import('./commands/serve/serve-command.ts');
        setExit(await serveCommand(args));
      },
    )
    .demandCommand(1, 'Name a command: validate, run, batches, status, sync, report, webhooks, simulator, users, serve')
    .strict()
    .recommendCommands()
    .help()
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) throw error;
      // yargs breaks some messages over lines ("Invalid values:\n  Argument: …"); the user gets one line.
      let line = message.replace(/\s*\n\s*/g, ' ').trim();
      // yargs lists an unknown dashed flag twice, as typed and camelCased ("dry-rn, dryRn"): once is enough.
      line = line.replace(/^(Unknown arguments?: )(.+)$/, (_, head: string, list: string) => {
        const names = list.split(/,\s*/);
        const camel = (n: string) => n.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
        const kept = names.filter((n) => !names.some((other) => other !== n && other.includes('-') && camel(other) === n));
        return `${kept.length === 1 ? 'Unknown argument: ' : head}${kept.join(', ')}`;
      });
      // The instance holds the options of the command being parsed (yargs resets it per command).
      const known = Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      const hint = suggestFlags(line, known) ?? 'see payout-batch --help';
      throw new RunError('USAGE', line, { hint });
    });

  await parser.parseAsync();
  return exitCode;
}

/** The version of the installed package (package.json sits one level above src/ and dist/). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * "did you mean --dry-run?" for yargs's `Unknown argument(s): dry-rn`: each unknown name against the options the
 * command knows, by edit distance (at most 2, and less than half the name).
 */
export function suggestFlags(message: string, known: readonly string[]): string | undefined {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (!match) return undefined;
  const flags = known.filter((k) => k.length > 1 && !/[A-Z]/.test(k));
  const hints: string[] = [];
  for (const name of match[1]!.split(/,\s*/)) {
    let best: { flag: string; distance: number } | undefined;
    for (const flag of flags) {
      const distance = levenshtein(name.replace(/^-+/, ''), flag);
      if (distance <= 2 && distance < Math.max(name.length, 2) / 2 && (!best || distance < best.distance)) best = { flag, distance };
    }
    if (best) hints.push(`${name}: did you mean --${best.flag}?`);
  }
  return hints.length ? `${hints.join('; ')} (see --help)` : undefined;
}

/** Edit distance (insert, delete, substitute: 1 each), two rows at a time. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function fileOptions<T>(y: Argv<T>) {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'CSV or XLSX payout file' })
    .option('provider', { choices: PROVIDER_IDS, describe: 'Provider for rows without one in a provider column (needed only when some row names none)' })
    .option('sheet', { type: 'string', describe: 'XLSX sheet name (default: the first)' })
    .option('map', { type: 'string', array: true, describe: 'field=Header, to name a column the aliases do not catch' })
    .option('out', { type: 'string', describe: 'Output folder (default: a new folder under output/); one holding files is refused without --force' })
    .option('force', { type: 'boolean', default: false, describe: 'Replace the files of an --out folder that already holds some (symlinks are replaced, never followed)' })
    .option('format', { choices: ['csv', 'xlsx', 'both'] as const, default: 'both' as const, describe: 'Results file format' })
    .option('lang', { choices: ['es', 'en'] as const, default: 'es' as const, describe: 'Language of the workbooks (sheet names, headings, labels, status names, row messages) and of results.csv messages; CSV columns and codes never change' })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON summary on stdout instead of the readable one' })
    .option('tz', TZ_OPTION)
    .option('config', { type: 'string', describe: 'Config file (rates, concurrency, base URLs, fees, limits)' })
    .option('encoding', { type: 'string', describe: 'CSV: read in this encoding instead of detecting one (utf-8, windows-1252, latin1, utf-16le, ibm850 …)' })
    .option('max-member-bytes', limitOption('maxMemberBytes'))
    .option('max-compression-ratio', limitOption('maxCompressionRatio'))
    .option('max-shared-strings', limitOption('maxSharedStrings'))
    .option('max-shared-strings-bytes', limitOption('maxSharedStringsBytes'))
    .option('max-cell-chars', limitOption('maxCellChars'))
    .option('max-columns', limitOption('maxColumns'))
    .option('max-rows', limitOption('maxRows'))
    .option('max-line-bytes', limitOption('maxLineBytes'));
}

const LIMIT_DESCRIPTIONS: Record<ReadLimit, string> = {
  maxMemberBytes: 'XLSX: bytes one ZIP member may inflate to',
  maxCompressionRatio: 'XLSX: inflated bytes per compressed byte of one ZIP member',
  maxSharedStrings: 'XLSX: entries in the shared-strings table',
  maxSharedStringsBytes: 'XLSX: bytes of all shared strings together',
  maxCellChars: 'Characters in one cell (Excel\'s own limit)',
  maxColumns: 'Columns in one row (Excel\'s own limit)',
  maxRows: 'Rows in the sheet or CSV file',
  maxLineBytes: 'CSV: bytes of one record (line)',
};

/** A --max-… flag (LIMIT_FLAGS) with no yargs default, so the config's "limits" key applies when it is absent. */
function limitOption(name: ReadLimit) {
  return { type: 'number' as const, describe: `${LIMIT_DESCRIPTIONS[name]} (default ${DEFAULT_READ_LIMITS[name]})` };
}

function scopeOptions<T>(y: Argv<T>) {
  return y
    .option('batch', { type: 'string', describe: 'One batch id (printed in every summary)' })
    .option('all', { type: 'boolean', default: false, describe: 'Every batch in the ledger' });
}

/** The commands that only read the ledger: whose default ledger (--target), or which one. */
function ledgerReadOptions<T>(y: Argv<T>) {
  return y
    .option('target', { choices: ['simulator', 'sandbox', 'live'] as const, default: 'simulator' as const, describe: 'Whose default ledger' })
    .option('ledger', { type: 'string', describe: LEDGER_DESCRIPTION })
    .option('config', { type: 'string', describe: 'Config file (its "ledger", its "timeZone")' })
    .option('tz', TZ_OPTION);
}

function targetOptions<T>(y: Argv<T>) {
  return y
    .option('target', { choices: ['simulator', 'sandbox', 'live'] as const, default: 'simulator' as const, describe: 'Where payouts go' })
    .option('simulator-url', { type: 'string', describe: 'Use a running simulator instead of starting one in-process' })
    .option('ledger', { type: 'string', describe: LEDGER_DESCRIPTION });
}

const LEDGER_DESCRIPTION = 'Ledger: a SQLite file, or a PostgreSQL URL postgres://user@host:port/db (default: PAYOUT_BATCH_LEDGER, else ~/.payout-batch/ledger.simulator.sqlite for the simulator, ~/.payout-batch/ledger.sqlite for sandbox/live)';
