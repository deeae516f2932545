// Signed payment webhook calls for black-box tests (PROTOCOL.md §10).
import { signBody } from '../security/webhook-signature.ts';

export interface WebhookCall {
  /** Signs the raw body with this secret; absent: `signature` is sent as given (or no header). */
  secret?: string;
  signature?: string;
  /** The raw body; a non-string is JSON-encoded. */
  body: unknown;
}

/** POSTs to `{base}/api/v1/realtime/payments/webhook/{provider}`; `base` is http://127.0.0.1:PORT. */
export async function postWebhook(base: string, provider: string, call: WebhookCall): Promise<{ status: number; body: any }> {
  const raw = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const signature = call.secret !== undefined ? signBody(call.secret, raw) : call.signature;
  const res = await fetch(`${base}/api/v1/realtime/payments/webhook/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-haat-signature': signature }) },
    body: raw,
  });
  return { status: res.status, body: await res.json() };
}
