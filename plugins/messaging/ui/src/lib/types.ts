// The shapes the messaging routes answer (plugins/messaging/src/domain/views.ts).
export type Channel = 'telegram' | 'whatsapp' | 'facebook' | 'instagram' | 'email' | 'sms';
export const CHANNELS: Channel[] = ['telegram', 'whatsapp', 'instagram', 'facebook', 'email', 'sms'];
export type ConversationStatus = 'open' | 'pending' | 'resolved';
export type MessageStatus = 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'unknown' | 'canceled';
export type Consent = 'unknown' | 'granted' | 'opted_out';

export interface Identity {
  id: string;
  kind: 'telegram' | 'whatsapp' | 'facebook' | 'instagram' | 'email' | 'phone';
  value: string;
  display: string | null;
  username: string | null;
  consent: Consent;
  consentAt?: string | null;
  consentSource?: string | null;
}

export interface Conversation {
  id: string;
  status: ConversationStatus;
  assigneeId: string | null;
  team: string | null;
  labels: string[];
  unread: number;
  lastMessageAt: string | null;
  lastInboundAt: string | null;
  lastPreview: string | null;
  lastDirection: 'in' | 'out' | null;
  windowClosesAt: string | null;
  account: { id: string; name: string; channel: Channel; adapter: string; status: string };
  contact: { id: string; name: string; locale: string | null };
  identity: Identity;
  version: number;
}

export interface Attachment { kind?: string; name?: string; mimeType?: string; size?: number; fileId?: string; ref?: string; text?: string }
export interface Button { id: string; text: string; url?: string }

export interface Message {
  id: string;
  conversationId: string;
  direction: 'in' | 'out';
  kind: 'text' | 'template' | 'media' | 'button';
  text: string | null;
  html: string | null;
  subject: string | null;
  attachments: Attachment[];
  buttons: Button[];
  buttonId: string | null;
  template: { name: string; locale: string } | null;
  startPayload: string | null;
  replyToId: string | null;
  status: MessageStatus;
  error: { code: string; reason: string; message: string } | null;
  parts: number;
  notBefore: string | null;
  createdBy: string | null;
  senderPlugin: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
  purgedAt: string | null;
}

export interface Contact {
  id: string;
  name: string;
  locale: string | null;
  note: string | null;
  mergedInto: string | null;
  identities: Identity[];
  conversations?: { id: string; accountId: string; identityId: string; status: ConversationStatus; lastMessageAt: string | null }[];
  version: number;
  createdAt: string;
}

export interface Account {
  id: string;
  adapter: string;
  channel: Channel;
  name: string;
  config: Record<string, unknown>;
  secretsSet: string[];
  status: 'new' | 'connected' | 'pending' | 'error' | 'disabled';
  inbound: 'webhook' | 'polling' | 'none';
  identity: { id?: string; name?: string; username?: string };
  note: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  connectedAt: string | null;
  isDefault: boolean;
  webhookUrl: string | null;
  version: number;
  qr?: { value: string; kind: 'data-url' | 'text' };
}

export interface AdapterDescription {
  key: string;
  pluginId: string;
  displayName: string;
  channels: Channel[];
  polling: boolean;
  webhooks: boolean;
  sessions: boolean;
  configSchema: JsonSchema;
  secretsSchema: JsonSchema;
}

export type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; anyOf?: JsonSchema[]; const?: unknown; pattern?: string; maxLength?: number; minLength?: number; minimum?: number; maximum?: number; default?: unknown; description?: string };

export type VariableType = 'text' | 'number' | 'date' | 'datetime' | 'money' | 'url';
export interface TemplateVariable { name: string; type: VariableType; required?: boolean; description?: string }
export interface TemplateVariant { id?: string; channel: '*' | Channel; locale: 'ru' | 'uk' | 'kk' | 'en'; subject?: string | null; body: string; buttons?: Button[]; providerTemplate?: { name: string; language: string; parameters?: string[] } | null }
export interface Template {
  id: string;
  name: string;
  description: string;
  category: 'utility' | 'marketing' | 'authentication' | 'service';
  variables: TemplateVariable[];
  variants: TemplateVariant[];
  archived: boolean;
  version: number;
}
export interface PluginInfo { id: string; state: string; version: string; displayName?: Record<string, string>; provides?: string[]; settings?: Record<string, unknown> }
