// Runs dynalite in a worker thread of the local runtime, so that the embedded DynamoDB uses the
// machine's second core while staying inside the `npm start` process. Plain JavaScript: worker
// threads load it without a TypeScript loader. Messages: -> { port } once listening;
// <- 'close' to stop.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');

const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.on('error', (error) => parentPort.postMessage({ error: String(error?.stack ?? error) }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
