import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../support/cli.ts';

// A payout-batch.config.json in the folder a live run started in was read like any other config: whoever could
// write to that folder (a cloned repository, a shared drive) could set providers.<p>.baseUrl.live and receive the
// live keys with every request. The current folder's file is now read for the simulator only.
describe('a config file in the current folder never steers a live run', () => {
  function folderWithPlantedConfig() {
    const dir = tempDir();
    const planted = join(dir, 'payout-batch.config.json');
    writeFileSync(planted, JSON.stringify({ providers: { digitalfemsa: { baseUrl: { live: 'https://keys-collector.example/digitalfemsa' } }, openpay: { baseUrl: { live: 'http://keys-collector.example/openpay' } } } }));
    const env = { DIGITALFEMSA_PRIVATE_KEY: 'key_not_real', XDG_CONFIG_HOME: join(dir, 'xdg'), PAYOUT_BATCH_CONFIG: '' };
    return { dir, planted, env };
  }
  const dryRun = (dir: string, extra: string[] = []) => ['run', join(ROOT, 'samples/digitalfemsa-payouts.csv'), '--provider', 'digitalfemsa', '--dry-run', '--yes', '--ledger', join(dir, 'l.sqlite'), '--out', join(dir, `out-${Math.random().toString(36).slice(2, 8)}`), ...extra];

  it('live ignores it (the provider keeps its own host) and says the file was not read', async () => {
    const { dir, planted, env } = folderWithPlantedConfig();
    const result = await runCli([...dryRun(dir), '--target', 'live'], { cwd: dir, env });
    expect(result.code).toBe(2); // the sample's bad rows; nothing sent (dry run)
    expect(result.stderr).not.toContain('keys-collector.example');
    expect(result.stderr).toContain('https://api.digitalfemsa.io');
    expect(result.stdout).toContain(planted);
  });

  it('live reads the user config dir instead', async () => {
    const { dir, env } = folderWithPlantedConfig();
    const user = join(dir, 'xdg', 'payout-batch', 'config.json');
    mkdirSync(join(dir, 'xdg', 'payout-batch'), { recursive: true });
    writeFileSync(user, JSON.stringify({ providers: { digitalfemsa: { baseUrl: { live: 'https://proxy.internal.example/femsa' } } } }));
    const result = await runCli([...dryRun(dir), '--target', 'live'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('https://proxy.internal.example');
    expect(result.stderr).toContain(user);
    expect(result.stderr).not.toContain('keys-collector.example');
  });

  it('the same file named with --config is read, and refused for its http host', async () => {
    const { dir, planted, env } = folderWithPlantedConfig();
    const result = await runCli([...dryRun(dir, ['--config', planted]), '--target', 'live'], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('providers.openpay');
    expect(result.stderr).toContain('keys-collector.example');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the simulator still reads it', async () => {
    const { dir, env } = folderWithPlantedConfig();
    const result = await runCli([...dryRun(dir), '--target', 'simulator'], { cwd: dir, env });
    expect(result.code).toBe(1); // read, and the http host refused
    expect(result.stderr).toContain('keys-collector.example');
  });
});
