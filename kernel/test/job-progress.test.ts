import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAction, defineJob, definePlugin, defineService } from '@atrium/sdk';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Issue 12: JobContext.progress is stored on the job (BullMQ) and shown through the jobs API while
 * the job runs — to its tenant only. The job waits on a latch the test opens, so "while it runs" is
 * a state the test holds, not a race.
 */
let release: () => void = () => {};
const latch = () => new Promise<void>((r) => (release = r));
let waiting = latch();

const worker = definePlugin({
  manifest: { id: 'worker', version: '1.0.0', displayName: { en: 'Worker' }, engines: { sdk: '^1.0.0' }, permissions: { subjects: [{ subject: 'worker.Crunch', actions: ['create'] }] } },
  services: [defineService({
    name: 'crunch',
    actions: {
      start: defineAction({
        rest: 'POST /',
        permission: ['create', 'worker.Crunch'],
        async handler(ctx) {
          const id = crypto.randomUUID();
          await ctx.jobs.enqueue('crunch', { size: 3 }, { jobId: id });
          return { id };
        },
      }),
    },
  })],
  jobs: {
    crunch: defineJob({
      maxAttempts: 1,
      async handler(ctx) {
        await ctx.progress(40);
        await waiting;
        await ctx.progress(100);
        return { crunched: ctx.data.size };
      },
    }),
  },
});

let tk: TestKernel;
let one: TestClient;
let two: TestClient;


beforeAll(async () => {
  tk = await createTestKernel({ plugins: [worker], tenants: [{ name: 'One', enable: ['worker'] }, { name: 'Two', enable: ['worker'] }] });
  one = await tk.as('owner@one.test');
  two = await tk.as('owner@two.test');
});
afterAll(async () => {
  release();
  await tk?.stop();
});

describe('job progress', () => {
  it('is visible through the jobs API while the job runs, to its tenant only', async () => {
    expect((await one.post('/api/worker/crunch')).status).toBe(200);
    const running = await waitFor('the job to report 40 %', async () => {
      const r = await one.get('/api/jobs');
      return r.body.items?.find((j: any) => j.plugin === 'worker' && j.name === 'crunch' && j.state === 'active' && j.progress === 40);
    });
    expect(running).toMatchObject({ queue: 'jobs', attemptsMade: 0, maxAttempts: 1, finishedOn: null });
    const one1 = await one.get(`/api/jobs/jobs/${encodeURIComponent(running.id)}`);
    expect(one1.body).toMatchObject({ state: 'active', progress: 40 });
    expect((await one.get('/api/jobs/queues')).body.items.find((q: any) => q.name === 'jobs').counts.active).toBe(1);
    // the other tenant sees neither the job nor its count
    expect((await two.get('/api/jobs')).body).toEqual({ items: [], total: 0 });
    expect((await two.get(`/api/jobs/jobs/${encodeURIComponent(running.id)}`)).status).toBe(404);
    expect((await two.get('/api/jobs/queues')).body.items.find((q: any) => q.name === 'jobs').counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });

    release();
    const done = await waitFor('the job to finish', async () => {
      const r = await one.get(`/api/jobs/jobs/${encodeURIComponent(running.id)}`);
      return r.body.state === 'completed' && r.body;
    });
    expect(done.progress).toBe(100);
    expect((await one.get('/api/jobs', { query: { state: 'completed' } })).body.items.map((j: any) => j.id)).toContain(running.id);
    expect((await one.get('/api/jobs', { query: { state: 'bogus' } })).status).toBe(400);
  });
});
