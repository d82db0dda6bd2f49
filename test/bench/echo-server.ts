/**
 * The TCP echo baseline's server, run as a child process: accepts connections on 127.0.0.1
 * (port 0) and writes every byte it reads straight back, so the load client gets its own frames
 * back with no protocol work in between. Prints "echo listening on <port>" once ready; stops on
 * SIGTERM or after --max-ms (default 10 min).
 */
import { createServer } from 'node:net';

const maxMsIndex = process.argv.indexOf('--max-ms');
const maxMs = maxMsIndex > 0 ? Number(process.argv[maxMsIndex + 1]) : 600_000;

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk: Buffer) => socket.write(chunk));
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`echo listening on ${port}\n`);
});
const stop = (): void => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
setTimeout(stop, maxMs).unref();
