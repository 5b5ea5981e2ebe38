/**
 * One Lambda execution environment for a bundled Node.js function, as a child process of a local
 * deployment (see `lambda-process.ts`): the process environment is the function's,
 * the working directory its code, and the handler is loaded by Node's own ESM loader, as the
 * Lambda Node.js runtime loads it.
 *
 *   node lambda-host.mjs <code directory> <handler, e.g. index.handler>
 *
 * Protocol over the IPC channel: the host sends `{ type: 'ready' }` once the module is loaded (the
 * init phase), or `{ type: 'init-error', error }`; then answers each `{ type: 'invoke', id, event,
 * context }` with `{ type: 'result', id, ok, value | error }`, one invocation at a time.
 */
/* global process */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [codeDirectory, handlerSetting] = process.argv.slice(2);

/** An error as JSON: what the Lambda runtime reports (`errorType`, `errorMessage`, stack). */
function serialize(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/** Loads the handler as the Lambda Node.js runtime does: `<module>.<export>`, `.js`, `.mjs` or `.cjs`. */
async function loadHandler() {
  const dot = handlerSetting.lastIndexOf('.');
  const moduleName = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => join(codeDirectory, `${moduleName}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (file === undefined) {
    throw Object.assign(new Error(`Cannot find module '${moduleName}' in ${codeDirectory}`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  const loaded = await import(pathToFileURL(file).href);
  const handler = loaded[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSetting} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

let handler;
try {
  handler = await loadHandler();
  process.send({ type: 'ready' });
} catch (error) {
  process.send({ type: 'init-error', error: serialize(error) });
}

// The deployment that started this environment is gone (stopped, or killed): so is the environment.
process.on('disconnect', () => process.exit(0));

process.on('message', async (message) => {
  if (message?.type !== 'invoke' || handler === undefined) return;
  const { id, event, context: fields } = message;
  const unsupported = (name) => () => {
    throw new Error(`context.${name}() is not supported: the handler is async`);
  };
  const context = {
    ...fields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, fields.deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
  delete context.deadline;
  try {
    const value = await handler(event, context);
    process.send({ type: 'result', id, ok: true, value: value === undefined ? null : value });
  } catch (error) {
    process.send({ type: 'result', id, ok: false, error: serialize(error) });
  }
});
