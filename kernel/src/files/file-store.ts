import fs from 'node:fs';
import path from 'node:path';

/** Where file bytes live. Metadata is in kernel.file (tenant-scoped, RLS); bytes are keyed by tenant. */
export interface FileStore {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

export class LocalFileStore implements FileStore {
  private readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
    fs.mkdirSync(this.root, { recursive: true });
  }
  private resolve(key: string): string {
    const p = path.resolve(this.root, key);
    if (!p.startsWith(this.root + path.sep)) throw new Error('invalid file key');
    return p;
  }
  async put(key: string, data: Buffer): Promise<void> {
    const p = this.resolve(key);
    await fs.promises.mkdir(path.dirname(p), { recursive: true });
    // write-then-rename so a crash never leaves a half-written file under the real name
    await fs.promises.writeFile(`${p}.tmp`, data);
    await fs.promises.rename(`${p}.tmp`, p);
  }
  async get(key: string): Promise<Buffer> {
    return fs.promises.readFile(this.resolve(key));
  }
  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.resolve(key), { force: true });
  }
}
