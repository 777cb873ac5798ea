import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A platform fake on a free loopback port, with the long-poll plumbing both fakes share:
 * a poll waits until `wakePollers()` is called (new updates) or its timeout passes.
 */
export abstract class LocalHttpServer {
  private waiters: Array<() => void> = [];
  private server: Server | undefined;
  url = "";

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.wakePollers();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  protected wakePollers(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves on the next `wakePollers()` or after `timeoutMs`, like a long poll with no news. */
  protected waitForNews(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, timeoutMs);
    });
  }
}
