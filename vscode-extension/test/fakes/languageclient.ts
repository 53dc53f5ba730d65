// A stand-in for `vscode-languageclient/node`: records how the extension builds and drives the
// client (server command, options, notifications) without a VS Code to attach it to.
export enum TransportKind {
  stdio = 0,
  ipc = 1,
}

export class LanguageClient {
  static instances: LanguageClient[] = [];
  static failStart: string | undefined; // when set, start() rejects with this message
  started = false;
  stopped = false;
  notifications: { method: string; params: unknown }[] = [];

  constructor(readonly id: string, readonly name: string, readonly serverOptions: any, readonly clientOptions: any) {
    LanguageClient.instances.push(this);
  }

  async start(): Promise<void> {
    if (LanguageClient.failStart) throw new Error(LanguageClient.failStart);
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  async sendNotification(method: string, params: unknown): Promise<void> {
    this.notifications.push({ method, params });
  }
}
