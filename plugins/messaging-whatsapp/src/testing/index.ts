export { FakeWhatsAppCloud, type CloudNumber } from './fake-cloud.server.ts';
export { FakeWaha, type FakeWahaSession } from './fake-waha.server.ts';
