import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournaledStore } from './json-store';

const writer = fileURLToPath(new URL('./test-fixtures/store-writer.ts', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `atLeast` records (and a random bit more), then kill -9. */
function writeThenKill(file: string, atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: string[] = [];
    let buffered = '';
    let target = Infinity;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line !== 'ready') acked.push(line);
      if (target === Infinity && acked.length >= atLeast) {
        target = 0;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 50);
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited by itself (${signal})`))));
  });
}

describe('journaled store under kill -9', () => {
  it('every acknowledged write survives kill -9, through compactions, three times over; the store reopens each time', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sso-store-crash-'));
    dirs.push(dir);
    const file = path.join(dir, 'app1.json');
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      acknowledged.push(...(await writeThenKill(file, 1500 * (round + 1))));
      const store = await openJournaledStore<{ items: { id: string } }>({ file, collections: { items: (r) => r.id } });
      const lost = acknowledged.filter((id) => !store.maps.items.has(id));
      expect(lost).toEqual([]);
      // This process now holds the lock (the killed writer's was stale): let the next writer have it.
      await rm(`${file}.lock`);
    }
    // The writer compacted (60 kB threshold): a snapshot exists and covers a later journal.
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(file, 'utf8')).journal).toBeGreaterThan(1);
  }, 60_000);
});
