// The one place REST routes are registered: a thin wrapper over uWS's
// get/post/put/del that records every (method, path) it mounts, so that the
// REST document (openapi.ts) can be checked against what is really served
// (openapi.test.ts) without reading source text.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A mounted route; `path` is the uWS pattern (`/api/v1/realtime/auctions/:id`). */
export interface RouteRecord {
  method: HttpMethod;
  path: string;
}

export type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

export class Routes {
  readonly #app: TemplatedApp;
  readonly #records: RouteRecord[] = [];

  constructor(app: TemplatedApp) {
    this.#app = app;
  }

  /** Every route mounted so far, in mounting order. */
  get records(): readonly RouteRecord[] {
    return this.#records;
  }

  get(path: string, handler: Handler): this {
    this.#record('GET', path);
    this.#app.get(path, handler);
    return this;
  }

  post(path: string, handler: Handler): this {
    this.#record('POST', path);
    this.#app.post(path, handler);
    return this;
  }

  put(path: string, handler: Handler): this {
    this.#record('PUT', path);
    this.#app.put(path, handler);
    return this;
  }

  del(path: string, handler: Handler): this {
    this.#record('DELETE', path);
    this.#app.del(path, handler);
    return this;
  }

  #record(method: HttpMethod, path: string): void {
    if (this.#records.some((r) => r.method === method && r.path === path)) throw new Error(`route ${method} ${path} mounted twice`);
    this.#records.push({ method, path });
  }
}
