// Runs dynalite in a worker thread of the local runtime, so that the embedded DynamoDB uses the
// machine's second core while staying inside the `npm start` process. Plain JavaScript: worker
// threads load it without a TypeScript loader.
//
// Requests come as messages, not HTTP: the SDK's request (headers and JSON body, exactly as it
// would go on the wire) is handed to dynalite's own HTTP request listener through a minimal
// request/response pair, so dynalite validates and answers it as it answers a socket, without the
// TCP and HTTP parsing on both sides (about half the CPU of a call). Messages:
//   -> { ready: true } once the store is open
//   <- { id, headers, body }            -> { id, statusCode, headers, body }
//   <- 'close'                          -> { closed: true } once the store is closed
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');

const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const [handleRequest] = server.listeners('request');

/** Answers one request through dynalite's request listener. */
function handle({ id, headers, body }) {
  const request = new EventEmitter();
  request.method = 'POST';
  request.url = '/';
  request.headers = headers;
  const responseHeaders = {};
  const response = {
    statusCode: 200,
    setHeader(name, value) {
      responseHeaders[name.toLowerCase()] = String(value);
    },
    end(text) {
      parentPort.postMessage({
        id,
        statusCode: response.statusCode,
        headers: responseHeaders,
        body: text ?? '',
      });
    },
  };
  handleRequest(request, response);
  request.emit('data', Buffer.from(body));
  request.emit('end');
}

parentPort.on('message', (message) => {
  if (message === 'close') {
    // dynalite's close shuts its store, then the server, which never listened: that is no error here.
    server.close((error) => {
      if (error && error.code !== 'ERR_SERVER_NOT_RUNNING') {
        parentPort.postMessage({ error: String(error.stack ?? error) });
      }
      parentPort.postMessage({ closed: true });
    });
    return;
  }
  handle(message);
});
parentPort.postMessage({ ready: true });
