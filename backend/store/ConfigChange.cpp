// `--change` instructions for import: a small Dockerfile-instruction reader for config-only
// instructions. It stays independent of frontend/ so the store library has no parser dependency.
#include "backend/store/Files.h"
#include "backend/store/ImageStore.h"

#include <nlohmann/json.hpp>

#include <cctype>

namespace dfc::store {

namespace {

// Splits on whitespace; quotes group and are removed, backslash escapes the next character.
std::vector<std::string> words(llvm::StringRef s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && quote != '\'') {
      cur += s[++i];
      have = true;
    } else if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      have = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (have)
        out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (have)
    out.push_back(cur);
  return out;
}

// Exec form (JSON array of strings) when it parses as one, else shell form via the config's SHELL.
std::vector<std::string> command(const ImageConfig &c, llvm::StringRef args) {
  if (args.startswith("[")) {
    auto j = nlohmann::json::parse(args.begin(), args.end(), nullptr, false);
    if (!j.is_discarded() && j.is_array()) {
      std::vector<std::string> out;
      bool ok = true;
      for (const auto &v : j)
        if (v.is_string())
          out.push_back(v.get<std::string>());
        else
          ok = false;
      if (ok)
        return out;
    }
  }
  std::vector<std::string> out = c.Shell.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : c.Shell;
  out.push_back(args.str());
  return out;
}

llvm::Error keyValues(llvm::StringRef what, llvm::StringRef args,
                      std::vector<std::pair<std::string, std::string>> &out) {
  std::vector<std::string> w = words(args);
  if (w.empty())
    return storeError(what + " requires at least one argument");
  if (!llvm::StringRef(w[0]).contains('=')) {
    // Legacy "ENV key value with spaces".
    llvm::StringRef rest = args.ltrim();
    auto [key, value] = rest.split(' ');
    std::vector<std::string> v = words(value);
    std::string joined;
    for (const std::string &s : v)
      joined += (joined.empty() ? "" : " ") + s;
    out.push_back({key.str(), joined});
    return llvm::Error::success();
  }
  for (const std::string &kv : w) {
    auto [k, v] = llvm::StringRef(kv).split('=');
    if (k.empty() || !llvm::StringRef(kv).contains('='))
      return storeError(what + " needs key=value pairs: " + kv);
    out.push_back({k.str(), v.str()});
  }
  return llvm::Error::success();
}

bool parseDuration(llvm::StringRef s, int64_t &ns) {
  ns = 0;
  while (!s.empty()) {
    size_t digits = s.find_first_not_of("0123456789.");
    if (digits == 0 || digits == llvm::StringRef::npos)
      return false;
    double v = 0;
    if (s.substr(0, digits).getAsDouble(v))
      return false;
    s = s.drop_front(digits);
    int64_t unit;
    if (s.startswith("ms"))
      unit = 1000000, s = s.drop_front(2);
    else if (s.startswith("us"))
      unit = 1000, s = s.drop_front(2);
    else if (s.startswith("ns"))
      unit = 1, s = s.drop_front(2);
    else if (s.startswith("s"))
      unit = 1000000000, s = s.drop_front(1);
    else if (s.startswith("m"))
      unit = 60000000000LL, s = s.drop_front(1);
    else if (s.startswith("h"))
      unit = 3600000000000LL, s = s.drop_front(1);
    else
      return false;
    ns += int64_t(v * double(unit));
  }
  return true;
}

} // namespace

llvm::Error applyConfigChange(ImageConfig &c, llvm::StringRef instruction) {
  llvm::StringRef text = instruction.trim();
  size_t sp = text.find_first_of(" \t");
  std::string keyword = text.substr(0, sp).upper();
  llvm::StringRef args = sp == llvm::StringRef::npos ? "" : text.substr(sp).trim();
  if (keyword == "CMD") {
    c.Cmd = command(c, args);
  } else if (keyword == "ENTRYPOINT") {
    c.Entrypoint = command(c, args);
    c.Cmd.clear(); // as in a Dockerfile, a new ENTRYPOINT resets an inherited CMD
  } else if (keyword == "ENV") {
    std::vector<std::pair<std::string, std::string>> kvs;
    if (llvm::Error e = keyValues("ENV", args, kvs))
      return e;
    for (auto &[k, v] : kvs)
      c.setEnv(k, v);
  } else if (keyword == "LABEL") {
    std::vector<std::pair<std::string, std::string>> kvs;
    if (llvm::Error e = keyValues("LABEL", args, kvs))
      return e;
    for (auto &[k, v] : kvs)
      c.Labels[k] = v;
  } else if (keyword == "WORKDIR") {
    std::vector<std::string> w = words(args);
    if (w.size() != 1)
      return storeError("WORKDIR requires exactly one argument");
    if (llvm::StringRef(w[0]).startswith("/") || c.WorkingDir.empty())
      c.WorkingDir = w[0];
    else
      c.WorkingDir = (llvm::StringRef(c.WorkingDir).rtrim('/') + "/" + w[0]).str();
  } else if (keyword == "EXPOSE") {
    for (const std::string &p : words(args)) {
      std::string port = llvm::StringRef(p).contains('/') ? p : p + "/tcp";
      c.ExposedPorts[llvm::StringRef(port).lower()] = {};
    }
  } else if (keyword == "USER") {
    std::vector<std::string> w = words(args);
    if (w.size() != 1)
      return storeError("USER requires exactly one argument");
    c.User = w[0];
  } else if (keyword == "VOLUME") {
    std::vector<std::string> paths;
    auto j = nlohmann::json::parse(args.begin(), args.end(), nullptr, false);
    if (args.startswith("[") && !j.is_discarded() && j.is_array()) {
      for (const auto &v : j)
        if (v.is_string())
          paths.push_back(v.get<std::string>());
    } else {
      paths = words(args);
    }
    for (const std::string &p : paths)
      c.Volumes[p] = {};
  } else if (keyword == "STOPSIGNAL") {
    c.StopSignal = args.str();
  } else if (keyword == "ONBUILD") {
    c.OnBuild.push_back(args.str());
  } else if (keyword == "SHELL") {
    auto j = nlohmann::json::parse(args.begin(), args.end(), nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty())
      return storeError("SHELL requires the arguments to be in JSON form");
    c.Shell.clear();
    for (const auto &v : j)
      c.Shell.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  } else if (keyword == "HEALTHCHECK") {
    HealthConfig h;
    llvm::StringRef rest = args;
    while (rest.startswith("--")) {
      auto [flag, tail] = rest.split(' ');
      rest = tail.ltrim();
      auto [name, value] = flag.drop_front(2).split('=');
      int64_t ns = 0;
      if (name == "retries") {
        if (value.getAsInteger(10, h.Retries))
          return storeError("HEALTHCHECK: bad --retries " + value);
        continue;
      }
      if (!parseDuration(value, ns))
        return storeError("HEALTHCHECK: bad duration " + flag);
      if (name == "interval")
        h.Interval = ns;
      else if (name == "timeout")
        h.Timeout = ns;
      else if (name == "start-period")
        h.StartPeriod = ns;
      else if (name == "start-interval")
        h.StartInterval = ns;
      else
        return storeError("HEALTHCHECK: unknown flag " + flag);
    }
    auto [kind, cmd] = rest.split(' ');
    if (kind.upper() == "NONE") {
      h.Test = {"NONE"};
    } else if (kind.upper() == "CMD") {
      std::vector<std::string> argv = command(ImageConfig(), cmd.trim());
      if (cmd.trim().startswith("[") && argv.size() && argv[0] != "/bin/sh") {
        h.Test = {"CMD"};
        h.Test.insert(h.Test.end(), argv.begin(), argv.end());
      } else {
        h.Test = {"CMD-SHELL", cmd.trim().str()};
      }
    } else {
      return storeError("HEALTHCHECK needs NONE or CMD");
    }
    c.Healthcheck = h;
  } else {
    return storeError("unsupported --change instruction: " + keyword +
                      " (use CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, SHELL, "
                      "STOPSIGNAL, USER, VOLUME or WORKDIR)");
  }
  return llvm::Error::success();
}

} // namespace dfc::store
