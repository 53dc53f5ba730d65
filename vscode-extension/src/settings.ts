// The extension's settings as the language server sees them: read once from the `dfc` section,
// validated, paths made absolute. Sent as initializationOptions and on every configuration change.
import * as path from 'path';

import { expandPath } from './locate';

export type Severity = 'error' | 'warning' | 'info' | 'style' | 'off';
const SEVERITIES: readonly string[] = ['error', 'warning', 'info', 'style', 'off'];

// The shape the server reads under initializationOptions and workspace/configuration section "dfc".
export interface ServerSettings {
  lint: {
    severityOverrides: Record<string, Severity>; // rule id or alias -> severity ("off" = ignored)
    shellcheck: boolean;
    configFile: string; // absolute path, or "" for "nearest config file from each Dockerfile"
  };
}

// Reading settings goes through this so the module does not need `vscode` itself.
export interface SettingsSource {
  get<T>(key: string, fallback: T): T;
}

export interface ReadSettings {
  settings: ServerSettings;
  problems: string[]; // one line per ignored entry, for the output channel
}

export function readSettings(source: SettingsSource, workspaceFolder: string | undefined): ReadSettings {
  const problems: string[] = [];
  const severityOverrides: Record<string, Severity> = {};
  const raw = source.get<unknown>('lint.severityOverrides', {});
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [rule, value] of Object.entries(raw as Record<string, unknown>)) {
      const sev = typeof value === 'string' ? value.toLowerCase() : value;
      if (typeof sev === 'string' && SEVERITIES.includes(sev)) {
        severityOverrides[rule.trim()] = sev as Severity;
      } else {
        problems.push(`dfc.lint.severityOverrides: "${rule}" has ${JSON.stringify(value)}; ` +
          `expected one of ${SEVERITIES.join(', ')}`);
      }
    }
  } else if (raw !== undefined && raw !== null) {
    problems.push('dfc.lint.severityOverrides: expected an object of rule id -> severity');
  }
  const shellcheck = source.get<unknown>('lint.shellcheck', true);
  if (typeof shellcheck !== 'boolean') problems.push('dfc.lint.shellcheck: expected true or false');
  const configSetting = source.get<unknown>('lint.hadolintConfig', '');
  let configFile = '';
  if (typeof configSetting === 'string' && configSetting.trim() !== '') {
    configFile = expandPath(configSetting, workspaceFolder);
    // A bare file name is relative to the workspace too (expandPath leaves bare names alone,
    // which is right for binaries on PATH but not for config files).
    if (workspaceFolder !== undefined && !path.isAbsolute(configFile))
      configFile = path.join(workspaceFolder, configFile);
  } else if (typeof configSetting !== 'string') {
    problems.push('dfc.lint.hadolintConfig: expected a path');
  }
  return {
    settings: { lint: { severityOverrides, shellcheck: shellcheck !== false, configFile } },
    problems,
  };
}

// `dfc lint` flags that say the same as the settings (severity overrides have no flag: the
// CLI takes them from config files only).
export function lintFlags(s: ServerSettings): string[] {
  const flags: string[] = [];
  if (s.lint.configFile) flags.push('--config', s.lint.configFile);
  if (!s.lint.shellcheck) flags.push('--no-shellcheck');
  for (const [rule, sev] of Object.entries(s.lint.severityOverrides))
    if (sev === 'off') flags.push('--ignore', rule);
  return flags;
}
