import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import { PANGRAMS } from '@atrium/devices/hub';

/**
 * The terminals & devices page against a real kernel, a real agent process and a real browser:
 * sign up → create an enrolment code (text, QR, countdown) → `atrium-agent --virtual --enroll CODE`
 * → the terminal turns online without a reload → pick a printer profile → test page reaches `done`
 * and its pangrams arrive on the virtual printer → a role prints through a push-updated job →
 * revoke → the agent exits and the card shows revoked. Then the same page at 390×844, and the
 * keyboard-wedge scan field fed trusted key events under a Russian layout.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const owner = { email: `devices-${Date.now()}@shop.test`, password: 'devices-password-1', tenant: 'Devices Shop' };

let tk: TestKernel;
let browser: Browser;
let desktop: BrowserContext;
let page: Page;
let dataDir = '';
let agent: { child: ChildProcess; out: () => string; exit: Promise<number | null> } | null = null;
let terminalId = '';

function startAgent(code: string) {
  const child = spawn(path.join(root, 'node_modules/.bin/node'), [
    path.join(root, 'devices/bin/atrium-agent.js'), '--virtual', '--enroll', code, '--kernel', tk.url, '--data-dir', dataDir, '--name', 'Front till',
  ], { cwd: path.join(root, 'devices'), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { child, out: () => out, exit };
}

/** What the agent's virtual printer decoded: one entry per cut receipt. */
function printedReceipts(out: string): { images: number; lines: string[] }[] {
  const receipts: { images: number; lines: string[] }[] = [];
  let cur: { images: number; lines: string[] } | null = null;
  for (const line of out.split('\n')) {
    const m = /virtual printer cut a receipt \((\d+) image lines\):/.exec(line);
    if (m) { cur = { images: Number(m[1]), lines: [] }; receipts.push(cur); continue; }
    if (cur && line.startsWith('    ')) cur.lines.push(line.slice(4));
    else cur = null;
  }
  return receipts;
}
const flat = (lines: string[]) => lines.join(' ').replace(/\s+/g, ' ');

async function api(p: Page, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  return p.evaluate(async ({ method, url, body, headers }) => {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${localStorage.getItem('atrium.accessToken')}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, { method, url, body, headers });
}

const card = () => page.locator(`[data-testid="terminal-card"][data-terminal-id="${terminalId}"]`);
const noReload = () => page.evaluate(() => (window as any).__noReload === true);

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-e2e-agent-'));
  tk = await createTestKernel({ adminDist: path.join(root, 'admin/dist') });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', baseURL: tk.url });
  page = await desktop.newPage();
});

afterAll(async () => {
  if (agent && agent.child.exitCode === null) {
    agent.child.kill('SIGTERM');
    await agent.exit;
  }
  await browser?.close();
  await tk?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('terminals and devices in a real browser', () => {
  it('enrols a real agent with a one-time code and shows it online without a reload', async () => {
    await page.goto('/#/signup');
    await page.getByTestId('tenantName').fill(owner.tenant);
    await page.getByTestId('email').fill(owner.email);
    await page.getByTestId('password').fill(owner.password);
    await page.getByTestId('submit').click();
    await page.waitForURL(/#\/dashboard/);
    await page.evaluate(() => { (window as any).__noReload = true; });

    await page.getByTestId('nav-devices').click();
    await page.waitForURL(/#\/devices/);
    await page.getByText('No terminals yet').waitFor();

    await page.getByTestId('enroll-open').click();
    const dialog = page.getByTestId('enroll-dialog');
    // the tenant's first store is preselected (the select's focus target carries its label as value)
    await expect.poll(() => dialog.getByTestId('enroll-store').inputValue(), { timeout: 15_000 }).toBe('Main');
    await dialog.getByTestId('enroll-create').click();
    const codeEl = dialog.getByTestId('enroll-code');
    await codeEl.waitFor();
    const code = (await codeEl.getAttribute('data-code'))!;
    expect(code).toMatch(/^[A-Z0-9]{6,}$/);
    // the text shown is the code, grouped for reading
    expect((await codeEl.innerText()).replace(/\s/g, '')).toBe(code);
    expect(await dialog.getByTestId('enroll-command').innerText()).toContain(`--enroll ${code}`);
    // a QR code with modules drawn
    expect((await dialog.locator('[data-testid="enroll-qr"] svg path').getAttribute('d'))!.length).toBeGreaterThan(500);
    // the 10-minute countdown runs
    const countdown = dialog.getByTestId('enroll-countdown');
    const first = await countdown.innerText();
    expect(first).toMatch(/Expires in (10:00|9:[0-5]\d)/);
    const ms = Number(await countdown.getAttribute('data-remaining-ms'));
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(600_000);
    await expect.poll(() => countdown.innerText(), { timeout: 10_000 }).not.toBe(first);
    await page.screenshot({ path: path.join(shots, 'devices-enroll-code-desktop.png') });

    agent = startAgent(code);
    // the new terminal appears online, pushed over the socket: the dialog closes by itself
    const online = page.locator('[data-testid="terminal-card"][data-state="online"]');
    await online.waitFor({ timeout: 30_000 }).catch((e) => { throw new Error(`${e.message}\nagent output:\n${agent!.out()}`); });
    terminalId = (await online.getAttribute('data-terminal-id'))!;
    expect(terminalId).toMatch(/^term_/);
    await dialog.waitFor({ state: 'detached' });
    expect(await card().getByTestId('terminal-name').innerText()).toBe('Front till');
    expect(agent.out()).toContain(`enrolled as ${terminalId}`);
    // the agent's virtual devices are listed with their status
    const printerRow = card().locator('[data-testid="device-row"][data-device-id="virtual-printer"]');
    await printerRow.locator('[data-testid="device-status"][data-status="online"]').waitFor();
    for (const id of ['virtual-scanner', 'virtual-scale', 'virtual-display']) await card().locator(`[data-testid="device-row"][data-device-id="${id}"]`).waitFor();
    expect(await noReload()).toBe(true);

    // the code was single use
    const again = await page.evaluate(async (c) => (await fetch('/api/devices/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: c }) })).status, code);
    expect(again).toBe(401);
  });

  it('picks a printer profile and prints the test page: done in the page, pangrams on the printer', async () => {
    expect(terminalId).not.toBe('');
    const printerRow = card().locator('[data-testid="device-row"][data-device-id="virtual-printer"]');
    await printerRow.getByTestId('device-profile').click();
    await page.getByRole('option', { name: 'Epson TM-T20 (58 mm) · 58 mm' }).click();
    await page.getByText('Profile saved: Epson TM-T20 (58 mm)').waitFor();
    const devices = await api(page, 'GET', `/api/devices/devices?terminalId=${terminalId}`);
    expect(devices.body.items.find((d: any) => d.deviceId === 'virtual-printer').profile).toMatchObject({ profileId: 'epson-tm-t20-58' });

    await printerRow.getByTestId('device-test-page').click();
    const done = card().locator('[data-testid="job-row"][data-state="done"]');
    await done.waitFor({ timeout: 30_000 });
    expect(await done.innerText()).toContain('Test page');
    expect(await noReload()).toBe(true);
    const jobId = (await done.getAttribute('data-job-id'))!;
    const job = await api(page, 'GET', `/api/devices/jobs/${jobId}`);
    expect(job.body).toMatchObject({ state: 'done', kind: 'test-page', deviceId: 'virtual-printer', outcome: { state: 'done' } });

    // what the virtual printer decoded from the bytes the agent sent
    await expect.poll(() => printedReceipts(agent!.out()).length, { timeout: 10_000 }).toBe(1);
    const [receipt] = printedReceipts(agent!.out());
    const text = flat(receipt!.lines);
    expect(text).toContain('ATRIUM TEST PAGE');
    expect(text).toContain('profile epson-tm-t20-58, 58 mm');
    for (const pangram of Object.values(PANGRAMS)) expect(text).toContain(pangram);
    await page.screenshot({ path: path.join(shots, 'devices-test-page-done-desktop.png'), fullPage: true });
  });

  it('points a logical role at the printer; a job sent to the role shows its state live', async () => {
    await page.getByTestId('tab-roles').click();
    await page.getByText('No roles yet').waitFor();
    await page.getByTestId('role-add').click();
    const dialog = page.getByTestId('role-dialog');
    // a bad name is refused before any request, naming the rule
    await dialog.getByTestId('role-name').fill('Receipt desk');
    await dialog.getByTestId('role-save').click();
    await dialog.getByText('Lower-case letters, digits and dashes').waitFor();
    await dialog.getByTestId('role-name').fill('receipt@front-desk');
    await dialog.getByTestId('role-device').click();
    await page.getByRole('option', { name: /Front till · virtual printer/ }).click();
    await dialog.getByTestId('role-save').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('roles-table').getByText('receipt@front-desk').waitFor();
    const roles = await api(page, 'GET', '/api/devices/roles');
    expect(roles.body.items).toEqual([expect.objectContaining({ role: 'receipt@front-desk', terminalId, deviceId: 'virtual-printer' })]);

    // a plugin-style print through the role, not started from this page: its row appears and turns done by push
    await page.getByTestId('tab-terminals').click();
    await card().getByTestId('terminal-jobs').waitFor();
    const doc = { version: 1, currency: 'KZT', header: { title: 'Чек №42' }, lines: [{ name: 'Молоко', qtyMilli: 1000, unitPrice: 45000, amount: 45000 }], totals: [{ label: 'ИТОГО', amount: 45000 }] };
    const sent = await api(page, 'POST', '/api/devices/jobs', { kind: 'print-receipt', role: 'receipt@front-desk', document: doc }, { 'Idempotency-Key': 'e2e-sale-42:receipt' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await card().locator(`[data-testid="job-row"][data-job-id="${sent.body.id}"][data-state="done"]`).waitFor({ timeout: 30_000 });
    expect(await card().locator(`[data-testid="job-row"][data-job-id="${sent.body.id}"]`).innerText()).toContain('receipt@front-desk');
    await expect.poll(() => printedReceipts(agent!.out()).length, { timeout: 10_000 }).toBe(2);
    expect(flat(printedReceipts(agent!.out())[1]!.lines)).toContain('Чек №42');
    // every job of the terminal, paged by the kernel
    await card().getByTestId('terminal-all-jobs').click();
    const jobsDialog = page.getByTestId('jobs-dialog');
    await jobsDialog.locator('tbody tr').nth(1).waitFor();
    const rows = await jobsDialog.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/Receipt[\s\S]*receipt@front-desk[\s\S]*Done/);
    expect(rows[1]).toMatch(/Test page[\s\S]*Done/);
    await jobsDialog.getByRole('button', { name: 'Close' }).click();
    await jobsDialog.waitFor({ state: 'detached' });
    expect(await noReload()).toBe(true);
  });

  it('revokes the terminal after a confirmation: the agent is cut off and the card shows revoked', async () => {
    await card().getByTestId('terminal-revoke').click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('Revoke terminal Front till?').waitFor();
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.locator(`[data-testid="terminal-card"][data-terminal-id="${terminalId}"][data-state="revoked"]`).waitFor();
    await card().getByTestId('device-test-page').first().waitFor({ state: 'detached' });
    // the kernel closed the agent's socket as revoked: the agent exits with its "revoked" code
    expect(await agent!.exit).toBe(3);
    expect(agent!.out()).toContain('terminal revoked by the kernel');
    const list = await api(page, 'GET', '/api/devices/terminals');
    expect(list.body.items.find((t: any) => t.id === terminalId)).toMatchObject({ connected: false, revokedAt: expect.any(String) });
    expect(await noReload()).toBe(true);
    await page.screenshot({ path: path.join(shots, 'devices-revoked-desktop.png'), fullPage: true });
  });

  it('works at 390×844 in Russian: terminals, the enrolment code and QR fit the phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-US', baseURL: tk.url });
    try {
      const p = await phone.newPage();
      await p.addInitScript(() => localStorage.setItem('atrium.locale', 'ru'));
      await p.goto('/#/login');
      await p.getByTestId('email').fill(owner.email);
      await p.locator('input[type=password]').fill(owner.password);
      await p.getByTestId('submit').click();
      await p.waitForURL(/#\/dashboard/);
      await p.getByTestId('menu-toggle').click();
      await p.getByTestId('nav-devices').click();
      await p.waitForURL(/#\/devices/);
      await p.getByRole('heading', { name: 'Терминалы и устройства' }).waitFor();
      // revoked terminals are hidden until asked for
      await p.getByText('Терминалов пока нет').waitFor();
      await p.getByTestId('show-revoked').click();
      const revokedCard = p.locator(`[data-testid="terminal-card"][data-terminal-id="${terminalId}"][data-state="revoked"]`);
      await revokedCard.waitFor();
      expect(await revokedCard.getByTestId('terminal-state').innerText()).toContain('Отозван');
      // nothing can reach the devices of a revoked terminal: their last report is not shown as ready
      await revokedCard.locator('[data-testid="device-row"]').nth(3).waitFor();
      expect(await revokedCard.locator('[data-testid="device-status"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['offline', 'offline', 'offline', 'offline']);
      const overflow = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBe(0);
      await p.screenshot({ path: path.join(shots, 'devices-terminals-phone.png'), fullPage: true });

      await p.getByTestId('enroll-open').click();
      await p.getByTestId('enroll-create').click();
      await p.getByTestId('enroll-qr').locator('svg').waitFor();
      expect(await p.getByTestId('enroll-countdown').innerText()).toMatch(/Истекает через (10:00|9:[0-5]\d)/);
      const qr = (await p.getByTestId('enroll-qr').locator('svg').boundingBox())!;
      expect(qr.x).toBeGreaterThanOrEqual(0);
      expect(qr.x + qr.width).toBeLessThanOrEqual(390);
      expect(await overflow()).toBe(0);
      await p.screenshot({ path: path.join(shots, 'devices-enroll-code-phone.png') });
    } finally {
      await phone.close();
    }
  });

  it('keyboard-wedge scanner under a Russian layout: trusted keys ФИС123 + Enter give ABC123', async () => {
    await page.getByTestId('tab-scanner').click();
    const input = page.getByTestId('scan-input');
    await input.click();
    const cdp: CDPSession = await page.context().newCDPSession(page);
    // ЙЦУКЕН: the physical key KeyA types "ф" (Shift: "Ф"), KeyB "и", KeyC "с"…
    const RU: Record<string, string> = { KeyA: 'ф', KeyB: 'и', KeyC: 'с', KeyX: 'ч', KeyY: 'н', KeyZ: 'я' };
    let clock = Date.now() / 1000;
    /** Types like a scanner (or a person: `gapMs`), with CDP timestamps so the rhythm is exact. */
    async function type(barcode: string, gapMs: number) {
      const send = (p: Record<string, unknown>) => { clock += gapMs / 1000; return cdp.send('Input.dispatchKeyEvent', { ...p, timestamp: clock } as any); };
      for (const ch of barcode) {
        if (/[A-Z]/.test(ch)) {
          const code = `Key${ch}`;
          const key = RU[code]!.toUpperCase();
          await send({ type: 'rawKeyDown', key: 'Shift', code: 'ShiftLeft', windowsVirtualKeyCode: 16, modifiers: 8 });
          await send({ type: 'keyDown', key, code, text: key, windowsVirtualKeyCode: ch.charCodeAt(0), modifiers: 8 });
          await send({ type: 'keyUp', key, code, windowsVirtualKeyCode: ch.charCodeAt(0), modifiers: 8 });
          await send({ type: 'keyUp', key: 'Shift', code: 'ShiftLeft', windowsVirtualKeyCode: 16, modifiers: 0 });
        } else {
          const code = `Digit${ch}`;
          await send({ type: 'keyDown', key: ch, code, text: ch, windowsVirtualKeyCode: ch.charCodeAt(0) });
          await send({ type: 'keyUp', key: ch, code, windowsVirtualKeyCode: ch.charCodeAt(0) });
        }
      }
    }
    const enter = () => { clock += 0.008; return cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Enter', code: 'Enter', text: '\r', windowsVirtualKeyCode: 13, timestamp: clock } as any); };

    await type('ABC123', 8);
    // the layout really turned the keys into Cyrillic…
    expect(await input.inputValue()).toBe('ФИС123');
    await enter();
    // …and the wedge read the physical keys
    await expect.poll(() => page.getByTestId('scan-last').innerText()).toBe('ABC123');
    expect(await input.inputValue()).toBe('');
    expect(await page.getByTestId('scan-history').innerText()).toContain('ABC123');

    // a person typing the same way (slow keys) is not a scan
    await type('XYZ789', 250);
    expect(await input.inputValue()).toBe('ЧНЯ789');
    await enter();
    expect(await page.getByTestId('scan-last').innerText()).toBe('ABC123');
    expect(await page.getByTestId('scan-history').innerText()).not.toContain('XYZ789');

    // and a second fast scan replaces the last code
    await input.fill('');
    await type('ZXY42', 6);
    await enter();
    await expect.poll(() => page.getByTestId('scan-last').innerText()).toBe('ZXY42');
    await page.screenshot({ path: path.join(shots, 'devices-scanner-desktop.png') });
    await cdp.detach();
  });
});
