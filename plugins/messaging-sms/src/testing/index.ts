export { FakeTwilio, type FakeTwilioAccount } from './fake-twilio.server.ts';
export { FakeSmsGateway } from './fake-gateway.server.ts';
