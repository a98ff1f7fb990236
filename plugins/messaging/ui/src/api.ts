import type { AtriumHttp, Page } from '@atrium/sdk/ui';
import type { Account, AdapterDescription, Contact, Conversation, ConversationStatus, Message, PluginInfo, Template, TemplateVariable, TemplateVariant } from './lib/types.ts';

export type ConversationFilters = { status?: ConversationStatus; channel?: string; accountId?: string; assignee?: string; label?: string; unread?: boolean; q?: string; limit?: number; offset?: number };
export type SendBody = { text?: string; template?: { name: string; variables?: Record<string, unknown>; locale?: string }; buttons?: { id: string; text: string; url?: string }[]; attachments?: { fileId: string; name: string; mimeType: string }[]; subject?: string };

// The messaging plugin's REST routes (plugins/messaging/src/services, README "API").
export function messagingApi(http: AtriumHttp) {
  const base = '/api/messaging';
  const id = (x: string) => encodeURIComponent(x);
  const clean = (q: Record<string, unknown>) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Record<string, string | number | boolean>;
  return {
    conversations: (f: ConversationFilters, signal?: AbortSignal) => http.get<Page<Conversation>>(`${base}/conversations`, clean(f), signal),
    counts: () => http.get<{ unread: number; open: number; pending: number; resolved: number; mine: number }>(`${base}/conversations/counts`),
    conversation: (x: string) => http.get<Conversation>(`${base}/conversations/${id(x)}`),
    messages: (x: string, before?: string) => http.get<{ items: Message[]; hasMore: boolean }>(`${base}/conversations/${id(x)}/messages`, clean({ before, limit: 50 })),
    /** One key per message the person typed: pressing "send" again after a lost answer sends it once. */
    reply: (x: string, body: SendBody, key: string) => http.post<Message>(`${base}/conversations/${id(x)}/messages`, body, { headers: { 'Idempotency-Key': key } }),
    read: (x: string) => http.post<{ ok: true }>(`${base}/conversations/${id(x)}/read`, {}),
    update: (x: string, body: { version: number; status?: ConversationStatus; assigneeId?: string | null; labels?: string[]; team?: string | null }) => http.patch<Conversation>(`${base}/conversations/${id(x)}`, body),
    retry: (messageId: string) => http.post<{ id: string; status: string }>(`${base}/outbound/messages/${id(messageId)}/retry`, {}),
    contacts: (q: { q?: string; limit?: number; offset?: number; optedOut?: boolean }) => http.get<Page<Contact>>(`${base}/contacts`, clean(q)),
    contact: (x: string) => http.get<Contact>(`${base}/contacts/${id(x)}`),
    updateContact: (x: string, body: { version: number; name?: string; locale?: string | null; note?: string | null }) => http.patch<Contact>(`${base}/contacts/${id(x)}`, body),
    merge: (keepId: string, otherId: string) => http.post<Contact>(`${base}/contacts/${id(keepId)}/merge`, { otherId }),
    split: (x: string, identityIds: string[], name: string) => http.post<Contact>(`${base}/contacts/${id(x)}/split`, { identityIds, name }),
    consent: (identityId: string, consent: 'opted_out' | 'granted') => http.post(`${base}/contacts/identities/${id(identityId)}/consent`, { consent }),
    accounts: () => http.get<Page<Account> & { publicBaseUrl: string | null }>(`${base}/accounts`),
    adapter: (key: string) => http.get<AdapterDescription>(`${base}/accounts/adapters/${id(key)}`),
    createAccount: (body: { adapter: string; channel: string; name: string; config: Record<string, unknown>; secrets: Record<string, unknown>; isDefault?: boolean }, key: string) =>
      http.post<Account>(`${base}/accounts`, body, { headers: { 'Idempotency-Key': key } }),
    updateAccount: (x: string, body: { version: number; name?: string; config?: Record<string, unknown>; secrets?: Record<string, unknown>; isDefault?: boolean }) => http.patch<Account>(`${base}/accounts/${id(x)}`, body),
    connect: (x: string) => http.post<Account>(`${base}/accounts/${id(x)}/connect`, {}),
    disable: (x: string) => http.post<Account>(`${base}/accounts/${id(x)}/disable`, {}),
    session: (x: string) => http.get<{ status: string; qr?: { value: string; kind: 'data-url' | 'text' }; detail?: string }>(`${base}/accounts/${id(x)}/session`),
    templates: (q: { q?: string; archived?: boolean } = {}) => http.get<Page<Template>>(`${base}/templates`, clean({ ...q, limit: 200 })),
    createTemplate: (body: Omit<Template, 'id' | 'version' | 'archived'>) => http.post<Template>(`${base}/templates`, body),
    updateTemplate: (x: string, body: { version: number; description?: string; category?: string; variables: TemplateVariable[]; variants: TemplateVariant[] }) => http.put<Template>(`${base}/templates/${id(x)}`, body),
    archiveTemplate: (x: string, archived: boolean) => http.post<Template>(`${base}/templates/${id(x)}/archive`, { archived }),
    preview: (body: { channel: string; locale: string; values: Record<string, unknown>; id?: string; draft?: { variables: TemplateVariable[]; variants: TemplateVariant[] } }) =>
      http.post<{ variant: { channel: string; locale: string } | null; subject: string | null; text: string; buttons: { text: string }[]; problems: { field: string; message: string }[] }>(`${base}/templates/preview`, body),
    upload: (file: File) => http.upload<{ id: string; name: string; contentType: string; size: number }>('/api/files', file, { query: { name: file.name } }),
    plugins: () => http.get<Page<PluginInfo>>('/api/plugins'),
    members: () => http.get<Page<{ userId: string; email: string; displayName: string | null }>>('/api/tenants/members', { limit: 200 }),
  };
}
export type MessagingApi = ReturnType<typeof messagingApi>;
