// The server command line the extension builds, run for real: `dfc lsp --stdio` from DFC_BIN
// gets the extension's initializationOptions over the same JSON-RPC framing the client uses.
import './fakes/register';

import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

import { serverOptions } from '../src/extension';
import { readSettings } from '../src/settings';
import { tempDir } from './helpers';

const dfcBin = process.env.DFC_BIN;

test('dfc lsp --stdio answers initialize, publishes diagnostics, applies a settings change and shuts down', { skip: dfcBin ? false : 'DFC_BIN not set: no dfc binary to run' }, async () => {
  const options = serverOptions(dfcBin!) as { run: { command: string; args: string[] } };
  const dir = tempDir();
  const file = path.join(dir, 'Dockerfile');
  const text = 'FROM busybox\nRUN apt-get install curl\nexpose 99999\n';
  fs.writeFileSync(file, text);
  const child = spawn(options.run.command, options.run.args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  type Published = { uri: string; diagnostics: { code?: string; range: { start: { line: number } } }[] };
  // Every publishDiagnostics in order; nextDiagnostics() waits for the next unseen one.
  const published: Published[] = [];
  let wake: (() => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: Published) => { published.push(p); wake?.(); });
  let seen = 0;
  const nextDiagnostics = async (): Promise<Published> => {
    while (published.length <= seen) await new Promise<void>((resolve) => { wake = resolve; });
    return published[seen++];
  };
  conn.listen();
  try {
    const settings = readSettings({ get: <T>(k: string, d: T) => (k === 'lint.shellcheck' ? (false as T) : d) }, dir).settings;
    const init = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid, rootUri: `file://${dir}`, capabilities: {}, initializationOptions: settings,
    });
    for (const cap of ['hoverProvider', 'completionProvider', 'documentFormattingProvider', 'codeActionProvider'])
      assert.ok(init.capabilities[cap], `${cap} missing from ${JSON.stringify(Object.keys(init.capabilities))}`);
    await conn.sendNotification('initialized', {});
    const uri = `file://${file}`;
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    const first = await nextDiagnostics();
    assert.equal(first.uri, uri);
    const expose = first.diagnostics.find((d) => d.range.start.line === 2);
    assert.ok(expose && expose.code, `no diagnostic on line 3 (expose 99999): ${JSON.stringify(first.diagnostics)}`);
    // What the extension sends when lint settings change: the server re-lints open documents
    // with them, so turning that rule off in severityOverrides removes its diagnostic.
    const off = readSettings({
      get: <T>(k: string, d: T) => (k === 'lint.shellcheck' ? (false as T)
        : k === 'lint.severityOverrides' ? ({ [expose.code!]: 'off' } as T) : d),
    }, dir).settings;
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: { dfc: off } });
    const after = await nextDiagnostics();
    assert.equal(after.uri, uri);
    assert.ok(!after.diagnostics.some((d) => d.code === expose.code),
      `${expose.code} still reported after it was turned off: ${JSON.stringify(after.diagnostics)}`);
    const hover = await conn.sendRequest<{ contents: unknown } | null>('textDocument/hover',
      { textDocument: { uri }, position: { line: 0, character: 1 } });
    assert.ok(hover && JSON.stringify(hover.contents).includes('FROM'), `hover after didChangeConfiguration: ${JSON.stringify(hover)}`);
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
    assert.equal(await exited, 0, stderr);
  } finally {
    conn.dispose();
    child.kill();
  }
});
