// A LibreTranslate stand-in for tests, on 127.0.0.1 port 0: it records every
// request and answers as the test's `answer` says (or never, to test timeouts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TranslateRequest {
  path: string;
  body: Record<string, unknown>;
}

export type FakeAnswer = { status: number; body: string; delayMs?: number } | 'hang';

export interface FakeLibreTranslate {
  url: string;
  requests: TranslateRequest[];
  answer: (req: TranslateRequest) => FakeAnswer;
  close(): Promise<void>;
}

export async function startFakeLibreTranslate(answer: (req: TranslateRequest) => FakeAnswer): Promise<FakeLibreTranslate> {
  const fake: FakeLibreTranslate = { url: '', requests: [], answer, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const r: TranslateRequest = { path: req.url ?? '', body: JSON.parse(text || '{}') as Record<string, unknown> };
      fake.requests.push(r);
      const a = fake.answer(r);
      if (a === 'hang') return;
      const send = (): void => void res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      if (a.delayMs === undefined) send();
      else setTimeout(send, a.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** Answers like LibreTranslate from a table of `q` → translatedText. */
export function fromTable(table: Record<string, string>): (req: TranslateRequest) => FakeAnswer {
  return (req) => {
    const t = table[String(req.body.q)];
    return t === undefined ? { status: 400, body: JSON.stringify({ error: `no translation for ${String(req.body.q)}` }) } : { status: 200, body: JSON.stringify({ translatedText: t }) };
  };
}
