import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { ManifestSchema } from './manifest.schema.ts';
import { validateManifest } from './validate-manifest.ts';

describe('manifest schema', () => {
  it('the published JSON file (for editors, `$schema`) matches the TypeBox source', () => {
    const file = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'manifest.schema.json'), 'utf8'));
    const { $schema, $id, title, ...rest } = file;
    expect($schema).toMatch(/2020-12/);
    expect(rest).toEqual(JSON.parse(JSON.stringify(ManifestSchema)));
  });

  it('validates the notes manifest and names bad fields', () => {
    const notes = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../../plugins/notes/atrium.plugin.json'), 'utf8'));
    expect(validateManifest(notes).id).toBe('notes');
    expect(() => validateManifest({ ...notes, id: 'Bad Id' })).toThrow(/id/);
    expect(() => validateManifest({ ...notes, events: { publishes: ['other.thing.v1'] } })).toThrow(/events\.publishes\.0 must start with "notes\."/);
    expect(() => validateManifest({ ...notes, dependencies: { payments: 'not-a-range' } })).toThrow(/not a semver range/);
    expect(() => validateManifest({ ...notes, extra: 1 })).toThrow(/extra is not a known manifest field/);
  });
});
