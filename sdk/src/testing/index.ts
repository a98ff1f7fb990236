/** @atrium/sdk/testing — boot a real kernel with your plugin in a test. */
export { createTestKernel, type TestKernel, type TestClient, type CreateTestKernelOptions, type TestTenantSpec, type HttpResult } from './create-test-kernel.ts';
/** Row rules hold on every path: walks every route of the live API with a role whose rules match no row. */
export { checkRowRules, type RowRulesReport, type RowRulesOutcome } from './row-rules.ts';
/** A real SMTP server on 127.0.0.1 that keeps what it receives (mail flows: invitations, receipts). */
export { startSmtpCapture, tokenFrom, type CapturedMail } from './smtp-capture.ts';
/** A store terminal with a virtual ESC/POS printer, enrolled against the test kernel (device-bus flows). */
export { startVirtualTill } from '@atrium/devices/testing/till';
/** The base of every fake outside service a plugin ships in `./testing` (lifecycle, request log, fault knobs). */
export { FakeHttpServer, jsonReply, type FakeRequest, type FakeReply, type RequestMatch, type SendResult } from './fake-server.ts';
/** Waits for a condition (never for a time). */
export { waitFor } from './wait-for.ts';
