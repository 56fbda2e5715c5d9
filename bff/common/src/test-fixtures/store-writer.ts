/**
 * Child process for the kill -9 test of the journaled store: writes records
 * as fast as it can, compacting often, and prints each key once its commit
 * resolved (acknowledged). The parent kills it mid-stream.
 */
import { openJournaledStore } from '../json-store';

const [file, compactAfter] = process.argv.slice(2) as [string, string];
const store = await openJournaledStore<{ items: { id: string; n: number; pad: string } }>({
  file,
  collections: { items: (r) => r.id },
  compactAfterBytes: Number(compactAfter),
});
const pad = 'x'.repeat(200);
let n = store.maps.items.size;
process.stdout.write('ready\n');
for (;;) {
  const batch = Array.from({ length: 20 }, () => `k${n++}`);
  await Promise.all(
    batch.map(async (id, i) => {
      store.put('items', { id, n: i, pad });
      // Rewrite older records too, so compaction races changes to records it has already captured.
      const older = store.maps.items.get(`k${Math.floor(Math.random() * n)}`);
      if (older) store.put('items', { ...older, n: older.n + 1 });
      await store.commit();
      process.stdout.write(`${id}\n`);
    }),
  );
}
