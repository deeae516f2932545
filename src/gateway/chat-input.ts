// A chat message as it enters (send_message frame or POST messages): markup
// removed, then the 4,000-character limit (PROTOCOL.md §10), before it goes
// to the room actor.
import type { OutgoingChat } from '../domain/chat/messages.ts';
import { checkMessageText } from '../domain/chat/rules.ts';
import { sanitizeText } from './sanitize.ts';

export interface ChatFields {
  message: string;
  message_type?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  client_msg_id?: string | undefined;
}

export function chatInput(f: ChatFields): OutgoingChat {
  const message = sanitizeText(f.message);
  const invalid = checkMessageText(message);
  if (invalid) throw invalid;
  const chat: OutgoingChat = { message, message_type: f.message_type ?? 'text', metadata: f.metadata ?? {} };
  if (f.client_msg_id !== undefined) chat.client_msg_id = f.client_msg_id;
  return chat;
}
