import crypto from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { renderSVG } from 'uqr';
import { AGENT_WS_PATH, BUILTIN_PROFILES, DRAWER_TTL_MS, type JobHub, type JobKind } from '@atrium/devices/hub';
import { NotFoundError, ReceiptDocumentSchema, UnauthorizedError, UnprocessableError, ValidationError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions, type KernelCtx } from './kernel-action.ts';
import { ListParams, orderBy } from './list-params.ts';
import { publicUrl } from './auth.service.ts';
import { buildPayload, CLIENT_KEY_SQL, JOB_VIEW_COLUMNS, effectiveProfile, jobView, jobViewFromRow, KIND_NEEDS, NEEDS_IDEMPOTENCY_KEY, requestHash, userScopedKey, type SubmitParams } from '../devices/device-jobs.ts';
import { startDeviceHub, type RunningDeviceHub } from '../devices/device-hub.ts';
import { attachAgentSocket } from '../devices/agent-socket.ts';

const Uuid = Type.String({ format: 'uuid' });
const TerminalId = Type.String({ pattern: '^term_[0-9a-f-]{36}$' });
const JobId = Type.String({ pattern: '^job_[0-9a-f-]{36}$' });
const DeviceId = Type.String({ minLength: 1, maxLength: 100 });
/** `receipt@front-desk`: what the device does @ where it is. */
const RoleName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}@[a-z0-9][a-z0-9-]{0,59}$' });
const JobKindParam = Type.Union(['print-receipt', 'print-raw', 'open-drawer', 'display', 'read-scale', 'test-page'].map((k) => Type.Literal(k)));
const JobState = Type.Union(['queued', 'dispatched', 'received', 'done', 'failed', 'unknown', 'expired'].map((k) => Type.Literal(k)));

const SubmitJobParams = Type.Object(
  {
    kind: JobKindParam,
    /** Logical role (`receipt@front-desk`) — or name the device directly with terminalId + deviceId. */
    role: Type.Optional(RoleName),
    storeId: Type.Optional(Uuid),
    terminalId: Type.Optional(TerminalId),
    deviceId: Type.Optional(DeviceId),
    document: Type.Optional(ReceiptDocumentSchema),
    base64: Type.Optional(Type.String({ maxLength: 1_000_000 })),
    pin: Type.Optional(Type.Union([Type.Literal(2), Type.Literal(5)])),
    lines: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 2 })),
    /** Undelivered after this many seconds → `expired` (drawer kicks: at most, and by default, 30). */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

/**
 * The device bus's API, kernel side (ARCHITECTURE §7): enrolment, terminals, devices and printer
 * profiles, logical roles per store, and the job API. The hub (protocol, bookkeeping, expiry) is
 * `devices/device-hub.ts`; the agents' socket, `/api/devices/agent` on this node's gateway, is
 * `devices/agent-socket.ts`.
 */
export function devicesService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  let running: RunningDeviceHub | null = null;
  let agentSocket: { close(): void } | null = null;

  const getHub = (): JobHub => {
    if (!running) throw new UnprocessableError('The device bus is not running on this node', 'DEVICES_UNAVAILABLE');
    return running.hub;
  };

  async function resolveTarget(ctx: KernelCtx<SubmitParams>): Promise<{ terminalId: string; deviceId: string; storeId: string; role: string | null; profileRow?: any }> {
    const em = ctx.locals.em;
    const p = ctx.params;
    let terminalId: string;
    let deviceId: string;
    let storeId: string;
    if (p.role) {
      if (p.terminalId || p.deviceId) throw new ValidationError('Give either "role" or "terminalId" + "deviceId"', [{ field: 'role', code: 'roleOrDevice', message: 'conflicts with terminalId/deviceId' }]);
      const rows = await em.execute(
        `select store_id, terminal_id, device_id from kernel.device_role where role = ? ${p.storeId ? 'and store_id = ?' : ''}`,
        p.storeId ? [p.role, p.storeId] : [p.role],
      );
      if (!rows.length) throw new UnprocessableError(`No device has the role "${p.role}"${p.storeId ? ' in this store' : ''}`, 'UNKNOWN_ROLE', { field: 'role', role: p.role });
      if (rows.length > 1) throw new UnprocessableError(`The role "${p.role}" exists in ${rows.length} stores: give storeId`, 'AMBIGUOUS_ROLE', { field: 'storeId', role: p.role, stores: rows.length });
      ({ terminal_id: terminalId, device_id: deviceId, store_id: storeId } = rows[0]);
    } else {
      if (!p.terminalId) throw new ValidationError('Give "role", or "terminalId" and "deviceId"', [{ field: 'role', code: 'roleOrDevice', message: 'is required (or terminalId + deviceId)' }]);
      if (!p.deviceId) throw new ValidationError('"deviceId" is required with "terminalId"', [{ field: 'deviceId', code: 'required', message: 'is required with terminalId' }]);
      terminalId = p.terminalId;
      deviceId = p.deviceId;
      storeId = '';
    }
    const [t] = await em.execute('select store_id, revoked_at from kernel.terminal where id = ?', [terminalId]);
    if (!t) throw new NotFoundError('No such terminal in this tenant', { subject: 'kernel.Terminal' });
    if (t.revoked_at) throw new UnprocessableError('The terminal behind this role was revoked; assign the role to another device', 'TERMINAL_REVOKED');
    storeId ||= t.store_id;
    const [dev] = await em.execute('select kind from kernel.device where terminal_id = ? and device_id = ?', [terminalId, deviceId]);
    const needs = KIND_NEEDS[p.kind];
    // A device the agent has not reported yet is allowed (jobs queue until it connects); a known one must fit.
    if (dev && dev.kind !== needs) throw new UnprocessableError(`${p.kind} needs a ${needs}; "${deviceId}" is a ${dev.kind}`, 'WRONG_DEVICE_KIND', { kind: p.kind, needs, device: deviceId, actual: dev.kind });
    const [profileRow] = needs === 'printer'
      ? await em.execute('select profile_id, paper_width_mm, code_page, image_mode from kernel.printer_profile where terminal_id = ? and device_id = ?', [terminalId, deviceId])
      : [];
    return { terminalId, deviceId, storeId, role: p.role ?? null, profileRow };
  }

  /**
   * The one way a job is created: REST, `ctx.devices`, test pages. `ownKey`: the key came from a
   * client (REST) and is scoped to the calling user.
   */
  async function submit(ctx: KernelCtx<SubmitParams>, idempotencyKey: string | undefined, opts: { ownKey?: boolean } = {}) {
    const p = ctx.params;
    if (!idempotencyKey) {
      if (NEEDS_IDEMPOTENCY_KEY.has(p.kind)) {
        throw new ValidationError('Send an Idempotency-Key header (one per user intent, e.g. "sale-123:receipt") so a retry never prints twice', [{ field: 'Idempotency-Key', code: 'idempotencyKeyRequired', message: 'header is required for print and drawer jobs' }]);
      }
      idempotencyKey = `auto:${crypto.randomUUID()}`;
    }
    if (idempotencyKey.length > 200) throw new ValidationError('Idempotency-Key is too long', [{ field: 'Idempotency-Key', code: 'maxLength', params: { limit: 200 }, message: 'at most 200 characters' }]);
    if (opts.ownKey && !idempotencyKey.startsWith('auto:')) idempotencyKey = userScopedKey(ctx.meta.user?.id, idempotencyKey);
    if (p.kind === 'open-drawer' && p.ttlSeconds && p.ttlSeconds * 1000 > DRAWER_TTL_MS) {
      throw new ValidationError('A drawer kick expires within 30 seconds', [{ field: 'ttlSeconds', code: 'maximum', params: { limit: 30, comparison: '<=' }, message: 'at most 30 for open-drawer' }]);
    }
    buildPayload(p, undefined); // field checks per kind first: bad input is a 400 whatever the target
    const target = await resolveTarget(ctx);
    const profile = effectiveProfile(target.profileRow);
    const params = target.profileRow?.image_mode === 'raster' && p.document ? { ...p, document: { ...p.document, forceRaster: true } } : p;
    const payload = buildPayload(params, profile);
    const hash = requestHash(p);
    const res = await getHub().submit({
      tenantId: ctx.meta.tenantId!,
      terminalId: target.terminalId,
      deviceId: target.deviceId,
      idempotencyKey,
      kind: p.kind as JobKind,
      payload,
      ...(p.ttlSeconds ? { ttlMs: p.ttlSeconds * 1000 } : {}),
      meta: { role: target.role ?? undefined, storeId: target.storeId, createdBy: ctx.meta.user?.id, requestHash: hash },
    });
    if (!res.created) {
      if (res.row.meta?.requestHash && res.row.meta.requestHash !== hash) {
        throw new UnprocessableError('This Idempotency-Key was already used for a different job', 'IDEMPOTENCY_KEY_REUSED');
      }
      ctx.meta.$statusCode = 200;
      ctx.meta.$responseHeaders = { ...(ctx.meta.$responseHeaders ?? {}), 'Idempotent-Replayed': 'true' };
    } else if (!getHub().isConnected(target.terminalId)) {
      // the terminal's socket may be on another node's gateway
      ctx.broker.broadcast('atrium.devices.pump', { tenantId: ctx.meta.tenantId, terminalId: target.terminalId });
    }
    ctx.locals.req?.audit.target(res.row.job.jobId);
    // the audit entry names the intent, not the whole receipt
    ctx.locals.req?.audit.diff(null, { kind: p.kind, role: target.role, terminalId: target.terminalId, deviceId: target.deviceId, idempotencyKey, created: res.created });
    return jobView(res.row);
  }

  return {
    name: 'devices',
    settings: { $noVersionPrefix: true },
    events: {
      /** A job was stored on another node for a terminal whose socket may be here. */
      'atrium.devices.pump'(ctx: any) {
        void running?.hub.pump(ctx.params.tenantId, ctx.params.terminalId).catch((e) => d().logger.warn({ err: e }, 'devices: pump failed'));
      },
      'atrium.devices.revoked'(ctx: any) {
        running?.hub.disconnectRevoked(ctx.params.terminalId);
      },
    },
    actions: kernelActions('devices', {
      createEnrollmentCode: {
        rest: 'POST /enrollment-codes',
        permission: ['create', 'kernel.Terminal'],
        status: 201,
        params: Type.Object({ storeId: Uuid }, { additionalProperties: false }),
        summary: 'A one-time code (10 minutes, single use) that enrols a terminal agent into this store; with a QR code',
        async handler(ctx) {
          const [store] = await ctx.locals.em.execute('select id from kernel.store where id = ?', [ctx.params.storeId]);
          if (!store) throw new NotFoundError('No such store in this tenant', { subject: 'kernel.Store' });
          const code = await getHub().createEnrollmentCode(ctx.meta.tenantId!, ctx.params.storeId);
          const kernel = publicUrl(d().config);
          const uri = `atrium-enroll://${new URL(kernel).host}?code=${code}&kernel=${encodeURIComponent(kernel)}`;
          ctx.locals.req?.audit.diff(null, { storeId: ctx.params.storeId, code: `${code.slice(0, 2)}…` });
          return {
            code, storeId: ctx.params.storeId, expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(), uri,
            command: `npx atrium-agent --config agent.json --enroll ${code} --kernel ${kernel}`,
            qrSvg: renderSVG(uri, { border: 2 }),
          };
        },
      },
      enroll: {
        rest: 'POST /enroll',
        permission: 'public',
        tenantScoped: false,
        status: 201,
        params: Type.Object({ code: Type.String({ minLength: 4, maxLength: 40 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })) }, { additionalProperties: false }),
        summary: 'Exchange an enrolment code for a terminal credential (the agent calls this once)',
        async handler(ctx) {
          await d().rateLimiter.hit(`devices:enroll:ip:${ctx.meta.ip ?? '-'}`, 30, 600, 'Too many enrolment attempts; try again later');
          const code = ctx.params.code.toUpperCase().replace(/[\s-]/g, '');
          try {
            const out = await getHub().enroll(code, ctx.params.name ?? 'terminal');
            d().logger.info({ tenantId: out.tenantId, terminalId: out.terminalId }, 'devices: terminal enrolled');
            await d().db.transaction({ tenantId: out.tenantId }, (em) => em.execute(
              `insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff) values (?, null, 'devices.enroll', 'kernel.Terminal', ?, ?)`,
              [out.tenantId, out.terminalId, JSON.stringify({ name: ctx.params.name ?? 'terminal', storeId: out.storeId })],
            ));
            return out;
          } catch (e) {
            if ((e as Error).message.includes('enrolment code')) throw new UnauthorizedError('Invalid, used or expired enrolment code', 'ENROLLMENT_CODE_INVALID');
            throw e;
          }
        },
      },
      listTerminals: {
        rest: 'GET /terminals',
        permission: ['read', 'kernel.Terminal'],
        params: Type.Object({ ...ListParams, storeId: Type.Optional(Uuid), revoked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, q, sort, storeId, revoked } = ctx.params;
          const where = ['true'];
          const args: unknown[] = [];
          if (q) { where.push('t.name ilike ?'); args.push(`%${q.replace(/[\\%_]/g, (m: string) => `\\${m}`)}%`); }
          if (storeId) { where.push('t.store_id = ?'); args.push(storeId); }
          if (revoked !== undefined) where.push(revoked ? 't.revoked_at is not null' : 't.revoked_at is null');
          const order = orderBy(sort, { name: 't.name', createdAt: 't.created_at', lastSeenAt: 't.last_seen_at' }, 't.created_at desc');
          const em = ctx.locals.em;
          const items = await em.execute(`select t.id, t.store_id as "storeId", t.name, t.agent_version as "agentVersion", t.last_seen_at as "lastSeenAt",
              t.connected, t.revoked_at as "revokedAt", t.created_at as "createdAt",
              (select count(*)::int from kernel.device dv where dv.tenant_id = t.tenant_id and dv.terminal_id = t.id) as "deviceCount"
            from kernel.terminal t where ${where.join(' and ')} order by ${order} limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n from kernel.terminal t where ${where.join(' and ')}`, args);
          return { items, total: n };
        },
      },
      revokeTerminal: {
        rest: 'POST /terminals/:terminalId/revoke',
        permission: ['delete', 'kernel.Terminal'],
        params: Type.Object({ terminalId: TerminalId }, { additionalProperties: false }),
        summary: 'Revoke a terminal: its credential stops working at once and its socket is closed',
        async handler(ctx) {
          const em = ctx.locals.em;
          const [t] = await em.execute('select id, revoked_at from kernel.terminal where id = ?', [ctx.params.terminalId]);
          if (!t) throw new NotFoundError('No such terminal', { subject: 'kernel.Terminal' });
          if (!t.revoked_at) await em.execute('update kernel.terminal set revoked_at = now(), connected = false where id = ?', [ctx.params.terminalId]);
          ctx.locals.req?.audit.target(ctx.params.terminalId);
          // the socket may be on any node; closing it is harmless before commit (the agent gets 4403 and stops)
          ctx.broker.broadcast('atrium.devices.revoked', { terminalId: ctx.params.terminalId });
          return { id: ctx.params.terminalId, revoked: true };
        },
      },
      listDevices: {
        rest: 'GET /devices',
        permission: ['read', 'kernel.Device'],
        params: Type.Object({ ...ListParams, terminalId: Type.Optional(TerminalId), storeId: Type.Optional(Uuid), kind: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 50, offset = 0, terminalId, storeId, kind, sort } = ctx.params;
          const order = orderBy(sort, { terminalName: 't.name', deviceId: 'dv.device_id', kind: 'dv.kind', status: 'dv.status', updatedAt: 'dv.updated_at' }, 't.name');
          const where = ['true'];
          const args: unknown[] = [];
          if (terminalId) { where.push('dv.terminal_id = ?'); args.push(terminalId); }
          if (storeId) { where.push('t.store_id = ?'); args.push(storeId); }
          if (kind) { where.push('dv.kind = ?'); args.push(kind); }
          const em = ctx.locals.em;
          const from = `from kernel.device dv join kernel.terminal t on t.tenant_id = dv.tenant_id and t.id = dv.terminal_id
            left join kernel.printer_profile pp on pp.tenant_id = dv.tenant_id and pp.terminal_id = dv.terminal_id and pp.device_id = dv.device_id`;
          const items = await em.execute(`select dv.terminal_id as "terminalId", dv.device_id as "deviceId", dv.kind, dv.name, dv.status,
              dv.reported_profile_id as "reportedProfileId", t.store_id as "storeId", t.name as "terminalName", t.connected, t.revoked_at is not null as "terminalRevoked",
              case when pp.profile_id is null then null else json_build_object('profileId', pp.profile_id, 'paperWidthMm', pp.paper_width_mm, 'codePage', pp.code_page, 'imageMode', pp.image_mode) end as profile,
              dv.updated_at as "updatedAt"
            ${from} where ${where.join(' and ')} order by ${order}, dv.terminal_id, dv.device_id limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n ${from} where ${where.join(' and ')}`, args);
          return { items, total: n };
        },
      },
      listProfiles: {
        rest: 'GET /profiles',
        permission: ['read', 'kernel.Device'],
        summary: 'Built-in printer profiles (vendor code-page numbering) for the profile picker',
        handler() {
          return { items: Object.values(BUILTIN_PROFILES).map((p) => ({ id: p.id, vendor: p.vendor, model: p.model, paperWidthMm: p.paperWidthMm, codePages: Object.keys(p.codePages) })) };
        },
      },
      updateProfile: {
        rest: 'PUT /terminals/:terminalId/devices/:deviceId/profile',
        permission: ['update', 'kernel.Device'],
        params: Type.Object({
          terminalId: TerminalId, deviceId: DeviceId,
          profileId: Type.String({ minLength: 1, maxLength: 60 }),
          paperWidthMm: Type.Optional(Type.Union([Type.Literal(58), Type.Literal(80)])),
          codePage: Type.Optional(Type.Union(['cp437', 'cp866', 'wpc1251', 'cp1125', 'kz1048'].map((c) => Type.Literal(c)))),
          imageMode: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('raster')])),
        }, { additionalProperties: false }),
        summary: 'Pick the printer profile (model, width, code page, image mode) of a device',
        async handler(ctx) {
          const p = ctx.params;
          if (!BUILTIN_PROFILES[p.profileId]) throw new ValidationError(`Unknown profile "${p.profileId}"`, [{ field: 'profileId', code: 'enum', params: { allowedValues: Object.keys(BUILTIN_PROFILES) }, message: `must be one of ${Object.keys(BUILTIN_PROFILES).join(', ')}` }]);
          if (p.codePage && (BUILTIN_PROFILES[p.profileId]!.codePages as any)[p.codePage] === undefined) {
            throw new ValidationError(`${p.profileId} has no ${p.codePage}`, [{ field: 'codePage', code: 'codePageUnavailable', params: { profile: p.profileId, codePage: p.codePage }, message: `not available on ${p.profileId}` }]);
          }
          const em = ctx.locals.em;
          const [dev] = await em.execute('select kind from kernel.device where terminal_id = ? and device_id = ?', [p.terminalId, p.deviceId]);
          if (!dev) throw new NotFoundError('No such device (it appears once its agent has connected)', { subject: 'kernel.Device' }, 'DEVICE_NOT_CONNECTED');
          if (dev.kind !== 'printer') throw new UnprocessableError('Only printers have a printer profile', 'NOT_A_PRINTER');
          const [before] = await em.execute('select profile_id, paper_width_mm, code_page, image_mode from kernel.printer_profile where terminal_id = ? and device_id = ?', [p.terminalId, p.deviceId]);
          const [after] = await em.execute(`insert into kernel.printer_profile (tenant_id, terminal_id, device_id, profile_id, paper_width_mm, code_page, image_mode) values (?, ?, ?, ?, ?, ?, ?)
            on conflict (tenant_id, terminal_id, device_id) do update set profile_id = excluded.profile_id, paper_width_mm = excluded.paper_width_mm,
              code_page = excluded.code_page, image_mode = excluded.image_mode, updated_at = now()
            returning profile_id as "profileId", paper_width_mm as "paperWidthMm", code_page as "codePage", image_mode as "imageMode"`,
            [ctx.meta.tenantId, p.terminalId, p.deviceId, p.profileId, p.paperWidthMm ?? null, p.codePage ?? null, p.imageMode ?? 'auto']);
          ctx.locals.req?.audit.diff(before ?? null, after);
          return { terminalId: p.terminalId, deviceId: p.deviceId, ...after };
        },
      },
      listRoles: {
        rest: 'GET /roles',
        permission: ['read', 'kernel.Device'],
        params: Type.Object({ storeId: Type.Optional(Uuid) }, { additionalProperties: false }),
        async handler(ctx) {
          const items = await ctx.locals.em.execute(`select store_id as "storeId", role, terminal_id as "terminalId", device_id as "deviceId", created_at as "createdAt"
            from kernel.device_role ${ctx.params.storeId ? 'where store_id = ?' : ''} order by role, store_id`, ctx.params.storeId ? [ctx.params.storeId] : []);
          return { items, total: items.length };
        },
      },
      setRole: {
        rest: 'PUT /roles',
        permission: ['update', 'kernel.Device'],
        params: Type.Object({ storeId: Uuid, role: RoleName, terminalId: TerminalId, deviceId: DeviceId }, { additionalProperties: false }),
        summary: 'Point a logical role (receipt@front-desk) of a store at a device',
        async handler(ctx) {
          const p = ctx.params;
          const em = ctx.locals.em;
          const [t] = await em.execute('select store_id, revoked_at from kernel.terminal where id = ?', [p.terminalId]);
          if (!t) throw new ValidationError('No such terminal in this tenant', [{ field: 'terminalId', code: 'unknownTerminal', message: 'unknown terminal' }]);
          if (t.store_id !== p.storeId) throw new ValidationError('The terminal belongs to another store', [{ field: 'storeId', code: 'terminalStore', message: 'must be the terminal\'s store' }]);
          if (t.revoked_at) throw new UnprocessableError('The terminal is revoked', 'TERMINAL_REVOKED');
          const [before] = await em.execute('select terminal_id, device_id from kernel.device_role where store_id = ? and role = ?', [p.storeId, p.role]);
          await em.execute(`insert into kernel.device_role (tenant_id, store_id, role, terminal_id, device_id) values (?, ?, ?, ?, ?)
            on conflict (tenant_id, store_id, role) do update set terminal_id = excluded.terminal_id, device_id = excluded.device_id`,
            [ctx.meta.tenantId, p.storeId, p.role, p.terminalId, p.deviceId]);
          ctx.locals.req?.audit.diff(before ?? null, { terminal_id: p.terminalId, device_id: p.deviceId });
          ctx.locals.req?.audit.target(p.role);
          return { storeId: p.storeId, role: p.role, terminalId: p.terminalId, deviceId: p.deviceId };
        },
      },
      deleteRole: {
        rest: 'DELETE /roles/:storeId/:role',
        permission: ['delete', 'kernel.Device'],
        params: Type.Object({ storeId: Uuid, role: RoleName }, { additionalProperties: false }),
        async handler(ctx) {
          const rows = await ctx.locals.em.execute('delete from kernel.device_role where store_id = ? and role = ? returning role', [ctx.params.storeId, ctx.params.role]);
          if (!rows.length) throw new NotFoundError('No such role in this store', { subject: 'kernel.Device' }, 'DEVICE_ROLE_NOT_FOUND');
          ctx.locals.req?.audit.target(ctx.params.role);
          return { ok: true };
        },
      },
      submitJob: {
        rest: 'POST /jobs',
        permission: ['print', 'kernel.Device'],
        status: 201,
        params: SubmitJobParams,
        summary: 'Print a receipt, kick a drawer, show on a display, read a scale. Idempotency-Key header required for print and drawer jobs',
        async handler(ctx) {
          return submit(ctx as KernelCtx<SubmitParams>, ctx.meta.idempotencyKey, { ownKey: !ctx.meta.callerPlugin });
        },
      },
      testPage: {
        rest: 'POST /terminals/:terminalId/devices/:deviceId/test-page',
        permission: ['print', 'kernel.Device'],
        status: 201,
        params: Type.Object({ terminalId: TerminalId, deviceId: DeviceId }, { additionalProperties: false }),
        summary: 'Print the ru/uk/kk test page with the device\'s profile',
        async handler(ctx) {
          ctx.params = { kind: 'test-page', terminalId: ctx.params.terminalId, deviceId: ctx.params.deviceId } as any;
          return submit(ctx as KernelCtx<SubmitParams>, ctx.meta.idempotencyKey ?? `test-page:${crypto.randomUUID()}`);
        },
      },
      listJobs: {
        rest: 'GET /jobs',
        permission: ['read', 'kernel.Device'],
        params: Type.Object({
          limit: ListParams.limit, offset: ListParams.offset, sort: ListParams.sort,
          state: Type.Optional(JobState), kind: Type.Optional(JobKindParam), terminalId: Type.Optional(TerminalId),
          deviceId: Type.Optional(DeviceId), role: Type.Optional(RoleName), storeId: Type.Optional(Uuid),
          idempotencyKey: Type.Optional(Type.String({ maxLength: 200 })),
        }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0, sort, ...f } = ctx.params;
          const cols: Record<string, string> = { state: 'state', kind: 'kind', terminalId: 'terminal_id', deviceId: 'device_id', role: 'role', storeId: 'store_id', idempotencyKey: CLIENT_KEY_SQL };
          const where = ['true'];
          const args: unknown[] = [];
          for (const [k, col] of Object.entries(cols)) if ((f as any)[k] !== undefined) { where.push(`${col} = ?`); args.push((f as any)[k]); }
          const order = orderBy(sort, { createdAt: 'created_at', updatedAt: 'updated_at', state: 'state' }, 'created_at desc');
          const em = ctx.locals.em;
          const rows = await em.execute(`select ${JOB_VIEW_COLUMNS} from kernel.device_job where ${where.join(' and ')} order by ${order}, id limit ? offset ?`, [...args, limit, offset]);
          const [{ n }] = await em.execute(`select count(*)::int as n from kernel.device_job where ${where.join(' and ')}`, args);
          return { items: rows.map(jobViewFromRow), total: n };
        },
      },
      getJob: {
        rest: 'GET /jobs/:id',
        permission: ['read', 'kernel.Device'],
        params: Type.Object({ id: JobId }, { additionalProperties: false }),
        async handler(ctx) {
          const [r] = await ctx.locals.em.execute(`select ${JOB_VIEW_COLUMNS}, job from kernel.device_job where id = ?`, [ctx.params.id]);
          if (!r) throw new NotFoundError('No such job', { subject: 'kernel.Device' }, 'DEVICE_JOB_NOT_FOUND');
          return { ...jobViewFromRow(r), payload: r.job.payload };
        },
      },
    }),
    async started() {
      const broker = this.broker;
      const log = d().logger.child({ service: 'devices' });
      running = startDeviceHub(d(), broker, log);
      // The agent socket lives on this node's gateway; a node without one serves the API only.
      const gw = broker.getLocalService('gateway') as any;
      if (gw?.registerUpgrade) agentSocket = attachAgentSocket(gw, running.hub, log);
      else log.info(`devices: no gateway on node ${broker.nodeID}; the agent socket ${AGENT_WS_PATH} is served by the node that runs the gateway`);
    },
    async stopped() {
      agentSocket?.close();
      agentSocket = null;
      running?.stop();
      running = null;
    },
  } as ServiceSchema;
}
