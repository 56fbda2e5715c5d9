import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type ConfigEnv, type UserConfig } from 'vite';
import { defineSpaConfig } from '../shared/vite-app-config';

const root = path.dirname(fileURLToPath(import.meta.url));
const spa = defineSpaConfig({ root, app: 1, devPort: 5171 }) as (env: ConfigEnv) => UserConfig;

type ModuleInfo = { importedIds: readonly string[]; isEntry: boolean } | null;

/**
 * Every module the entry imports statically, however deep, goes into one
 * chunk: what the first page needs arrives as the entry plus that chunk.
 * Left to itself, rolldown 1.2 groups modules by which lazy routes also use
 * them and splits the first page into several preloaded chunks that
 * compress worse (rolldown#9963, #10731); each new lazy import (a passkey
 * button's, a route's) made it split again. Lazy routes import from this
 * chunk as they did from the entry.
 */
function firstPageChunk() {
  let firstPage: Set<string> | null = null;
  return (id: string, ctx: { getModuleInfo(id: string): ModuleInfo }): string | null => {
    if (!firstPage) {
      firstPage = new Set();
      const entry = path.join(root, 'src/main.tsx');
      const stack = [...(ctx.getModuleInfo(entry)?.importedIds ?? [])];
      while (stack.length) {
        const next = stack.pop()!;
        if (firstPage.has(next)) continue;
        firstPage.add(next);
        stack.push(...(ctx.getModuleInfo(next)?.importedIds ?? []));
      }
    }
    // Rolldown's runtime helpers too: every chunk needs them, the first page first.
    return firstPage.has(id) || id.includes('rolldown/runtime') ? 'first-page' : null;
  };
}

export default defineConfig((env) =>
  mergeConfig(spa(env), {
    build: { rolldownOptions: { output: { codeSplitting: { groups: [{ name: firstPageChunk() }] } } } },
  } satisfies UserConfig),
);
