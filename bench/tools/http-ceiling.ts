/**
 * `npm run bench:http-ceiling`: how fast autocannon can go on this machine against a
 * node:http server that answers a constant JSON body, i.e. the most any `--driver http`
 * run can show. Two placements: the server in this process (as `--driver http` runs the
 * service) and in a worker thread (its own event loop and core). About 3 s each.
 */
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { parseToolArgs, runIfMain } from '../cli/entry.ts';
import { mapAutocannonResult } from '../drivers/http-load.ts';

const DURATION_SEC = 3;
const CONNECTIONS = 16;
const BODY = JSON.stringify({ id: 1, version: 1, found: true, source: 'cache' });

/** The same server, as source for a worker thread (workers cannot load .ts without tsx). */
const SERVER_SOURCE = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = ${JSON.stringify(BODY)};
const server = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

async function measure(label: string, url: string): Promise<void> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SEC });
  const figures = mapAutocannonResult(result);
  console.log(
    `${label.padEnd(28)} ${Math.round(figures.requestsPerSec.mean).toString().padStart(7)} req/s  ` +
      `p50 ${figures.latencyMs.p50} ms  p99 ${figures.latencyMs.p99} ms  max ${figures.latencyMs.max} ms  ` +
      `(${figures.completed} responses, ${figures.errors} errors, ${CONNECTIONS} connections, ${figures.durationSec} s)`,
  );
}

async function inProcess(): Promise<void> {
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(BODY),
    });
    response.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  try {
    await measure('server in this process', `http://127.0.0.1:${address.port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function inWorker(): Promise<void> {
  const worker = new Worker(SERVER_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    await measure('server in a worker thread', `http://127.0.0.1:${port}`);
  } finally {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    await exited;
  }
}

async function main(): Promise<number> {
  if (parseToolArgs(process.argv.slice(2), {}) === 'help') {
    console.log(
      'usage: npm run bench:http-ceiling (no options): autocannon against a constant response, two placements',
    );
    return 0;
  }
  console.log(
    `autocannon ceiling: constant ${Buffer.byteLength(BODY)}-byte JSON response, node ${process.versions.node}`,
  );
  await inProcess();
  await inWorker();
  return 0;
}

runIfMain(import.meta.url, 'bench:http-ceiling', main);
