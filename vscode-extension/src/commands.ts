// The three commands: build the active Dockerfile in a terminal, show its build plan, lint the
// workspace into an output channel. Each runs the dfc binary; none has language logic of its own.
import { execFile } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';

import { lintFlags, ServerSettings } from './settings';

// What every command needs from the extension: where dfc is (or why it is missing) and the settings.
export interface CommandEnv {
  dfc(): { ok: true; command: string } | { ok: false; message: string };
  settings(): ServerSettings;
  output: vscode.OutputChannel;
}

export interface ProcessResult {
  code: number | null; // null when the process could not be started or was killed
  stdout: string;
  stderr: string;
  error?: string;
}

export function runProcess(command: string, args: string[], cwd: string): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const code = typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr, error: code === null ? err.message : undefined });
    });
  });
}

// POSIX shell quoting for text typed into the terminal: dfc runs on Linux only.
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.split("'").join(`'\\''`)}'`;
}

const DOCKERFILE_NAMES = /^(Dockerfile|Containerfile)(\..+)?$|\.(dockerfile|containerfile)$|^.+\.Dockerfile$/i;

export function looksLikeDockerfile(file: string): boolean {
  return DOCKERFILE_NAMES.test(path.basename(file));
}

// The Dockerfile a command applies to: the active editor's when it holds one, else the only one
// in the workspace, else the user's pick. undefined (after telling the user) when there is none.
export async function pickDockerfile(): Promise<string | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.uri.scheme === 'file' && (doc.languageId === 'dockerfile' || looksLikeDockerfile(doc.uri.fsPath)))
    return doc.uri.fsPath;
  const found = await vscode.workspace.findFiles(
    '**/{Dockerfile,Containerfile,Dockerfile.*,Containerfile.*,*.Dockerfile,*.dockerfile,*.containerfile}',
    '**/node_modules/**', 200);
  const files = found.map((u) => u.fsPath).sort();
  if (files.length === 0) {
    void vscode.window.showErrorMessage('dfc: no Dockerfile is open and none was found in the workspace.');
    return undefined;
  }
  if (files.length === 1) return files[0];
  const items = files.map((f) => ({ label: vscode.workspace.asRelativePath(f), description: '', file: f }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder: 'Dockerfile to use' });
  return choice?.file;
}

function dfcOrComplain(env: CommandEnv): string | undefined {
  const located = env.dfc();
  if (located.ok) return located.command;
  void vscode.window.showErrorMessage(located.message);
  return undefined;
}

// "dfc: Build image": the build runs in a terminal so the user sees progress and can stop it.
// The Dockerfile's folder is the build context, as `docker build .` next to it would use.
export async function buildImage(env: CommandEnv): Promise<vscode.Terminal | undefined> {
  const dfc = dfcOrComplain(env);
  if (!dfc) return undefined;
  const file = await pickDockerfile();
  if (!file) return undefined;
  const dir = path.dirname(file);
  // Save first: the terminal build reads the file from disk, not the editor's buffer.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  if (open?.isDirty) await open.save();
  const terminal = vscode.window.createTerminal({ name: `dfc build: ${path.basename(dir)}`, cwd: dir });
  terminal.show();
  terminal.sendText([dfc, 'build', '-f', file, dir].map(shellQuote).join(' '));
  return terminal;
}

// "dfc: Show build plan": `dfc plan` output in a read-only editor beside the Dockerfile.
export async function showPlan(env: CommandEnv): Promise<ProcessResult | undefined> {
  const dfc = dfcOrComplain(env);
  if (!dfc) return undefined;
  const file = await pickDockerfile();
  if (!file) return undefined;
  const dir = path.dirname(file);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  if (open?.isDirty) await open.save();
  const args = ['plan', '-f', file, dir];
  const result = await runProcess(dfc, args, dir);
  if (result.code !== 0) {
    env.output.appendLine(`$ ${[dfc, ...args].map(shellQuote).join(' ')}`);
    if (result.stdout) env.output.append(result.stdout);
    if (result.stderr) env.output.append(result.stderr);
    if (result.error) env.output.appendLine(result.error);
    env.output.show(true);
    const first = (result.stderr || result.error || '').split('\n').find((l) => l.trim() !== '') ?? '';
    void vscode.window.showErrorMessage(`dfc plan failed${result.code !== null ? ` (exit ${result.code})` : ''}: ${first}`);
    return result;
  }
  const doc = await vscode.workspace.openTextDocument({ content: result.stdout, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  return result;
}

export interface LintRun {
  folder: string;
  result: ProcessResult;
}

// "dfc: Lint workspace": `dfc lint` over each workspace folder; findings go to the output channel.
// Exit 1 means "findings at or above the threshold", which is a successful run.
export async function lintWorkspace(env: CommandEnv): Promise<LintRun[]> {
  const dfc = dfcOrComplain(env);
  if (!dfc) return [];
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('dfc: open a folder to lint the workspace.');
    return [];
  }
  const runs: LintRun[] = [];
  env.output.clear();
  env.output.show(true);
  let broken = 0;
  let withFindings = 0;
  for (const folder of folders) {
    const dir = folder.uri.fsPath;
    const args = ['lint', ...lintFlags(env.settings()), dir];
    env.output.appendLine(`$ ${[dfc, ...args].map(shellQuote).join(' ')}`);
    const result = await runProcess(dfc, args, dir);
    if (result.stdout) env.output.append(result.stdout);
    if (result.stderr) env.output.append(result.stderr);
    if (result.error) env.output.appendLine(result.error);
    if (result.code === 1) withFindings++;
    else if (result.code !== 0) broken++;
    runs.push({ folder: dir, result });
  }
  if (broken > 0)
    void vscode.window.showErrorMessage('dfc lint failed; see the "dfc" output for details.');
  else if (withFindings > 0)
    void vscode.window.showWarningMessage('dfc lint found problems; see the "dfc" output.');
  else
    void vscode.window.showInformationMessage('dfc lint: no problems found.');
  return runs;
}
