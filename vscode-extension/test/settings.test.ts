// Settings -> what the server gets (initializationOptions, workspace/configuration) and the
// matching `dfc lint` flags; invalid entries are dropped with a message, never sent.
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { test } from 'node:test';

import { lintFlags, readSettings } from '../src/settings';

function source(values: Record<string, unknown>) {
  return { get: <T>(key: string, fallback: T): T => (key in values ? (values[key] as T) : fallback) };
}

test('defaults: no overrides, ShellCheck on, nearest config file', () => {
  const r = readSettings(source({}), '/ws');
  assert.deepEqual(r.settings, { lint: { severityOverrides: {}, shellcheck: true, configFile: '' } });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(lintFlags(r.settings), []);
});

test('severity overrides keep valid entries (case-insensitive) and report the rest', () => {
  const r = readSettings(source({
    'lint.severityOverrides': { DL3008: 'Error', StageNameCasing: 'off', DL3009: 'fatal', DL4000: 3 },
  }), undefined);
  assert.deepEqual(r.settings.lint.severityOverrides, { DL3008: 'error', StageNameCasing: 'off' });
  assert.equal(r.problems.length, 2, r.problems.join('\n'));
  assert.match(r.problems[0], /"DL3009" has "fatal"/);
  assert.match(r.problems[1], /"DL4000" has 3/);
  assert.deepEqual(readSettings(source({ 'lint.severityOverrides': ['DL3008'] }), undefined).problems.length, 1);
});

test('hadolint config path is made absolute from the workspace folder', () => {
  const cases: [string, string][] = [
    ['.hadolint.yaml', path.join('/ws', '.hadolint.yaml')],
    ['conf/lint.yaml', path.join('/ws', 'conf/lint.yaml')],
    ['${workspaceFolder}/x.yaml', '/ws/x.yaml'],
    ['/etc/hadolint.yaml', '/etc/hadolint.yaml'],
  ];
  for (const [setting, expected] of cases)
    assert.equal(readSettings(source({ 'lint.hadolintConfig': setting }), '/ws').settings.lint.configFile, expected, setting);
});

test('lint flags follow the settings', () => {
  const r = readSettings(source({
    'lint.shellcheck': false,
    'lint.hadolintConfig': '/c/.hadolint.yaml',
    'lint.severityOverrides': { DL3008: 'error', DL3059: 'off' },
  }), '/ws');
  assert.deepEqual(lintFlags(r.settings), ['--config', '/c/.hadolint.yaml', '--no-shellcheck', '--ignore', 'DL3059']);
});

test('a non-boolean shellcheck setting is reported and treated as on', () => {
  const r = readSettings(source({ 'lint.shellcheck': 'no' }), undefined);
  assert.equal(r.settings.lint.shellcheck, true);
  assert.equal(r.problems.length, 1);
});
