/**
 * The console's files as the browser gets them: the page (`index.html`), its stylesheet and its
 * script, `console.js` — `local/console/console.ts` bundled by esbuild with the pure modules it
 * imports (graph model, statuses, durations, the API client).
 *
 * Two ways to run, one set of URLs:
 * - from the package (`dist/`): `npm run build` wrote the bundle, the page and the stylesheet to
 *   `dist/local/console/` ({@link writeConsoleFiles}); they are read as they are, so a user of the
 *   built package needs no devDependency at runtime;
 * - from source (`npm start` with tsx, vitest): the bundle is made from the sources on each request
 *   with esbuild (a devDependency, there whenever tsx is), so an edit shows on reload.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files the console is made of, by the name the browser asks for (`/console/<name>`, `/`). */
export const CONSOLE_FILES = ['index.html', 'console.css', 'console.js'] as const;
export type ConsoleFile = (typeof CONSOLE_FILES)[number];

/** The bundled script, and the source it is bundled from. */
const SCRIPT: ConsoleFile = 'console.js';
const SCRIPT_SOURCE = 'console.ts';

/** `local/console/` next to this module: the sources, or in `dist/` what the build wrote. */
const consoleDir = fileURLToPath(new URL('../console/', import.meta.url));
/** True when this module runs from its TypeScript source (tsx, vitest) rather than from `dist/`. */
const fromSource = import.meta.url.endsWith('.ts');

/** True when `name` is one of {@link CONSOLE_FILES}. */
export function isConsoleFile(name: string): name is ConsoleFile {
  return (CONSOLE_FILES as readonly string[]).includes(name);
}

/** The content of one console file. Rejects when it cannot be read or (from source) bundled. */
export async function readConsoleFile(name: ConsoleFile): Promise<Buffer | string> {
  if (name === SCRIPT && fromSource) return bundleConsole(consoleDir);
  return readFile(join(consoleDir, name));
}

/**
 * Writes the console's files to `outDir` (the build's `dist/local/console/`): the script bundled,
 * the others copied from `sourceDir`.
 */
export async function writeConsoleFiles(sourceDir: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const name of CONSOLE_FILES) {
    if (name === SCRIPT) await writeFile(join(outDir, name), await bundleConsole(sourceDir));
    else await copyFile(join(sourceDir, name), join(outDir, name));
  }
}

/**
 * `console.ts` and what it imports as one ES module for the browser. esbuild is loaded only here:
 * it is a devDependency, needed to build the package or to run from source, never by `dist/`.
 */
async function bundleConsole(sourceDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(sourceDir, SCRIPT_SOURCE)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The same tsconfig as `npm run lint` checks the console with.
    tsconfig: join(sourceDir, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${SCRIPT_SOURCE}`);
  return output.text;
}
