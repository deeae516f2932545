// The raw uWebSockets.js baseline (bench/baselines/uws-topic-server.ts):
// "sub" subscribes to topic "t"; any other message is published to it as is.
import { eventLikeFrame, type Protocol } from './protocol.ts';

const SUBSCRIBED = Buffer.from('subscribed');

export const uwsTopicProtocol: Protocol = {
  name: 'uws',
  subscriberUrl: (host, port) => `ws://${host}:${port}/`,
  publisherUrl: (host, port) => `ws://${host}:${port}/`,
  onSubscriberOpen(ws) {
    ws.send('sub');
    return 'none';
  },
  onSubscriberFrame: (_ws, frame) => (frame.equals(SUBSCRIBED) ? 'joined' : 'none'),
  onPublisherOpen: () => 'ready',
  onPublisherFrame: () => 'none',
  publishFrame: eventLikeFrame,
};
