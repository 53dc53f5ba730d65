// Temp folders and a fake `dfc` executable for the tests: a real process that records its argv
// and answers with what the test scripted, so command logic is exercised through real spawns.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-ext-test-')));
}

export interface FakeDfc {
  path: string;
  // argv of each run, one array per run
  calls(): string[][];
}

// A shell script that appends its arguments (NUL-separated) to a log, then prints `stdout`,
// prints `stderr` to stderr and exits with `code`.
export function fakeDfc(dir: string, opts: { stdout?: string; stderr?: string; code?: number } = {}): FakeDfc {
  const log = path.join(dir, 'calls.log');
  const script = path.join(dir, 'dfc');
  const q = (s: string) => `'${s.split("'").join(`'\\''`)}'`;
  fs.writeFileSync(script, [
    '#!/bin/sh',
    `for a in "$@"; do printf '%s\\0' "$a"; done >> ${q(log)}`,
    `printf '\\n' >> ${q(log)}`,
    `printf '%s' ${q(opts.stdout ?? '')}`,
    `printf '%s' ${q(opts.stderr ?? '')} >&2`,
    `exit ${opts.code ?? 0}`,
    '',
  ].join('\n'), { mode: 0o755 });
  return {
    path: script,
    calls: () => {
      if (!fs.existsSync(log)) return [];
      return fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')
        .map((l) => l.split('\0').slice(0, -1));
    },
  };
}
