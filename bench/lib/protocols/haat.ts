// haat's wire protocol v1 (/work/shared/PROTOCOL.md §1–§3): subscribers are
// guests that join one channel; a publisher holds a `publisher` JWT and sends
// broadcast_event, answered by a reply per request.
import type { ControlOutcome, Protocol } from './protocol.ts';

const AUTHENTICATED = Buffer.from('"type":"authenticated"');
const JOINED = Buffer.from('"type":"channels_joined"');
const NOTHING_DENIED = Buffer.from('"denied":[]');
const REPLY = Buffer.from('"type":"reply"');
const OK = Buffer.from('"ok":true');
const ERROR = Buffer.from('"type":"error"');

export const haatProtocol: Protocol = {
  name: 'haat',
  subscriberUrl: (host, port) => `ws://${host}:${port}/ws`,
  publisherUrl: (host, port, token) => `ws://${host}:${port}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`,
  // The server speaks first (authenticated); join after it.
  onSubscriberOpen: () => 'none',
  onSubscriberFrame(ws, frame, channel): ControlOutcome {
    if (frame.includes(AUTHENTICATED)) {
      ws.send(JSON.stringify({ type: 'join_channel', ref: 1, channels: [channel] }));
      return 'none';
    }
    if (frame.includes(JOINED)) return frame.includes(NOTHING_DENIED) ? 'joined' : { error: `join denied: ${frame.toString()}` };
    if (frame.includes(ERROR)) return { error: frame.toString() };
    return 'none';
  },
  onPublisherOpen: () => 'none',
  onPublisherFrame(_ws, frame): ControlOutcome {
    if (frame.includes(AUTHENTICATED)) return 'ready';
    if (frame.includes(REPLY)) return frame.includes(OK) ? 'ok' : { error: frame.toString() };
    if (frame.includes(ERROR)) return { error: frame.toString() };
    return 'none';
  },
  publishFrame: (channel, seq, t) => `{"type":"broadcast_event","ref":${seq},"channel":"${channel}","event_type":"bench","data":{"t":${t}}}`,
};
