// A stand-in for the `vscode` module (VS Code cannot run here): just the API the extension uses,
// recording what the extension asks of it so tests can assert on messages, terminals and documents.
import * as path from 'path';

export class Uri {
  private constructor(readonly scheme: string, readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static untitled(name: string): Uri {
    return new Uri('untitled', name);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class Disposable {
  constructor(private readonly onDispose: () => void = () => undefined) {}
  dispose(): void {
    this.onDispose();
  }
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  isDirty: boolean;
  saved: number;
  content?: string;
  save(): Promise<boolean>;
  getText(): string;
}

export function document(file: string, languageId = 'dockerfile', isDirty = false): FakeDocument {
  const doc: FakeDocument = {
    uri: Uri.file(file), languageId, isDirty, saved: 0,
    save: async () => { doc.saved++; doc.isDirty = false; return true; },
    getText: () => doc.content ?? '',
  };
  return doc;
}

export interface FakeOutputChannel {
  name: string;
  lines: string[];
  shown: number;
  disposed: boolean;
  text(): string;
  append(s: string): void;
  appendLine(s: string): void;
  clear(): void;
  show(preserveFocus?: boolean): void;
  hide(): void;
  replace(s: string): void;
  dispose(): void;
}

export interface FakeTerminal {
  name: string;
  cwd?: string;
  sent: string[];
  shown: number;
  sendText(text: string): void;
  show(): void;
  dispose(): void;
}

// Everything the fake records; tests reset it between cases.
export const state = {
  config: {} as Record<string, unknown>,
  folders: [] as string[],
  files: [] as string[], // what workspace.findFiles returns
  textDocuments: [] as FakeDocument[],
  activeDocument: undefined as FakeDocument | undefined,
  errors: [] as string[],
  warnings: [] as string[],
  infos: [] as string[],
  errorChoice: undefined as string | undefined, // the button the "user" clicks on an error message
  quickPickChoice: 0 as number | undefined, // index picked, undefined = dismissed
  quickPicks: [] as string[][],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as unknown[][],
  terminals: [] as FakeTerminal[],
  channels: [] as FakeOutputChannel[],
  opened: [] as { content?: string; language?: string }[],
  shownDocuments: [] as unknown[],
  configListeners: [] as ((e: { affectsConfiguration(s: string): boolean }) => unknown)[],
};

export function reset(): void {
  state.config = {};
  state.folders = [];
  state.files = [];
  state.textDocuments = [];
  state.activeDocument = undefined;
  state.errors = [];
  state.warnings = [];
  state.infos = [];
  state.errorChoice = undefined;
  state.quickPickChoice = 0;
  state.quickPicks = [];
  state.commands = new Map();
  state.executed = [];
  state.terminals = [];
  state.channels = [];
  state.opened = [];
  state.shownDocuments = [];
  state.configListeners = [];
}

// Fires onDidChangeConfiguration for the given changed keys and waits for the listeners.
export async function changeConfiguration(changed: Record<string, unknown>): Promise<void> {
  Object.assign(state.config, changed);
  const keys = Object.keys(changed);
  const event = { affectsConfiguration: (s: string) => keys.some((k) => k === s || k.startsWith(`${s}.`)) };
  await Promise.all(state.configListeners.map((l) => l(event)));
}

export const workspace = {
  getConfiguration(section?: string) {
    const prefix = section ? `${section}.` : '';
    return {
      get<T>(key: string, fallback?: T): T | undefined {
        const full = prefix + key;
        return full in state.config ? (state.config[full] as T) : fallback;
      },
    };
  },
  get workspaceFolders() {
    return state.folders.length === 0
      ? undefined
      : state.folders.map((f, index) => ({ uri: Uri.file(f), name: path.basename(f), index }));
  },
  get textDocuments() {
    return state.textDocuments;
  },
  async findFiles(): Promise<Uri[]> {
    return state.files.map((f) => Uri.file(f));
  },
  asRelativePath(p: string): string {
    const root = state.folders[0];
    return root && p.startsWith(root + path.sep) ? p.slice(root.length + 1) : p;
  },
  async openTextDocument(options: { content?: string; language?: string }) {
    state.opened.push(options);
    return { uri: Uri.untitled('plan'), languageId: options.language, getText: () => options.content };
  },
  onDidChangeConfiguration(listener: (e: { affectsConfiguration(s: string): boolean }) => unknown) {
    state.configListeners.push(listener);
    return new Disposable(() => {
      state.configListeners = state.configListeners.filter((l) => l !== listener);
    });
  },
};

function message(kind: 'errors' | 'warnings' | 'infos') {
  return (text: string, ...items: string[]) => {
    state[kind].push(text);
    return Promise.resolve(items.includes(state.errorChoice ?? '') ? state.errorChoice : undefined);
  };
}

export const window = {
  get activeTextEditor() {
    return state.activeDocument ? { document: state.activeDocument } : undefined;
  },
  showErrorMessage: message('errors'),
  showWarningMessage: message('warnings'),
  showInformationMessage: message('infos'),
  createOutputChannel(name: string): FakeOutputChannel {
    const ch: FakeOutputChannel = {
      name, lines: [''], shown: 0, disposed: false,
      text: () => ch.lines.join('\n'),
      append: (s: string) => {
        const parts = s.split('\n');
        ch.lines[ch.lines.length - 1] += parts[0];
        ch.lines.push(...parts.slice(1));
      },
      appendLine: (s: string) => ch.append(`${s}\n`),
      clear: () => { ch.lines = ['']; },
      show: () => { ch.shown++; },
      hide: () => undefined,
      replace: (s: string) => { ch.lines = ['']; ch.append(s); },
      dispose: () => { ch.disposed = true; },
    };
    state.channels.push(ch);
    return ch;
  },
  createTerminal(options: { name: string; cwd?: string }): FakeTerminal {
    const t: FakeTerminal = {
      name: options.name, cwd: options.cwd, sent: [], shown: 0,
      sendText: (text: string) => { t.sent.push(text); },
      show: () => { t.shown++; },
      dispose: () => undefined,
    };
    state.terminals.push(t);
    return t;
  },
  async showQuickPick<T extends { label: string }>(items: T[]): Promise<T | undefined> {
    state.quickPicks.push(items.map((i) => i.label));
    return state.quickPickChoice === undefined ? undefined : items[state.quickPickChoice];
  },
  async showTextDocument(doc: unknown) {
    state.shownDocuments.push(doc);
    return { document: doc };
  },
};

export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown) {
    if (state.commands.has(id)) throw new Error(`command ${id} registered twice`);
    state.commands.set(id, handler);
    return new Disposable(() => state.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]) {
    state.executed.push([id, ...args]);
    const handler = state.commands.get(id);
    return handler ? handler(...args) : undefined;
  },
};
