/**
 * Regression: names with ESC/BEL sequences were written raw to results.csv (recolouring or retitling the terminal of
 * whoever printed it) and sent as such to the provider. Control characters are now removed from names and
 * descriptions before any output or request, and the row carries the warning CONTROL_CHARACTERS_REMOVED (still
 * valid, still paid).
 */
import { createServer, request, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, expect, it } from 'vitest';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

let sim: RecordingSimulator | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await new Promise((done) => (proxy ? proxy.close(done) : done(undefined)));
  await sim?.close();
});

/** Forwards every request to the simulator and keeps each request body, as the provider received it. */
async function recordingProxy(target: string, bodies: string[]): Promise<string> {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('utf8'));
      const upstream = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((done) => proxy!.listen(0, '127.0.0.1', done));
  const address = proxy.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

it('removes ESC sequences, BEL, DEL and C1 from names and descriptions before results, log and provider', async () => {
  sim = await startRecordingSimulator();
  const bodies: string[] = [];
  const url = await recordingProxy(sim.url, bodies);
  const dir = tempDir('payout-controls-');
  const names = ['\u001b]0;owned\u0007José\u001b[31m Peña\u001b[0m', 'Ana\u0007\u0007 López\u007f', 'Luis\u009b2J Gómez\u0085'];
  const lines = ['order_id,amount,clabe,name,description'];
  names.forEach((name, i) => lines.push(`CTL-${i + 1},${100 + i}.00,012180001183597198,"${name}","pago\u001b[2J ${i}\u0001"`));
  lines.push('CTL-4,200.00,012180001183597198,Plain Name,plain');
  // A file that is mostly control characters is not taken for text at all: a real file has them here and there.
  for (let i = 5; i <= 40; i++) lines.push(`CTL-${i},${300 + i}.00,012180001183597198,Beneficiario Número ${i},pago quincenal de servicios ${i}`);
  const file = join(dir, 'payouts.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const out = join(dir, 'out');

  const result = await runCli(['run', file, '--provider', 'openpay', '--yes', '--simulator-url', url, '--out', out, '--ledger', join(dir, 'ledger.sqlite'), '--json']);
  expect(result.code, result.stderr).toBe(0);
  expect(result.summary?.counts).toMatchObject({ pending: 40 });

  const csv = readFileSync(join(out, 'results.csv'), 'utf8');
  expect(csv).not.toMatch(CONTROL);
  const records = parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
  // One warning per field that held them: the name and the description.
  expect(records.slice(0, 4).map((r) => [r.order_id, r.name, r.warning])).toEqual([
    ['CTL-1', 'José Peña', 'CONTROL_CHARACTERS_REMOVED;CONTROL_CHARACTERS_REMOVED'],
    ['CTL-2', 'Ana López', 'CONTROL_CHARACTERS_REMOVED;CONTROL_CHARACTERS_REMOVED'],
    ['CTL-3', 'Luis Gómez', 'CONTROL_CHARACTERS_REMOVED;CONTROL_CHARACTERS_REMOVED'],
    ['CTL-4', 'Plain Name', ''],
  ]);
  for (const name of ['run.log', 'statement.csv']) expect(readFileSync(join(out, name), 'utf8'), name).not.toMatch(CONTROL);

  const payoutBodies = bodies.filter((b) => b.includes('CTL-'));
  expect(payoutBodies.length).toBeGreaterThanOrEqual(40);
  for (const body of payoutBodies) {
    // JSON would carry them as \u escapes: look at the decoded text.
    expect(JSON.stringify(JSON.parse(body)), body).not.toMatch(/\\u00(?:[01][0-9a-f]|7f|[89][0-9a-f])/i);
    expect(JSON.stringify(JSON.parse(body))).not.toMatch(CONTROL);
  }
  expect(bodies.join('\n')).toContain('José Peña');
});
