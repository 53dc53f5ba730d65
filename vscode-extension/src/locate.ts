// Finds the dfc binary the extension runs: the `dfc.path` setting when set, else `dfc` on PATH.
// Pure apart from stat calls, so activation can say exactly why the server cannot start.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type Located = { ok: true; command: string } | { ok: false; message: string };

function isExecutableFile(file: string): boolean {
  try {
    // A directory passes X_OK too, and spawning it fails with a far less helpful EACCES.
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Expands `~` and `${workspaceFolder}`; a relative result is taken from the workspace folder,
// since VS Code's own working directory is meaningless to the user.
export function expandPath(setting: string, workspaceFolder: string | undefined): string {
  let p = setting.trim();
  if (p === '~' || p.startsWith('~/')) p = path.join(os.homedir(), p.slice(1));
  if (workspaceFolder !== undefined) p = p.split('${workspaceFolder}').join(workspaceFolder);
  if (!path.isAbsolute(p) && workspaceFolder !== undefined && (p.includes('/') || p.includes(path.sep)))
    p = path.join(workspaceFolder, p);
  return p;
}

export function searchPath(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function locateDfc(setting: string | undefined, envPath: string | undefined,
                          workspaceFolder: string | undefined): Located {
  if (setting && setting.trim() !== '') {
    const p = expandPath(setting, workspaceFolder);
    // A bare name ("dfc-dev") in the setting means "this name on PATH".
    if (!p.includes('/') && !p.includes(path.sep)) {
      const found = searchPath(p, envPath);
      if (found) return { ok: true, command: found };
      return {
        ok: false,
        message: `dfc: the setting "dfc.path" is "${setting}", but no executable of that name is on PATH. ` +
          'Set "dfc.path" to the full path of the dfc binary.',
      };
    }
    if (isExecutableFile(p)) return { ok: true, command: p };
    const why = fs.existsSync(p) ? 'is not an executable file' : 'does not exist';
    return {
      ok: false,
      message: `dfc: the setting "dfc.path" points to ${p}, which ${why}. ` +
        'Fix "dfc.path" or clear it to use dfc from PATH.',
    };
  }
  const found = searchPath('dfc', envPath);
  if (found) return { ok: true, command: found };
  return {
    ok: false,
    message: 'dfc: the dfc binary was not found on PATH, so Dockerfile diagnostics, hover and completion are off. ' +
      'Install dfc or set "dfc.path" to the dfc binary.',
  };
}
