/**
 * The reducer's public entry: `decide(execution, event, env)`. The reducer itself lives in
 * `./decide/`, one module per state type and per concern (see `./decide/index.ts`).
 */
export * from './decide/index.js';
