// The bus message the append script publishes to a channel's topic:
// `<epoch> <offset> <at>\n<frame>`. The frame goes verbatim after the first
// newline (no second JSON encoding of an already encoded frame); epochs are
// nanoid strings and never hold a space or newline.
import type { BusEvent } from '../channel-bus.ts';

/**
 * The message as a Lua expression over a script's own arguments (Lua source
 * for each part): the append script builds it from the frame it was given,
 * so the frame travels to Redis once.
 */
export function busMessageLua(epoch: string, offset: string, at: string, frame: string): string {
  return `${epoch} .. ' ' .. ${offset} .. ' ' .. ${at} .. '\\n' .. ${frame}`;
}

/** Undefined when the message is not in this format (logged by the caller, never thrown into the subscriber). */
export function decodeBusMessage(channel: string, msg: string): BusEvent | undefined {
  const nl = msg.indexOf('\n');
  if (nl < 0) return undefined;
  const head = msg.slice(0, nl).split(' ');
  if (head.length !== 3) return undefined;
  const offset = Number(head[1]);
  const at = Number(head[2]);
  if (head[0] === '' || !Number.isSafeInteger(offset) || !Number.isFinite(at)) return undefined;
  return { channel, epoch: head[0]!, offset, at, frame: msg.slice(nl + 1) };
}
