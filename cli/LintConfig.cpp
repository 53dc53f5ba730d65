// Reads lint configuration YAML with yaml-cpp. Every key hadolint documents is accepted with its
// meaning; an unknown key or a wrong type is an error with its position, never silently ignored.
#include "cli/LintConfig.h"
#include "ir/passes/lint/Format.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <climits>
#include <map>
#include <cstdlib>
#include <sys/stat.h>

namespace dfc::cli {
namespace {

bool isFile(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string where(const std::string &path, const YAML::Mark &m) {
  if (m.is_null())
    return path + ":1:1";
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

struct ConfigError {
  std::string text;
};

[[noreturn]] void fail(const std::string &path, const YAML::Node &n, const std::string &msg) {
  throw ConfigError{where(path, n.Mark()) + ": error: " + msg};
}

std::vector<std::string> stringList(const std::string &path, const YAML::Node &n, const std::string &key) {
  std::vector<std::string> out;
  if (n.IsNull())
    return out;
  if (!n.IsSequence())
    fail(path, n, "'" + key + "' must be a list of strings");
  for (const YAML::Node &item : n) {
    if (!item.IsScalar())
      fail(path, item, "'" + key + "' must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

bool boolean(const std::string &path, const YAML::Node &n, const std::string &key) {
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
    fail(path, n, "'" + key + "' must be true or false");
  return v;
}

void apply(const std::string &path, const YAML::Node &root, LintSettings &s) {
  if (root.IsNull())
    return; // an empty file configures nothing
  if (!root.IsMap())
    fail(path, root, "the configuration must be a mapping of keys to values");
  for (const auto &kv : root) {
    const YAML::Node &keyNode = kv.first;
    const YAML::Node &v = kv.second;
    std::string key = keyNode.Scalar();
    if (key == "ignored") {
      for (const std::string &id : stringList(path, v, key))
        s.config.ignored.insert(id);
    } else if (key == "override") {
      if (!v.IsMap())
        fail(path, v, "'override' must map error/warning/info/style to lists of rule ids");
      for (const auto &sev : v) {
        std::optional<Severity> level = lint::parseSeverity(sev.first.Scalar());
        if (!level)
          fail(path, sev.first, "unknown severity '" + sev.first.Scalar() + "' (error, warning, info, style)");
        for (const std::string &id : stringList(path, sev.second, "override." + sev.first.Scalar()))
          s.config.overrides[id] = *level;
      }
    } else if (key == "failure-threshold") {
      if (!v.IsScalar() || !parseFailureThreshold(v.Scalar(), s.failureThreshold))
        fail(path, v, "'failure-threshold' must be one of error, warning, info, style, none");
    } else if (key == "trustedRegistries") {
      s.config.trustedRegistries = stringList(path, v, key);
    } else if (key == "label-schema") {
      if (v.IsNull())
        continue;
      if (!v.IsMap())
        fail(path, v, "'label-schema' must map label names to types");
      static const char *types[] = {"text", "url", "semver", "hash", "rfc3339", "spdx", "email"};
      for (const auto &l : v) {
        std::string type = l.second.IsScalar() ? l.second.Scalar() : "";
        if (std::find(std::begin(types), std::end(types), type) == std::end(types))
          fail(path, l.second, "label type must be one of text, url, semver, hash, rfc3339, spdx, email");
        s.config.labelSchema[l.first.Scalar()] = type;
      }
    } else if (key == "strict-labels") {
      s.config.strictLabels = boolean(path, v, key);
    } else if (key == "disable-ignore-pragma") {
      s.config.disableIgnorePragma = boolean(path, v, key);
    } else if (key == "no-fail") {
      s.noFail = boolean(path, v, key);
    } else if (key == "shellcheck") {
      s.config.shellcheck = boolean(path, v, key);
    } else if (key == "format" || key == "no-color" || key == "verbose") {
      // hadolint's output settings: the command line decides these for dfc.
    } else {
      fail(path, keyNode, "unknown key '" + key + "'");
    }
  }
}

} // namespace

bool parseFailureThreshold(const std::string &name, std::optional<Severity> &out) {
  if (name == "none" || name == "ignore") {
    out = std::nullopt;
    return true;
  }
  if (auto s = lint::parseSeverity(name)) {
    out = *s;
    return true;
  }
  return false;
}

std::string findLintConfig(const std::string &dir) {
  std::map<std::string, std::string> seen;
  return findLintConfig(dir, seen);
}

std::string findLintConfig(const std::string &dir, std::map<std::string, std::string> &seen) {
  // The folder made absolute and rid of `.` and `..` by its text, not by the file system: the
  // walk goes up the path as written (as ESLint's and Ruff's config lookups do). realpath()
  // cost a readlink per component of every Dockerfile's folder: `dfc lint` of BuildKit's 38
  // corpus files made 265 readlink calls, a fifth of the command's CPU time.
  llvm::SmallString<256> abs(dir.empty() ? llvm::StringRef(".") : llvm::StringRef(dir));
  llvm::sys::fs::make_absolute(abs);
  llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
  std::string d(abs.str());
  if (d.empty())
    d = "/";
  std::vector<std::string> walked; // folders looked at here, which all get the answer
  std::string found;
  for (;;) {
    auto known = seen.find(d);
    if (known != seen.end()) {
      found = known->second;
      break;
    }
    walked.push_back(d);
    bool hit = false;
    for (const char *name : {".dfc.yaml", ".hadolint.yaml", ".hadolint.yml"}) {
      std::string p = (d == "/" ? "" : d) + "/" + name;
      if (isFile(p)) {
        found = p;
        hit = true;
        break;
      }
    }
    if (hit || d == "/" || d.empty())
      break;
    size_t slash = d.rfind('/');
    d = slash == 0 ? "/" : d.substr(0, slash);
  }
  for (std::string &w : walked)
    seen.emplace(std::move(w), found);
  return found;
}

std::optional<std::string> loadLintConfig(const std::string &path, LintSettings &settings) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    apply(path, root, settings);
  } catch (const ConfigError &e) {
    return e.text;
  } catch (const YAML::BadFile &) {
    return path + ": error: cannot read the configuration file";
  } catch (const YAML::Exception &e) {
    return where(path, e.mark) + ": error: " + e.msg;
  }
  settings.configFile = path;
  return std::nullopt;
}

} // namespace dfc::cli
