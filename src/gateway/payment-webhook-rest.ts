// POST payments/webhook/:provider (PROTOCOL.md §10 Commerce): a payment
// provider tells haat about a payment. The call is authenticated by the HMAC
// of its raw body with the provider's secret (no bearer token); a refused
// signature is 401 and a `bad_signature` security event. The payment actor of
// `provider:payment_id` decides whether it is new (published: an event on
// `order:{order_id}` and a notification to the user) or a duplicate.
import type { ClientIps } from '../security/client-ip.ts';
import type { Logger } from 'pino';
import { z } from 'zod';
import { forClient, HaatError } from '../errors.ts';
import type { WebhooksConfig } from '../config/schema.ts';
import { toPaisa } from '../domain/commerce/money.ts';
import { isWebhookProvider, PAYMENT_STATUSES, paymentAddress, type Payment, type ProcessAnswer, type WebhookProvider } from '../domain/payment/messages.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { SecurityLog } from '../security/security-log.ts';
import { signatureProblem } from '../security/webhook-signature.ts';
import { resourceId, takaAmount } from './frames.ts';
import { readRaw, sendError, sendJson, track } from './http.ts';
import { parseBody, type RouteModuleDeps } from './rest.ts';

/** A webhook body is small; anything larger is not a provider's call. */
const MAX_WEBHOOK_BODY = 16 * 1024;

/** Members a provider adds beyond these are ignored (as for frames, PROTOCOL.md §2). */
export const webhookBody = z.object({
  payment_id: resourceId,
  order_id: resourceId,
  user_id: resourceId,
  amount: takaAmount,
  status: z.enum(PAYMENT_STATUSES),
});

export interface PaymentWebhookDeps extends Omit<RouteModuleDeps, 'route'> {
  secrets: WebhooksConfig['secrets'];
  securityLog: SecurityLog;
  clientIps: ClientIps;
  logger: Logger;
  metrics: Metrics;
}

export function mountPaymentWebhook(d: PaymentWebhookDeps): void {
  const log = d.logger.child({ mod: 'payment-webhook' });

  /** The payment of a signed call, or the error that refuses it. */
  function paymentOf(provider: WebhookProvider, raw: Buffer, signature: string, ip: string): Payment {
    const secret = d.secrets[provider];
    const problem = secret === null ? `no secret is configured for ${provider} (HAAT_WEBHOOK_SECRET_${provider.toUpperCase()})` : signatureProblem(secret, raw, signature);
    if (problem !== undefined) {
      log.warn({ security: true, event: 'bad_signature', provider, ip, detail: problem }, 'security event');
      d.securityLog.record({ kind: 'bad_signature', user_id: null, session_id: null, ip, detail: `${provider} webhook: ${problem}` });
      throw new HaatError('unauthorized', `${provider} webhook: bad signature`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new HaatError('bad_request', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    const b = parseBody(webhookBody, json);
    return { provider, payment_id: b.payment_id, order_id: b.order_id, user_id: b.user_id, amount: toPaisa(b.amount)!, status: b.status };
  }

  d.app.post(`${d.prefix}/payments/webhook/:provider`, (res, req) => {
    const r = track(res);
    // req is invalid after this callback returns: read what is needed now.
    const provider = req.getParameter(0) ?? ''; // the providers' names need no decoding; anything else is not one
    const signature = req.getHeader('x-haat-signature');
    const ip = d.clientIps.of(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for'));
    if (!isWebhookProvider(provider)) {
      sendError(r, new HaatError('not_found', `no payment provider ${JSON.stringify(provider)} (bkash, nagad, rocket)`));
      return;
    }
    readRaw(r, MAX_WEBHOOK_BODY)
      .then(async (raw) => {
        const payment = paymentOf(provider, raw, signature, ip);
        const answer = await d.actors.ask<ProcessAnswer>(paymentAddress(provider, payment.payment_id), { type: 'process', payment }, { timeoutMs: d.askTimeoutMs });
        if (answer.differs.length > 0) {
          log.warn({ provider, payment_id: payment.payment_id, differs: answer.differs }, 'a repeated payment_id came with a different body: answered as a duplicate, nothing published');
        }
        return answer;
      })
      .then(
        (answer) => sendJson(r, 200, { ok: true, duplicate: answer.duplicate }),
        (err: unknown) => {
          const e = forClient(err);
          if (e.code === 'internal') log.error({ err, id: e.id }, 'payment webhook failed');
          d.metrics.errors.labels(e.code).inc();
          sendError(r, e);
        },
      );
  });
}
