// The bundle the .vsix ships: dist/extension.js must load with nothing but `vscode` and Node's
// own modules (node_modules is not packaged) and export activate/deactivate.
import * as assert from 'node:assert/strict';
import { builtinModules } from 'module';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import Module = require('module');

const bundle = path.resolve(__dirname, '../../dist/extension.js');

// Every name the bundle asks `vscode` for is a harmless class, so the bundled language client's
// module-level `class X extends vscode.Y` lines evaluate without a real VS Code.
function anythingVscode(): unknown {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy({}, {
    get(_t, name) {
      if (name === '__esModule') return false;
      if (!cache.has(name)) cache.set(name, class {});
      return cache.get(name);
    },
  });
}

test('dist/extension.js exists and requires only vscode and Node built-ins', () => {
  assert.ok(fs.existsSync(bundle), `${bundle} missing: run \`npm run build\``);
  const text = fs.readFileSync(bundle, 'utf8');
  const required = new Set([...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const foreign = [...required].filter((r) => r !== 'vscode' && !builtins.has(r));
  assert.deepEqual(foreign, [], `bundle requires packages it does not contain: ${foreign.join(', ')}`);
  assert.ok(required.has('vscode'));
});

test('dist/extension.js loads without node_modules and exports activate and deactivate', () => {
  const internals = Module as unknown as {
    _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
    _load(request: string, parent: unknown, isMain: boolean): unknown;
  };
  const originalLoad = internals._load;
  const originalResolve = internals._resolveFilename;
  const fake = anythingVscode();
  internals._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return fake;
    return originalLoad.call(this, request, parent, isMain);
  };
  // Resolving anything from node_modules would hide a dependency the bundle forgot to inline.
  internals._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]) {
    const resolved = originalResolve.call(this, request, parent, ...rest);
    if (resolved.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`bundle loaded ${resolved}`);
    return resolved;
  };
  try {
    const ext = require(bundle);
    assert.equal(typeof ext.activate, 'function');
    assert.equal(typeof ext.deactivate, 'function');
  } finally {
    internals._load = originalLoad;
    internals._resolveFilename = originalResolve;
  }
});
