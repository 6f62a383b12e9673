/**
 * Test support: a workbook as it prints. LibreOffice (headless) converts the XLSX to PDF with the workbook's own
 * print setup (orientation, fit to width, repeated header rows, footer), and pdftoppm turns each page into a PNG.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The soffice binary, or undefined when LibreOffice is not installed. */
export function findSoffice(): string | undefined {
  for (const candidate of ['/usr/bin/soffice', '/usr/local/bin/soffice', '/usr/bin/libreoffice']) if (existsSync(candidate)) return candidate;
  return undefined;
}

export function hasPdftoppm(): boolean {
  return existsSync('/usr/bin/pdftoppm') || existsSync('/usr/local/bin/pdftoppm');
}

/** Renders `xlsx` into `outDir` as <name>.pdf and <name>-<page>.png; returns the PNG paths, page order. */
export async function renderWorkbook(soffice: string, xlsx: string, outDir: string): Promise<{ pdf: string; pngs: string[] }> {
  mkdirSync(outDir, { recursive: true });
  // A profile of its own: two LibreOffice instances sharing one refuse to start, and the user's stays untouched.
  const profile = mkdtempSync(join(tmpdir(), 'lo-profile-'));
  try {
    await run(soffice, [`-env:UserInstallation=file://${profile}`, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', outDir, xlsx], { timeout: 180_000 });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  const name = basename(xlsx).replace(/\.xlsx$/, '');
  const pdf = join(outDir, `${name}.pdf`);
  await run('pdftoppm', ['-png', '-r', '110', pdf, join(outDir, name)], { timeout: 120_000 });
  const pngs = readdirSync(outDir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort((a, b) => Number(/-(\d+)\.png$/.exec(a)?.[1]) - Number(/-(\d+)\.png$/.exec(b)?.[1]))
    .map((f) => join(outDir, f));
  return { pdf, pngs };
}

/** Pages of a PDF, from pdfinfo. */
export async function pdfPages(pdf: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [pdf]);
  return Number(/Pages:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
}
