// Entry point: starts `dfc lsp --stdio` as the language client's server and registers the commands.
// All language features come from the server; this file only wires settings, processes and UI.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

import { buildImage, CommandEnv, lintWorkspace, showPlan } from './commands';
import { Located, locateDfc } from './locate';
import { readSettings, ServerSettings } from './settings';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function locate(): Located {
  const setting = vscode.workspace.getConfiguration('dfc').get<string>('path', '');
  return locateDfc(setting, process.env.PATH, workspaceFolder());
}

function currentSettings(log: vscode.OutputChannel): ServerSettings {
  const { settings, problems } = readSettings(vscode.workspace.getConfiguration('dfc'), workspaceFolder());
  for (const p of problems) log.appendLine(`settings: ${p}`);
  return settings;
}

// Documents the server is asked about: Dockerfiles on disk and unsaved ones.
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'dockerfile' },
  { scheme: 'untitled', language: 'dockerfile' },
];

export function serverOptions(command: string): ServerOptions {
  const executable = { command, args: ['lsp', '--stdio'], transport: TransportKind.stdio };
  return { run: executable, debug: executable };
}

export function clientOptions(log: vscode.OutputChannel, settings: ServerSettings): LanguageClientOptions {
  return {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: log,
    initializationOptions: settings,
    middleware: {
      workspace: {
        // Answer workspace/configuration with the validated settings (absolute paths), not the
        // raw values the client would read for section "dfc" by default.
        configuration: (params, token, next) => {
          const items = params.items ?? [];
          if (!items.some((i) => i.section === 'dfc')) return next(params, token);
          return items.map((i) => (i.section === 'dfc' ? currentSettings(log) : null));
        },
      },
    },
  };
}

// Starts the server; when dfc cannot be found, says why once and leaves the commands working
// (they repeat the message) so the user can fix the setting without reloading.
export async function startClient(log: vscode.OutputChannel): Promise<LanguageClient | undefined> {
  const located = locate();
  if (!located.ok) {
    log.appendLine(located.message);
    void vscode.window.showErrorMessage(located.message, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'dfc.path');
    });
    return undefined;
  }
  log.appendLine(`starting ${located.command} lsp --stdio`);
  const c = new LanguageClient('dfc', 'dfc', serverOptions(located.command), clientOptions(log, currentSettings(log)));
  try {
    await c.start();
  } catch (e) {
    const message = `dfc: the language server (${located.command} lsp --stdio) failed to start: ${
      e instanceof Error ? e.message : String(e)}`;
    log.appendLine(message);
    void vscode.window.showErrorMessage(message);
    return undefined;
  }
  return c;
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop().catch(() => undefined);
}

export async function restartClient(): Promise<void> {
  await stopClient();
  if (output) client = await startClient(output);
}

// Settings changes: a new binary needs a new server; lint settings are pushed to the running one.
export async function onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
  if (!output) return;
  if (e.affectsConfiguration('dfc.path')) {
    await restartClient();
    return;
  }
  if (e.affectsConfiguration('dfc.lint') && client)
    await client.sendNotification('workspace/didChangeConfiguration', { settings: { dfc: currentSettings(output) } });
}

export function languageClient(): LanguageClient | undefined {
  return client;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('dfc');
  output = log;
  context.subscriptions.push(log);
  const env: CommandEnv = { dfc: locate, settings: () => currentSettings(log), output: log };
  context.subscriptions.push(
    vscode.commands.registerCommand('dfc.build', () => buildImage(env)),
    vscode.commands.registerCommand('dfc.plan', () => showPlan(env)),
    vscode.commands.registerCommand('dfc.lintWorkspace', () => lintWorkspace(env)),
    vscode.commands.registerCommand('dfc.restartServer', () => restartClient()),
    vscode.workspace.onDidChangeConfiguration((e) => onConfigurationChanged(e)),
  );
  client = await startClient(log);
}

export async function deactivate(): Promise<void> {
  await stopClient();
  output = undefined;
}
