// The commands run against a fake dfc executable (a real process that records its argv):
// which Dockerfile they pick, what they run where, and what the user sees for each outcome.
import './fakes/register';

import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { beforeEach, test } from 'node:test';
import type * as vscodeTypes from 'vscode';

import { buildImage, CommandEnv, lintWorkspace, looksLikeDockerfile, shellQuote, showPlan } from '../src/commands';
import { ServerSettings } from '../src/settings';
import * as vscode from './fakes/vscode';
import { FakeDfc, fakeDfc, tempDir } from './helpers';

const DEFAULTS: ServerSettings = { lint: { severityOverrides: {}, shellcheck: true, configFile: '' } };

function env(dfc: FakeDfc | undefined, settings: ServerSettings = DEFAULTS) {
  const output = vscode.window.createOutputChannel('dfc');
  const e: CommandEnv = {
    dfc: () => (dfc ? { ok: true, command: dfc.path } : { ok: false, message: 'dfc: not found (test)' }),
    settings: () => settings,
    output: output as unknown as vscodeTypes.OutputChannel,
  };
  return { env: e, output };
}

// A workspace with a Dockerfile in a folder whose name needs shell quoting.
function workspace(): { ws: string; dir: string; file: string } {
  const ws = tempDir();
  const dir = path.join(ws, "my app's dir");
  fs.mkdirSync(dir);
  const file = path.join(dir, 'Dockerfile');
  fs.writeFileSync(file, 'FROM busybox\nRUN echo hi\n');
  vscode.state.folders = [ws];
  return { ws, dir, file };
}

beforeEach(() => vscode.reset());

test('shellQuote survives a real shell for awkward words', () => {
  const words = ['plain', 'with space', "it's", '$HOME', 'a"b', '*', '', 'semi;colon', '/p/a-b_c.d'];
  const line = ['printf', "'%s\\0'", ...words.map(shellQuote)].join(' ');
  const out = execFileSync('sh', ['-c', line]).toString();
  assert.deepEqual(out.split('\0').slice(0, -1), words);
});

test('Dockerfile names are recognised', () => {
  for (const f of ['Dockerfile', 'Containerfile', 'Dockerfile.dev', 'api.Dockerfile', 'x.dockerfile', '/a/b/Dockerfile'])
    assert.ok(looksLikeDockerfile(f), f);
  for (const f of ['README.md', 'Dockerfile-notes.txt', 'docker-compose.yml'])
    assert.ok(!looksLikeDockerfile(f), f);
});

test('Build image: the active Dockerfile is saved and built in a terminal in its folder', async () => {
  const { dir, file } = workspace();
  const dfc = fakeDfc(tempDir());
  const doc = vscode.document(file, 'dockerfile', true);
  vscode.state.activeDocument = doc;
  vscode.state.textDocuments = [doc];
  await buildImage(env(dfc).env);

  assert.equal(doc.saved, 1);
  assert.equal(vscode.state.terminals.length, 1);
  const t = vscode.state.terminals[0];
  assert.equal(t.cwd, dir);
  assert.equal(t.shown, 1);
  assert.equal(t.sent.length, 1);
  // Run what was typed into the terminal through a real shell: dfc must get exactly these args.
  execFileSync('sh', ['-c', t.sent[0]], { cwd: dir });
  assert.deepEqual(dfc.calls(), [['build', '-f', file, dir]]);
});

test('Build image without an active Dockerfile: the only one, a pick among several, or an error', async () => {
  const { ws, file } = workspace();
  const dfc = fakeDfc(tempDir());
  vscode.state.activeDocument = vscode.document(path.join(ws, 'README.md'), 'markdown');

  vscode.state.files = [file];
  await buildImage(env(dfc).env);
  assert.equal(vscode.state.terminals.length, 1, 'single Dockerfile');
  assert.deepEqual(vscode.state.quickPicks, []);

  const other = path.join(ws, 'api', 'Dockerfile.prod');
  vscode.state.files = [other, file];
  vscode.state.quickPickChoice = 0;
  await buildImage(env(dfc).env);
  assert.deepEqual(vscode.state.quickPicks, [['api/Dockerfile.prod', "my app's dir/Dockerfile"]]);
  assert.equal(vscode.state.terminals[1].cwd, path.dirname(other));

  vscode.state.quickPickChoice = undefined; // the user dismisses the pick
  await buildImage(env(dfc).env);
  assert.equal(vscode.state.terminals.length, 2);
  assert.deepEqual(vscode.state.errors, []);

  vscode.state.files = [];
  await buildImage(env(dfc).env);
  assert.equal(vscode.state.terminals.length, 2);
  assert.match(vscode.state.errors[0] ?? '', /no Dockerfile/);
});

test('Show build plan: `dfc plan -f FILE DIR` output opens in an editor', async () => {
  const { dir, file } = workspace();
  const dfc = fakeDfc(tempDir(), { stdout: 'stage 0 busybox\n  step 1 RUN echo hi [cached]\n' });
  vscode.state.activeDocument = vscode.document(file);
  const result = await showPlan(env(dfc).env);
  assert.equal(result?.code, 0);
  assert.deepEqual(dfc.calls(), [['plan', '-f', file, dir]]);
  assert.deepEqual(vscode.state.opened, [{ content: 'stage 0 busybox\n  step 1 RUN echo hi [cached]\n', language: 'plaintext' }]);
  assert.equal(vscode.state.shownDocuments.length, 1);
  assert.deepEqual(vscode.state.errors, []);
});

test('Show build plan: a failing dfc plan shows its stderr and exit code, opens nothing', async () => {
  const { file } = workspace();
  const dfc = fakeDfc(tempDir(), { stderr: '\nDockerfile:2:1: error: unknown instruction FORM\n', code: 1 });
  vscode.state.activeDocument = vscode.document(file);
  const { env: e, output } = env(dfc);
  await showPlan(e);
  assert.deepEqual(vscode.state.opened, []);
  assert.deepEqual(vscode.state.errors, ['dfc plan failed (exit 1): Dockerfile:2:1: error: unknown instruction FORM']);
  assert.match(output.text(), /\$ .*dfc plan -f .*Dockerfile/);
  assert.match(output.text(), /unknown instruction FORM/);
  assert.ok(output.shown > 0);
});

test('Show build plan: a dfc that cannot be executed is reported, not thrown', async () => {
  const { file } = workspace();
  const dir = tempDir();
  const broken = path.join(dir, 'dfc');
  fs.writeFileSync(broken, '#!/nonexistent/interpreter\n', { mode: 0o755 });
  vscode.state.activeDocument = vscode.document(file);
  const e = env(undefined);
  e.env.dfc = () => ({ ok: true, command: broken });
  const result = await showPlan(e.env);
  assert.equal(result?.code, null);
  assert.equal(vscode.state.errors.length, 1);
  assert.match(vscode.state.errors[0], /^dfc plan failed: .*ENOENT/);
});

test('Lint workspace: dfc lint per folder with flags from the settings, output in the channel', async () => {
  const a = tempDir();
  const b = tempDir();
  vscode.state.folders = [a, b];
  const dfc = fakeDfc(tempDir(), { stdout: 'Dockerfile:1:1 DL3006 warning: Always tag the image version\n', code: 1 });
  const settings: ServerSettings = {
    lint: { severityOverrides: { DL3059: 'off', DL3008: 'error' }, shellcheck: false, configFile: '/c/.hadolint.yaml' },
  };
  const { env: e, output } = env(dfc, settings);
  const runs = await lintWorkspace(e);
  const flags = ['--config', '/c/.hadolint.yaml', '--no-shellcheck', '--ignore', 'DL3059'];
  assert.deepEqual(dfc.calls(), [['lint', ...flags, a], ['lint', ...flags, b]]);
  assert.deepEqual(runs.map((r) => [r.folder, r.result.code]), [[a, 1], [b, 1]]);
  assert.equal(output.text().match(/DL3006 warning/g)?.length, 2, output.text());
  assert.deepEqual(vscode.state.warnings, ['dfc lint found problems; see the "dfc" output.']);
  assert.deepEqual(vscode.state.errors, []);
});

test('Lint workspace: clean, broken and folderless outcomes', async () => {
  const ws = tempDir();
  vscode.state.folders = [ws];
  await lintWorkspace(env(fakeDfc(tempDir())).env);
  assert.deepEqual(vscode.state.infos, ['dfc lint: no problems found.']);

  const { env: e, output } = env(fakeDfc(tempDir(), { stderr: 'dfc lint: .hadolint.yaml:3:1: error: bad key\n', code: 2 }));
  await lintWorkspace(e);
  assert.deepEqual(vscode.state.errors, ['dfc lint failed; see the "dfc" output for details.']);
  assert.match(output.text(), /bad key/);

  vscode.state.folders = [];
  vscode.state.errors = [];
  const dfc = fakeDfc(tempDir());
  assert.deepEqual(await lintWorkspace(env(dfc).env), []);
  assert.deepEqual(dfc.calls(), []);
  assert.match(vscode.state.errors[0] ?? '', /open a folder/);
});
