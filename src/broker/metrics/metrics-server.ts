/**
 * The broker's Prometheus endpoint: GET /metrics on a small node:http server. Other paths
 * answer 404, other methods 405. Connections are capped and short-lived, and concurrent
 * scrapes share one rendering, so a scraper storm costs the coordinator one render at a time.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export const METRICS_PATH = '/metrics';
const MAX_CONNECTIONS = 32;
const REQUEST_TIMEOUT_MS = 30_000;

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  contentType: string;
  render: () => Promise<string>;
  logger: Logger;
  maxConnections?: number;
}

export class MetricsServer {
  private readonly server: Server;
  private readonly options: MetricsServerOptions;
  private rendering: Promise<string> | undefined;
  private closing: Promise<void> | undefined;
  private boundPort = 0;

  private constructor(options: MetricsServerOptions) {
    this.options = options;
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
    this.server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.server.headersTimeout = Math.min(10_000, REQUEST_TIMEOUT_MS);
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens on host:port; rejects (e.g. EADDRINUSE) without leaving a server behind. */
  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const metrics = new MetricsServer(options);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      metrics.server.once('error', onError);
      metrics.server.listen(options.port, options.host, () => {
        metrics.server.off('error', onError);
        metrics.boundPort = (metrics.server.address() as AddressInfo).port;
        resolve();
      });
    });
    metrics.server.on('error', (error) =>
      options.logger.error({ err: error }, 'metrics server failed'),
    );
    return metrics;
  }

  get port(): number {
    return this.boundPort;
  }

  /** http://host:port/metrics */
  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}${METRICS_PATH}`;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== METRICS_PATH) return plain(response, 404, 'not found; try /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return plain(response, 405, 'method not allowed\n');
    }
    this.rendering ??= this.options.render().finally(() => (this.rendering = undefined));
    this.rendering.then(
      (text) => {
        response.writeHead(200, {
          'Content-Type': this.options.contentType,
          'Content-Length': Buffer.byteLength(text),
        });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        this.options.logger.error({ err: error }, 'rendering metrics failed');
        plain(response, 500, 'rendering metrics failed\n');
      },
    );
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
