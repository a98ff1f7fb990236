import fs from 'node:fs';
import path from 'node:path';

export interface AgentCredential {
  kernelUrl: string;
  terminalId: string;
  token: string;
  tenantId?: string;
  storeId?: string;
}

/** The terminal credential lives in one file readable only by the agent's user (0600, directory 0700). */
export function saveCredential(file: string, cred: AgentCredential): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cred, null, 2), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600); // writeFileSync keeps the mode of an existing file
  fs.renameSync(tmp, file);
}

export function loadCredential(file: string): AgentCredential | undefined {
  if (!fs.existsSync(file)) return undefined;
  const mode = fs.statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && mode & 0o077) {
    throw new Error(`${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as AgentCredential;
}

/** Exchange a one-time enrolment code for a credential (`POST {kernel}/api/devices/enroll`). */
export async function enroll(httpUrl: string, code: string, name: string): Promise<{ terminalId: string; token: string; tenantId: string; storeId: string }> {
  const res = await fetch(new URL('/api/devices/enroll', httpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, name }),
  });
  const body = (await res.json()) as { error?: string; terminalId: string; token: string; tenantId: string; storeId: string };
  if (!res.ok) throw new Error(`enrolment failed: ${body.error ?? res.status}`);
  return body;
}
