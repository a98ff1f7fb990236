import { splitText, type ChannelLimits, type OutboundButton } from '@atrium/sdk/messaging';

/** What one message holds before it is cut into provider messages. */
export interface Content {
  text: string | null;
  subject?: string | null;
  html?: string | null;
  buttons: OutboundButton[];
  /** Attachment indexes refer to the message's `attachments`. */
  attachments: { name: string; mimeType: string }[];
  providerTemplate?: { name: string; language: string; parameters: { type: 'text'; text: string }[] } | null;
}

/** One provider message of a message. */
export interface PlannedPart {
  text?: string;
  subject?: string;
  html?: string;
  buttons?: OutboundButton[];
  /** Indexes into `Content.attachments`. */
  media?: number[];
  caption?: string;
  providerTemplate?: Content['providerTemplate'];
}

/**
 * Cuts a message into the provider messages a channel can take: an approved template is one; files
 * go `perMessage` at a time (the text as the first one's caption when it fits and there are no
 * buttons); the text is split at `textMaxLength`; buttons ride on the last text part. Deterministic:
 * the send path plans again at dispatch and gets the same parts.
 */
export function planParts(content: Content, limits: ChannelLimits): PlannedPart[] {
  if (content.providerTemplate) return [{ providerTemplate: content.providerTemplate, ...(content.buttons.length ? { buttons: content.buttons } : {}) }];
  const parts: PlannedPart[] = [];
  let text = content.text?.trim() ?? '';
  const rich = limits.rich;
  const perMessage = Math.max(1, limits.media?.perMessage ?? 1);
  const files = content.attachments.map((_, i) => i);
  if (rich?.subject || rich?.html) {
    // e-mail: one message with everything (its size limit is the provider's)
    const one: PlannedPart = { text, ...(content.subject ? { subject: content.subject } : {}), ...(content.html ? { html: content.html } : {}) };
    if (files.length) one.media = files;
    if (content.buttons.length) one.buttons = content.buttons;
    return [one];
  }
  for (let i = 0; i < files.length; i += perMessage) {
    const part: PlannedPart = { media: files.slice(i, i + perMessage) };
    if (i === 0 && text && !content.buttons.length && limits.captionMaxLength && text.length <= limits.captionMaxLength) {
      part.caption = text;
      text = '';
    }
    parts.push(part);
  }
  const chunks = text ? splitText(text, limits.textMaxLength) : [];
  chunks.forEach((chunk, i) => parts.push({ text: chunk, ...(i === chunks.length - 1 && content.buttons.length ? { buttons: content.buttons } : {}) }));
  if (!chunks.length && content.buttons.length) {
    // buttons need a text to hang on
    parts.push({ text: '·', buttons: content.buttons });
  }
  return parts;
}

/**
 * Buttons on a channel without them become lines of text ("1. Confirm"), so the person can still
 * answer; link buttons keep their link.
 */
export function buttonsAsText(text: string, buttons: OutboundButton[]): string {
  if (!buttons.length) return text;
  const lines = buttons.map((b, i) => `${i + 1}. ${b.text}${b.url ? ` — ${b.url}` : ''}`);
  return [text.trim(), lines.join('\n')].filter(Boolean).join('\n\n');
}
