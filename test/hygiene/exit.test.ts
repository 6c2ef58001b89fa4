/**
 * Resource hygiene, end to end: a child process opens readers on the emulator every way
 * the library offers, uses them, closes them (`child-script.ts`), and must then exit by
 * itself, quickly: a timer, a read loop or a listener left behind would keep it alive.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./child-script.ts', import.meta.url));
/** After printing "closed", the child must be gone within this (process teardown only). */
const EXIT_WITHIN_MS = 3000;

it('a process that opened, used and closed readers exits on its own', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let closedAt: number | undefined;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (closedAt === undefined && out.includes('closed ')) closedAt = performance.now();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = await new Promise<{ code: number | null; hung: boolean }>((resolve) => {
    const timer = setInterval(() => {
      if (closedAt !== undefined && performance.now() - closedAt > EXIT_WITHIN_MS) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve({ code: null, hung: true });
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, hung: false });
    });
  });
  expect(err).toBe('');
  expect(out).toContain('closed ');
  const line = JSON.parse(out.slice(out.indexOf('closed ') + 7).split('\n')[0]!) as { states: string[]; resources: string[] };
  expect(exit.hung, `still running ${EXIT_WITHIN_MS} ms after closing; active then: ${line.resources.join(', ')}`).toBe(false);
  expect(exit.code).toBe(0);
  expect(line.states).toEqual(['closed', 'closed', 'closed', 'closed']);
  // Nothing of the library's is left: no timer, no pending transfer (stdio pipes are the test's).
  expect(line.resources.filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap')).toEqual([]);
}, 60_000);
