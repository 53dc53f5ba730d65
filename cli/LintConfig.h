// `dfc lint` configuration files: `.dfc.yaml` and hadolint's `.hadolint.yaml`/`.hadolint.yml`,
// found from a Dockerfile's folder upward and read into lint::Config plus the CLI's own settings.
#pragma once

#include "ir/passes/lint/Lint.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::cli {

struct LintSettings {
  lint::Config config;
  // Findings at or above this severity fail the run; nullopt = nothing fails ("none").
  std::optional<Severity> failureThreshold = Severity::Warning;
  bool noFail = false;
  std::string configFile; // where these settings came from; empty for the defaults
};

// The config file that applies to a Dockerfile in `dir`: the nearest `.dfc.yaml`, `.hadolint.yaml`
// or `.hadolint.yml` (in that order within a folder) from `dir` up to the root; empty if none.
std::string findLintConfig(const std::string &dir);
// The same, remembering each folder's answer in `seen` (absolute path, `.` and `..` removed by
// its text -> config path): Dockerfiles of one tree share their parents, which are then looked
// at once (dfc lint of BuildKit's corpus: 988 stat calls -> 217).
std::string findLintConfig(const std::string &dir, std::map<std::string, std::string> &seen);

// Reads `path` on top of `settings`. On failure returns "file:line:col: error: ..." (1-based).
std::optional<std::string> loadLintConfig(const std::string &path, LintSettings &settings);

// The build context's ignore patterns for CopyIgnoredFile: `<Dockerfile>.dockerignore` when it
// exists (BuildKit prefers it), else `.dockerignore` in `dir` (the Dockerfile's folder, taken as
// the context). Comments and blank lines are dropped; an absent file leaves the list empty.
std::vector<std::string> readDockerignore(const std::string &dockerfile, const std::string &dir);

// ShellCheck's output per RUN body (dialect and script), so an editor re-runs it only for the
// bodies that changed.
using ShellCheckOutputs = std::map<std::string, std::string>;
// ShellCheck's findings for the RUN bodies of a program, as `dfc lint` makes them (configuration,
// suppressions and overrides applied); empty when ShellCheck is off or not installed. Checks
// `stop` between bodies and returns early once it is true.
std::vector<lint::Finding> editorShellCheck(const SyntaxTree &tree, const Program &program,
                                            const lint::Config &config, ShellCheckOutputs &outputs,
                                            const std::function<bool()> &stop);

// "error", "warning", "info", "style", "none" (hadolint's "ignore" too) -> threshold.
bool parseFailureThreshold(const std::string &name, std::optional<Severity> &out);

} // namespace dfc::cli
