import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { FakeTelegram, type FakeBot } from '@atrium/plugin-messaging-telegram/testing';

/**
 * The inbox in a real browser against a real kernel and the fake Telegram Bot API: connect a bot on
 * the Channels page by pasting its token (the server registers the webhook) → a person writes to
 * the bot → the conversation appears in the inbox without a reload (pushed over the gateway's
 * WebSocket) → open it, reply → the fake receives sendMessage → the delivery tick turns to "sent".
 * Then the same on a phone (390×844, Russian): the list, a new message arriving live, the thread
 * with its back button, a reply. Screenshots in e2e/screenshots/messaging-*.png.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const PASSWORD = 'correct-horse-battery';

let tk: TestKernel;
let tg: FakeTelegram;
let browser: Browser;
let owner: TestClient;
let bot: FakeBot;
const email = `owner-${Date.now().toString(36)}@salon.test`;

async function newPage(kind: 'desktop' | 'phone', locale = 'en'): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    ...(kind === 'phone' ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1280, height: 800 } }),
    baseURL: tk.url,
    locale: 'en-US',
  });
  await ctx.addInitScript((l) => localStorage.setItem('atrium.locale', l), locale);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('[browser]', e.message));
  return { ctx, page };
}

async function signIn(page: Page) {
  await page.goto('/#/login');
  await page.getByTestId('email').fill(email);
  await page.locator('input[type=password]').fill(PASSWORD);
  await page.getByTestId('submit').click();
  await page.waitForURL(/#\/dashboard/);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `messaging-${name}.png`), fullPage: true });
const noHorizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

beforeAll(async () => {
  tg = await FakeTelegram.start();
  tk = await createTestKernel({
    plugins: [path.join(root, 'plugins/messaging'), path.join(root, 'plugins/messaging-telegram')],
    adminDist: path.join(root, 'admin/dist'),
    // the fake Bot API is where an operator would point a sandbox
    config: { outbound: { allow: { 'messaging-telegram': [tg.baseUrl] } } },
  });
  owner = await tk.signup('Salon Aigerim', email, PASSWORD);
  for (const id of ['messaging', 'messaging-telegram']) expect((await owner.post(`/api/plugins/${id}/enable`)).status).toBe(200);
  // the platform's public address: Telegram's webhooks reach this kernel there
  expect((await owner.put('/api/plugins/messaging/settings', { settings: { publicBaseUrl: tk.url } })).status).toBe(200);
  bot = tg.createBot({ username: 'salon_aigerim_bot' });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

afterAll(async () => {
  await browser?.close();
  await tk?.stop();
  await tg?.close();
});

describe('the inbox in a real browser', () => {
  it('serves the messaging UI bundle', async () => {
    const r = await fetch(`${tk.url}/plugins/messaging/ui/dist/index.js`);
    expect(r.status).toBe(200);
  });

  it('desktop: connect a bot, receive a message live, reply, see the tick', async () => {
    const { ctx, page } = await newPage('desktop');
    try {
      await signIn(page);
      await page.goto('/#/messaging/channels');
      await page.getByTestId('channels-empty').waitFor();
      await page.getByTestId('channel-connect').click();
      const dlg = page.getByTestId('account-dialog');
      await dlg.locator('[data-field=botToken]').waitFor();
      await dlg.getByTestId('account-name').fill('Salon bot');
      // a mistyped token is caught before anything is sent
      await dlg.locator('[data-field=botToken]').fill('12345');
      await dlg.getByText('Not in the expected format').waitFor();
      expect(await dlg.getByTestId('account-save').isDisabled()).toBe(true);
      await dlg.locator('[data-field=botToken]').fill(bot.token);
      await dlg.locator('[data-field=apiBaseUrl]').fill(tg.baseUrl);
      await shot(page, 'connect-desktop');
      await dlg.getByTestId('account-save').click();
      const card = page.getByTestId('account-Salon bot');
      await card.and(page.locator('[data-status=connected]')).waitFor();
      expect(await card.getAttribute('data-inbound')).toBe('webhook');
      expect(bot.webhook?.url).toContain(`/api/messaging/inbound/${owner.tenantId}/`);
      await shot(page, 'channels-desktop');

      await page.getByTestId('messaging-tab-inbox').click();
      await page.getByTestId('inbox-empty').waitFor();

      // a person writes to the bot: it shows up without a reload
      const aigerim = tg.user({ first_name: 'Айгерим', username: 'aigerim_k', language_code: 'kk' });
      tg.userSends(bot, aigerim, { text: 'Сәлеметсіз бе! Can I book a haircut tomorrow at 10?' });
      const row = page.locator('[data-row=conversation]', { hasText: 'Айгерим' });
      await row.waitFor();
      expect(await row.getAttribute('data-unread')).toBe('1');
      await row.click();
      const thread = page.getByTestId('thread');
      await thread.locator('[data-row=message][data-direction=in]', { hasText: 'book a haircut' }).waitFor();

      await page.getByTestId('composer-text').fill('Yes — 10:00 tomorrow is free. See you!');
      await page.getByTestId('composer-send').click();
      const mine = thread.locator('[data-row=message][data-direction=out]', { hasText: '10:00 tomorrow' });
      await mine.waitFor();
      // the fake Telegram received it as sendMessage to her chat …
      await expect.poll(() => bot.sent.find((m) => m.chat.id === aigerim.id && m.text === 'Yes — 10:00 tomorrow is free. See you!') ? 'ok' : null, { timeout: 20_000 }).toBe('ok');
      // … and the tick says so (pushed, no reload)
      await mine.locator('[data-testid=message-tick][data-status=sent]').waitFor();
      // her next message arrives in the open thread, live
      tg.userSends(bot, aigerim, { text: 'Рахмет! 🙏' });
      await thread.locator('[data-row=message][data-direction=in]', { hasText: 'Рахмет' }).waitFor();
      await shot(page, 'inbox-desktop');

      // resolving moves it off the open list
      await page.getByTestId('thread-resolve').click();
      await page.getByTestId('thread-status').getByText('Resolved').waitFor();
      await expect.poll(() => page.locator('[data-row=conversation]', { hasText: 'Айгерим' }).count(), { timeout: 10_000 }).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('phone (Russian): the list, a message arriving live, the thread with its back button, a reply', async () => {
    const { ctx, page } = await newPage('phone', 'ru');
    try {
      await signIn(page);
      await page.goto('/#/messaging');
      await page.getByTestId('messaging-tab-inbox').getByText('Входящие').waitFor();
      const dana = tg.user({ first_name: 'Дана', username: 'dana_s', language_code: 'ru' });
      tg.userSends(bot, dana, { text: 'Здравствуйте! Сколько стоит маникюр?' });
      const row = page.locator('[data-row=conversation]', { hasText: 'Дана' });
      await row.waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'inbox-list-phone');
      await row.click();
      await page.waitForURL(/#\/messaging\/c\//);
      // on a phone the thread replaces the list
      expect(await page.getByTestId('conversation-list').count()).toBe(0);
      await page.getByTestId('composer-text').fill('Маникюр — 6 000 ₸');
      await page.getByTestId('composer-send').click();
      const mine = page.locator('[data-row=message][data-direction=out]', { hasText: '6 000' });
      await mine.locator('[data-testid=message-tick][data-status=sent]').waitFor({ timeout: 20_000 });
      expect(bot.sent.filter((m) => m.chat.id === dana.id && m.text === 'Маникюр — 6 000 ₸')).toHaveLength(1);
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'thread-phone');
      await page.getByTestId('thread-back').click();
      await page.getByTestId('conversation-list').waitFor();
    } finally {
      await ctx.close();
    }
  });
});
