export { FakeTelegram, type FakeTelegramOptions, type DeliveryResult } from './fake-telegram.server.ts';
export { FakeBot, type FakeChat } from './fake-telegram.bot.ts';
