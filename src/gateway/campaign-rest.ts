// Campaigns over REST (README "Prayer times, festivals and Bengali dates"):
// the server roles create and read them; each call is an ask to the campaign
// actor that owns the id.
import { HaatError } from '../errors.ts';
import type { Clock } from '../time/clock.ts';
import { campaignAddress } from '../domain/campaign/messages.ts';
import { campaignBody, campaignSpec } from './campaign-bodies.ts';
import { resourceId } from './frames.ts';
import { parseBody, type RouteModuleDeps } from './rest.ts';

export interface CampaignRestDeps extends RouteModuleDeps {
  clock: Clock;
}

export function mountCampaignRest(d: CampaignRestDeps): void {
  const { app, actors, prefix, route } = d;
  const ask = <R>(id: string, msg: Record<string, unknown> & { type: string }): Promise<R> => actors.ask<R>(campaignAddress(id), msg, { timeoutMs: d.askTimeoutMs });

  app.post(
    `${prefix}/campaigns`,
    route(
      'server',
      async ({ body }) => {
        const spec = campaignSpec(parseBody(campaignBody, await body), d.clock.now());
        return { status: 201, body: await ask(spec.id, { type: 'create', spec }) };
      },
      true,
    ),
  );
  app.get(
    `${prefix}/campaigns/:id`,
    route('server', async ({ params }) => {
      const id = params[0] ?? '';
      if (!resourceId.safeParse(id).success) throw new HaatError('bad_request', 'campaign id must match [A-Za-z0-9_.-]{1,128}');
      return { status: 200, body: await ask(id, { type: 'get' }) };
    }),
  );
}
