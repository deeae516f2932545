// What a campaign actor (`campaign:{id}`) handles: a publisher's festival or
// promotional campaign, created once, fired once at its window's start by a
// persisted reminder (README "Prayer times, festivals and Bengali dates").
import type { ReminderMessage } from '../../actors/behaviour.ts';
import type { CampaignSpec } from './rules.ts';

export type CampaignMessage =
  /** POST campaigns: answers the view, or `conflict` when the id exists. */
  | { type: 'create'; spec: CampaignSpec }
  /** GET campaigns/:id: answers the view, or `not_found`. */
  | { type: 'get' }
  | ReminderMessage;

export function campaignAddress(id: string): string {
  return `campaign:${id}`;
}
