// Commerce over REST (PROTOCOL.md §10, §7, §8): auctions and sales are created
// and confirmed by the server roles and read by anyone. Each call is an ask
// to the auction or sale actor that owns the id.
import { HaatError } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import { auctionAddress } from '../domain/auction/messages.ts';
import { saleAddress } from '../domain/sale/messages.ts';
import { auctionBody, auctionSpec, confirmBody, remindBody, saleBody, saleReminders, saleSpec } from './commerce-bodies.ts';
import { isServer } from './principal.ts';
import { resourceId } from './frames.ts';
import { parseBody, type RouteModuleDeps } from './rest.ts';

export interface CommerceRestDeps extends RouteModuleDeps {
  clock: Clock;
}

/** The `:id` of a route, checked like any other field. */
function idOf(params: string[], what: string): string {
  const id = params[0] ?? '';
  if (!resourceId.safeParse(id).success) throw new HaatError('bad_request', `${what} id must match [A-Za-z0-9_.-]{1,128}`);
  return id;
}

/** REST speaks the catalogue's generic 404 for a missing resource; frames keep the domain codes (§7, §8). */
async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof HaatError && (err.code === 'auction_not_found' || err.code === 'sale_not_found')) throw new HaatError('not_found', err.message, { cause: err });
    throw err;
  }
}

export function mountCommerceRest(d: CommerceRestDeps): void {
  const { app, actors, prefix, route } = d;
  const ask = <R>(address: string, msg: Record<string, unknown> & { type: string }): Promise<R> => actors.ask<R>(address, msg, { timeoutMs: d.askTimeoutMs });

  app.post(
    `${prefix}/auctions`,
    route(
      'server',
      async ({ body }) => {
        const spec = auctionSpec(parseBody(auctionBody, await body), d.clock.now());
        return { status: 201, body: await ask(auctionAddress(spec.id), { type: 'create', spec }) };
      },
      true,
    ),
  );
  app.get(
    `${prefix}/auctions/:id`,
    route('anyone', async ({ params }) => ({ status: 200, body: await orNotFound(ask(auctionAddress(idOf(params, 'auction')), { type: 'get' })) })),
  );

  app.post(
    `${prefix}/sales`,
    route(
      'server',
      async ({ body }) => {
        const b = parseBody(saleBody, await body);
        const now = d.clock.now();
        const spec = saleSpec(b, now);
        const remind = saleReminders(b, spec, now);
        return { status: 201, body: await ask(saleAddress(spec.id), remind === undefined ? { type: 'create', spec } : { type: 'create', spec, remind }) };
      },
      true,
    ),
  );
  app.get(`${prefix}/sales/:id`, route('anyone', async ({ params }) => ({ status: 200, body: await orNotFound(ask(saleAddress(idOf(params, 'sale')), { type: 'get' })) })));
  // A signed-in user asks to be told when the sale starts; the server roles may register others.
  app.post(
    `${prefix}/sales/:id/remind`,
    route(
      'anyone',
      async ({ principal, params, body }) => {
        const id = idOf(params, 'sale');
        if (principal.userId === null) throw new HaatError('unauthorized', 'a bearer token is required');
        const b = parseBody(remindBody, await body);
        if ((b.user_ids !== undefined || b.discount_percentage !== undefined) && !isServer(principal)) throw new HaatError('forbidden', 'only the server roles may give user_ids or discount_percentage');
        const msg = { type: 'remind', user_ids: b.user_ids ?? [principal.userId], ...(b.discount_percentage === undefined ? {} : { discount_percentage: b.discount_percentage }) };
        return { status: 200, body: await orNotFound(ask(saleAddress(id), msg)) };
      },
      true,
    ),
  );
  app.post(
    `${prefix}/sales/:id/confirm`,
    route(
      'server',
      async ({ params, body }) => {
        const id = idOf(params, 'sale');
        const b = parseBody(confirmBody, await body);
        return { status: 200, body: await orNotFound(ask(saleAddress(id), { type: 'confirm', reservation_id: b.reservation_id })) };
      },
      true,
    ),
  );
}
