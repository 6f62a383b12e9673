/** Test support for `payout-batch serve`: a server on port 0 over a real ledger file and simulator, and an HTTP client. */
import { join } from 'node:path';
import type { ApprovalConfig } from '../../src/config/approval-config.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { openLedger } from '../../src/ledger/open-ledger.ts';
import type { LedgerStore } from '../../src/ledger/ledger-store.ts';
import { openReviewStore } from '../../src/serve/open-review-store.ts';
import { hashPassword } from '../../src/serve/passwords.ts';
import type { Role } from '../../src/serve/review-store.ts';
import type { SessionAuthOptions } from '../../src/serve/session-auth.ts';
import { startServer, type RunningServer } from '../../src/serve/start-server.ts';
import { SIMULATOR_CREDENTIALS } from '../../src/simulator/index.ts';
import { tempDir } from './cli.ts';

export const PASSWORD = 'a long test password';

/** Bad rows: row 3 a CLABE with a wrong check digit, row 5 an amount that is not one. */
export function payoutCsv(prefix: string, good = 3): string {
  const clabes = ['012180001183597198', '002180001234567896', '646180109400135624', '072180009876543213'];
  const lines = ['order_id,clabe,beneficiario,monto,moneda,concepto'];
  for (let i = 0; i < good; i++) lines.push(`${prefix}-${String(i + 1).padStart(4, '0')},${clabes[i % clabes.length]},Persona ${i + 1},${100 + i}.00,MXN,Pago`);
  lines.splice(2, 0, `${prefix}-BAD1,012180001183597199,Cuenta Mala,250.00,MXN,Pago`);
  lines.push(`${prefix}-BAD2,002180001234567896,Monto Malo,doce pesos,MXN,Pago`);
  return `${lines.join('\n')}\n`;
}

/** `ledgerPath`: a ledger file or a postgres:// URL (with its password). */
export async function addUsers(ledgerPath: string, users: Record<string, Role>): Promise<void> {
  const store = await openReviewStore(ledgerPath);
  for (const [name, role] of Object.entries(users)) await store.addUser({ name, role, passwordHash: await hashPassword(PASSWORD) });
  await store.close();
}

export interface TestServer extends RunningServer {
  ledger: LedgerStore;
  ledgerPath: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** `ledger`: a postgres:// URL instead of the file `ledger.sqlite` in `dir`. */
export async function startTestServer(options: { simulatorUrl: string; dir?: string; ledger?: string; approval?: ApprovalConfig; auth?: SessionAuthOptions; lockRetryMs?: number; dataDir?: string }): Promise<TestServer> {
  const dir = options.dir ?? tempDir('serve-');
  const ledgerPath = options.ledger ?? join(dir, 'ledger.sqlite');
  const ledger = await openLedger(ledgerPath);
  const { config } = loadConfig({ target: 'simulator', path: join(dir, 'none.json'), env: {} });
  const server = await startServer({
    ledger,
    ledgerPath,
    config: { ...config, source: 'test', ...(options.approval ? { approval: options.approval } : {}) },
    target: 'simulator',
    connect: async () => ({ target: 'simulator', simulatorUrl: options.simulatorUrl, credentials: SIMULATOR_CREDENTIALS, close: async () => {} }),
    dataDir: options.dataDir ?? join(dir, 'data'),
    host: '127.0.0.1',
    ...(options.lockRetryMs !== undefined ? { lockRetryMs: options.lockRetryMs } : {}),
    port: 0,
    ...(options.auth ? { auth: options.auth } : {}),
  });
  return Object.assign(server, {
    ledger,
    ledgerPath,
    dataDir: options.dataDir ?? join(dir, 'data'),
    async stop() {
      await server.close(2000);
      await ledger.close();
    },
  });
}

export interface Client {
  token: string;
  csrf: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  upload(csv: string, fields?: Record<string, string>, name?: string): Promise<{ status: number; body: any }>;
}

export async function signIn(url: string, username: string, password = PASSWORD): Promise<Client> {
  const res = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { token: string; csrf_token: string };
  if (res.status !== 201) throw new Error(`sign-in of ${username}: ${res.status} ${JSON.stringify(body)}`);
  const auth = { authorization: `Bearer ${body.token}` };
  return {
    token: body.token,
    csrf: body.csrf_token,
    async call(method, path, payload, headers = {}) {
      const r = await fetch(`${url}${path}`, {
        method,
        headers: { ...auth, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
      });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: r.status, body: parsed, headers: r.headers };
    },
    async upload(csv, fields = { provider: 'openpay' }, name = 'pagos.csv') {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([csv], { type: 'text/csv' }), name);
      const r = await fetch(`${url}/api/batches`, { method: 'POST', headers: auth, body: form });
      return { status: r.status, body: await r.json() };
    },
  };
}

export async function waitFor<T>(what: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
