/** The headless Chromium the browser tests drive, found without a manual step on a new machine. */
import { accessSync, constants } from 'node:fs';

/** Debian's chromium package; `.ci/run` installs it (`apt-get install -y chromium`). */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive: `BATON_CHROMIUM` if set (a path; `bundled` forces the npm one), else
 * /usr/bin/chromium when it is there and executable, else the headless build of the
 * `@sparticuz/chromium` devDependency (extracted to the temp directory on first use).
 */
export async function findChromium(): Promise<{ executablePath: string; args: string[] }> {
  const wanted = process.env['BATON_CHROMIUM'];
  if (wanted && wanted !== 'bundled') return { executablePath: wanted, args: FLAGS };
  if (wanted !== 'bundled' && isExecutable(SYSTEM_CHROMIUM)) {
    return { executablePath: SYSTEM_CHROMIUM, args: FLAGS };
  }
  const { default: bundled } = await import('@sparticuz/chromium');
  const executablePath = await bundled.executablePath();
  // Its own flags (headless shell, SwiftShader) without the duplicates of ours, and not
  // --single-process: with it the browser dies now and then when a page closes.
  const own = bundled.args.filter((flag) => !flag.startsWith('--headless') && flag !== '--single-process');
  return { executablePath, args: [...new Set([...own, ...FLAGS.filter((flag) => flag !== '--headless')])] };
}
