/** @atrium/sdk/testing — boot a real kernel with your plugin in a test. */
export { createTestKernel, type TestKernel, type TestClient, type CreateTestKernelOptions, type TestTenantSpec, type HttpResult } from './create-test-kernel.ts';
