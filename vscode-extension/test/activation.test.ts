// Activation with `vscode` and the language client faked: which server is started with which
// options, what the user is told when dfc is missing, and how settings changes reach the server.
import './fakes/register';

import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type * as vscodeTypes from 'vscode';

import * as ext from '../src/extension';
import { LanguageClient } from './fakes/languageclient';
import * as vscode from './fakes/vscode';
import { fakeDfc, tempDir } from './helpers';

const COMMANDS = ['dfc.build', 'dfc.lintWorkspace', 'dfc.plan', 'dfc.restartServer'];

function context() {
  return { subscriptions: [] as { dispose(): unknown }[] } as unknown as vscodeTypes.ExtensionContext;
}

let savedPath: string | undefined;
beforeEach(() => {
  vscode.reset();
  LanguageClient.instances = [];
  LanguageClient.failStart = undefined;
  savedPath = process.env.PATH;
});
afterEach(async () => {
  await ext.deactivate();
  process.env.PATH = savedPath;
});

test('activation starts `<dfc.path> lsp --stdio` over stdio with the settings as initializationOptions', async () => {
  const dfc = fakeDfc(tempDir());
  vscode.state.config = { 'dfc.path': dfc.path, 'dfc.lint.shellcheck': false, 'dfc.lint.severityOverrides': { DL3008: 'error' } };
  const ctx = context();
  await ext.activate(ctx);

  assert.equal(LanguageClient.instances.length, 1);
  const c = LanguageClient.instances[0];
  assert.ok(c.started);
  assert.equal(c.id, 'dfc'); // makes "dfc.trace.server" work
  for (const mode of ['run', 'debug']) {
    assert.equal(c.serverOptions[mode].command, dfc.path, mode);
    assert.deepEqual(c.serverOptions[mode].args, ['lsp', '--stdio'], mode);
    assert.equal(c.serverOptions[mode].transport, 0 /* stdio */, mode);
  }
  assert.deepEqual(c.clientOptions.initializationOptions,
    { lint: { severityOverrides: { DL3008: 'error' }, shellcheck: false, configFile: '' } });
  assert.deepEqual(c.clientOptions.documentSelector, [
    { scheme: 'file', language: 'dockerfile' }, { scheme: 'untitled', language: 'dockerfile' }]);
  assert.deepEqual([...vscode.state.commands.keys()].sort(), COMMANDS);
  assert.deepEqual(vscode.state.errors, []);
  assert.equal(ext.languageClient(), c);

  // Everything activation registered is disposed with the extension.
  assert.ok(ctx.subscriptions.length >= COMMANDS.length + 2);
  for (const d of ctx.subscriptions) d.dispose();
  assert.equal(vscode.state.commands.size, 0);
});

test('without dfc.path, dfc is taken from PATH', async () => {
  const dfc = fakeDfc(tempDir());
  process.env.PATH = `/nonexistent:${dfc.path.slice(0, -'/dfc'.length)}`;
  await ext.activate(context());
  assert.equal(LanguageClient.instances[0]?.serverOptions.run.command, dfc.path);
});

test('dfc missing: a clear error, no client, commands still answer, "Open Settings" opens dfc.path', async () => {
  process.env.PATH = tempDir();
  vscode.state.errorChoice = 'Open Settings';
  await ext.activate(context());
  assert.equal(LanguageClient.instances.length, 0);
  assert.equal(ext.languageClient(), undefined);
  assert.equal(vscode.state.errors.length, 1);
  assert.match(vscode.state.errors[0], /dfc binary was not found on PATH.*"dfc\.path"/);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(vscode.state.executed, [['workbench.action.openSettings', 'dfc.path']]);
  assert.match(vscode.state.channels[0].text(), /not found on PATH/);

  // The commands exist and repeat the reason instead of failing silently.
  assert.deepEqual([...vscode.state.commands.keys()].sort(), COMMANDS);
  for (const id of ['dfc.build', 'dfc.plan', 'dfc.lintWorkspace']) {
    vscode.state.errors = [];
    await vscode.commands.executeCommand(id);
    assert.equal(vscode.state.errors.length, 1, id);
    assert.match(vscode.state.errors[0], /not found on PATH/, id);
  }
});

test('a server that fails to start is reported with its command line', async () => {
  const dfc = fakeDfc(tempDir());
  vscode.state.config = { 'dfc.path': dfc.path };
  LanguageClient.failStart = 'Pending response rejected since connection got disposed';
  await ext.activate(context());
  assert.equal(ext.languageClient(), undefined);
  assert.equal(vscode.state.errors.length, 1);
  assert.ok(vscode.state.errors[0].includes(`${dfc.path} lsp --stdio`), vscode.state.errors[0]);
  assert.ok(vscode.state.errors[0].includes('connection got disposed'), vscode.state.errors[0]);
});

test('lint settings changes are pushed to the running server; dfc.path changes restart it', async () => {
  const ws = tempDir();
  const first = fakeDfc(ws);
  vscode.state.folders = [ws];
  vscode.state.config = { 'dfc.path': first.path };
  await ext.activate(context());
  const c = LanguageClient.instances[0];

  await vscode.changeConfiguration({ 'dfc.lint.hadolintConfig': '.hadolint.yaml', 'dfc.lint.shellcheck': false });
  assert.deepEqual(c.notifications, [{
    method: 'workspace/didChangeConfiguration',
    params: { settings: { dfc: { lint: { severityOverrides: {}, shellcheck: false, configFile: `${ws}/.hadolint.yaml` } } } },
  }]);
  assert.equal(LanguageClient.instances.length, 1);

  // Unrelated settings do nothing.
  await vscode.changeConfiguration({ 'editor.tabSize': 2 });
  assert.equal(c.notifications.length, 1);

  const otherDir = tempDir();
  const second = fakeDfc(otherDir);
  await vscode.changeConfiguration({ 'dfc.path': second.path });
  assert.ok(c.stopped);
  assert.equal(LanguageClient.instances.length, 2);
  assert.equal(LanguageClient.instances[1].serverOptions.run.command, second.path);
  assert.ok(LanguageClient.instances[1].started);
  assert.equal(ext.languageClient(), LanguageClient.instances[1]);
});

test('workspace/configuration for section "dfc" is answered with the validated settings', async () => {
  const dfc = fakeDfc(tempDir());
  vscode.state.folders = ['/ws'];
  vscode.state.config = { 'dfc.path': dfc.path, 'dfc.lint.severityOverrides': { DL3008: 'warning', X: 'bogus' } };
  await ext.activate(context());
  const configuration = LanguageClient.instances[0].clientOptions.middleware.workspace.configuration;
  let forwarded = 0;
  const next = () => { forwarded++; return ['raw']; };
  const answer = configuration({ items: [{ section: 'dfc' }, { section: 'other' }] }, undefined, next);
  assert.deepEqual(answer, [{ lint: { severityOverrides: { DL3008: 'warning' }, shellcheck: true, configFile: '' } }, null]);
  assert.equal(forwarded, 0);
  assert.deepEqual(configuration({ items: [{ section: 'editor' }] }, undefined, next), ['raw']);
  assert.equal(forwarded, 1);
  // The invalid entry was explained in the output channel.
  assert.match(vscode.state.channels[0].text(), /"X" has "bogus"/);
});

test('dfc.restartServer stops the client and starts a new one; deactivate stops it', async () => {
  const dfc = fakeDfc(tempDir());
  vscode.state.config = { 'dfc.path': dfc.path };
  await ext.activate(context());
  await vscode.commands.executeCommand('dfc.restartServer');
  assert.equal(LanguageClient.instances.length, 2);
  assert.ok(LanguageClient.instances[0].stopped);
  assert.ok(!LanguageClient.instances[1].stopped);
  await ext.deactivate();
  assert.ok(LanguageClient.instances[1].stopped);
  assert.equal(ext.languageClient(), undefined);
});
