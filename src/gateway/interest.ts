// Node interest: whether this node wants a channel's events at all. The hub
// watches a channel when it gets its first local subscriber and unwatches it
// after the last one leaves (Centrifuge's hub: first/last subscriber drives
// the broker subscription). Today the channel actor keeps the watchers; in a
// cluster it may be a subscription to the engine's channel bus.

export interface NodeInterest {
  watch(channel: string): void;
  unwatch(channel: string): void;
}
