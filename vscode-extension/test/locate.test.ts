// Finding the dfc binary: the dfc.path setting (absolute, relative, ~, ${workspaceFolder}, bare
// names) and PATH, and the message the user gets for each way it can be missing.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';

import { expandPath, locateDfc } from '../src/locate';
import { fakeDfc, tempDir } from './helpers';

test('dfc.path pointing at an executable is used as is', () => {
  const dir = tempDir();
  const dfc = fakeDfc(dir);
  assert.deepEqual(locateDfc(dfc.path, '', undefined), { ok: true, command: dfc.path });
});

test('dfc.path is expanded: ${workspaceFolder}, relative paths and ~', () => {
  const ws = tempDir();
  fs.mkdirSync(path.join(ws, 'bin'));
  const dfc = fakeDfc(path.join(ws, 'bin'));
  assert.deepEqual(locateDfc('${workspaceFolder}/bin/dfc', '', ws), { ok: true, command: dfc.path });
  assert.deepEqual(locateDfc('bin/dfc', '', ws), { ok: true, command: dfc.path });
  assert.equal(expandPath('~/x/dfc', ws), path.join(os.homedir(), 'x/dfc'));
});

test('dfc.path naming a missing file says which path and that it does not exist', () => {
  const dir = tempDir();
  const missing = path.join(dir, 'nope', 'dfc');
  const r = locateDfc(missing, '', undefined);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.message.includes(missing) && r.message.includes('does not exist'), JSON.stringify(r));
  assert.ok(!r.ok && r.message.includes('dfc.path'));
});

test('dfc.path naming a non-executable file or a directory is refused', () => {
  const dir = tempDir();
  const plain = path.join(dir, 'dfc');
  fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
  for (const p of [plain, dir]) {
    const r = locateDfc(p, '', undefined);
    assert.ok(!r.ok && r.message.includes('is not an executable file'), `${p}: ${JSON.stringify(r)}`);
  }
});

test('without dfc.path, dfc is found on PATH (first match wins)', () => {
  const a = tempDir();
  const b = tempDir();
  fakeDfc(b);
  const first = fakeDfc(a);
  const envPath = ['/nonexistent', a, b].join(path.delimiter);
  assert.deepEqual(locateDfc('', envPath, undefined), { ok: true, command: first.path });
  assert.deepEqual(locateDfc('   ', envPath, undefined), { ok: true, command: first.path });
});

test('without dfc.path and no dfc on PATH, the message names PATH and the setting', () => {
  const empty = tempDir();
  for (const envPath of [empty, '', undefined]) {
    const r = locateDfc(undefined, envPath, undefined);
    assert.ok(!r.ok, String(envPath));
    assert.match(!r.ok ? r.message : '', /not found on PATH.*set "dfc\.path"/, String(envPath));
  }
});

test('a bare name in dfc.path is looked up on PATH', () => {
  const dir = tempDir();
  const dfc = fakeDfc(dir);
  fs.renameSync(dfc.path, path.join(dir, 'dfc-dev'));
  assert.deepEqual(locateDfc('dfc-dev', dir, undefined), { ok: true, command: path.join(dir, 'dfc-dev') });
  const r = locateDfc('dfc-other', dir, undefined);
  assert.ok(!r.ok && r.message.includes('"dfc-other"') && r.message.includes('PATH'), JSON.stringify(r));
});
