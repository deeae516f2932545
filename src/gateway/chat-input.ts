// A chat message as it enters (send_message frame or POST messages): markup
// removed from everything other participants get (the text, its type, its
// metadata, its client_msg_id), then the 4,000-character limit of PROTOCOL.md
// §10 on the characters the sender wrote (the escaping of `&` does not count),
// before it goes to the room actor.
import type { OutgoingChat } from '../domain/chat/messages.ts';
import { checkMessageText } from '../domain/chat/rules.ts';
import { sanitizeText, stripMarkup, stripMarkupDeep, visibleLength } from './sanitize.ts';

export interface ChatFields {
  message: string;
  message_type?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  client_msg_id?: string | undefined;
}

export function chatInput(f: ChatFields): OutgoingChat {
  const message = sanitizeText(f.message);
  const invalid = checkMessageText(message, visibleLength(message));
  if (invalid) throw invalid;
  const messageType = f.message_type === undefined ? 'text' : stripMarkup(f.message_type).trim() || 'text';
  const chat: OutgoingChat = { message, message_type: messageType, metadata: f.metadata === undefined ? {} : (stripMarkupDeep(f.metadata) as Record<string, unknown>) };
  const clientMsgId = f.client_msg_id === undefined ? '' : stripMarkup(f.client_msg_id);
  if (clientMsgId !== '') chat.client_msg_id = clientMsgId;
  return chat;
}
