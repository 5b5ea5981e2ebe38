/**
 * `npm run build`, after tsc: writes the console (its page, stylesheet and bundled script) to
 * `dist/local/console/`, where the built server reads it (`local/api/console-files.ts`).
 */
import { fileURLToPath } from 'node:url';
import { writeConsoleFiles } from '../local/api/console-files.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

await writeConsoleFiles(root('local/console/'), root('dist/local/console/'));
