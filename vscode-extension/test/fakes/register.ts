// Loaded first by every test: makes `require('vscode')` and `require('vscode-languageclient/node')`
// resolve to the fakes, the way VS Code's extension host would inject the real `vscode`.
import Module = require('module');

const fakes: Record<string, string> = {
  vscode: require.resolve('./vscode'),
  'vscode-languageclient/node': require.resolve('./languageclient'),
};
const moduleInternals = Module as unknown as {
  _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
};
const original = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]): string {
  if (request in fakes) return fakes[request];
  return original.call(this, request, parent, ...rest);
};
