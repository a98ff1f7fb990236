// Replaced by the real setup (embedded PostgreSQL + Redis) as the kernel lands.
export async function setup(): Promise<void> {}
export async function teardown(): Promise<void> {}
