// compose.yaml text to the typed Project: every value interpolated, every error with the file:line:col of
// the node it is about (yaml-cpp's Mark), keys dfc does not run reported as warnings rather than dropped.
#include "backend/compose/Compose.h"

#include <llvm/Support/Path.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <unistd.h>

namespace dfc::compose {

namespace {

// Thrown inside this file only; parseProject turns it into an llvm::Error.
struct ParseFailure {
  std::string message;
};

class Parser {
public:
  explicit Parser(const ParseInput &in) : In(in) {}

  Project run() {
    YAML::Node root;
    try {
      root = YAML::Load(In.text);
    } catch (const YAML::ParserException &e) {
      throw ParseFailure{Location{In.file, e.mark.line + 1, e.mark.column + 1}.text() + ": " + e.msg};
    }
    P.dir = In.projectDir;
    P.files.push_back(In.file);
    if (!root.IsMap())
      fail(root, "a compose file must be a mapping with a services key");
    YAML::Node services;
    bool haveServices = false;
    std::string nameKey;
    for (auto kv : root) {
      std::string key = kv.first.as<std::string>();
      const YAML::Node &value = kv.second;
      if (key == "version") {
        std::string v = scalar(value, "version");
        if (!llvm::StringRef(v).startswith("2") && !llvm::StringRef(v).startswith("3"))
          fail(value,
               "unsupported compose file version \"" + v + "\" (dfc reads 2.x, 3.x and versionless files)");
      } else if (key == "name") {
        nameKey = scalar(value, "name");
      } else if (key == "services") {
        services = value;
        haveServices = true;
      } else if (key == "volumes") {
        volumes(value);
      } else if (llvm::StringRef(key).startswith("x-")) {
        // extension fields are for anchors and tools
      } else {
        warn(kv.first, "ignoring top-level key \"" + key + "\" (dfc runs one network per project)");
      }
    }
    if (!haveServices)
      fail(root, "no services key: version 1 files (services at the top level) are not supported");
    if (!services.IsMap())
      fail(services, "services must be a mapping of service names");
    std::string name = !In.projectName.empty() ? In.projectName
                       : !nameKey.empty()      ? nameKey
                                               : llvm::sys::path::filename(In.projectDir).str();
    P.name = normaliseProjectName(name);
    if (P.name.empty())
      fail(root, "project name \"" + name + "\" has no usable characters: pass -p NAME");
    for (auto kv : services)
      P.services.push_back(service(kv.first, kv.second));
    check();
    return std::move(P);
  }

private:
  const ParseInput &In;
  Project P;
  std::map<std::string, YAML::Node> ServiceNodes; // for locations of later checks

  Location at(const YAML::Node &n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0)
      return Location{In.file, 0, 0};
    return Location{In.file, m.line + 1, m.column + 1};
  }
  [[noreturn]] void fail(const YAML::Node &n, const std::string &message) const {
    throw ParseFailure{at(n).text() + ": " + message};
  }
  void warn(const YAML::Node &n, const std::string &message) {
    P.warnings.push_back(at(n).text() + ": " + message);
  }

  std::string interpolated(const YAML::Node &n, const std::string &text) {
    std::vector<std::string> unset;
    auto out = interpolate(text, In.variables, &unset);
    if (!out)
      fail(n, llvm::toString(out.takeError()));
    for (const std::string &u : unset)
      warn(n, "the \"" + u + "\" variable is not set. Defaulting to a blank string.");
    return *out;
  }
  std::string scalar(const YAML::Node &n, const std::string &what) {
    if (!n.IsScalar())
      fail(n, what + " must be a string");
    return interpolated(n, n.Scalar());
  }
  bool boolean(const YAML::Node &n, const std::string &what) {
    std::string v = llvm::StringRef(scalar(n, what)).lower();
    if (v == "true" || v == "yes" || v == "on")
      return true;
    if (v == "false" || v == "no" || v == "off")
      return false;
    fail(n, what + " must be true or false, got \"" + v + "\"");
  }
  std::vector<std::string> stringList(const YAML::Node &n, const std::string &what) {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(scalar(n, what));
      return out;
    }
    if (!n.IsSequence())
      fail(n, what + " must be a string or a list of strings");
    for (const YAML::Node &item : n)
      out.push_back(scalar(item, what + " entries"));
    return out;
  }
  // command and entrypoint: a string split as a shell would, or a list taken as is.
  std::vector<std::string> words(const YAML::Node &n, const std::string &what) {
    if (n.IsNull())
      return {};
    if (n.IsSequence())
      return stringList(n, what);
    std::string text = scalar(n, what);
    auto split = splitWords(text);
    if (!split)
      fail(n, what + ": " + llvm::toString(split.takeError()));
    return *split;
  }
  // environment, build.args, labels: a mapping, or a list of "K=V" / "K". A missing value is nullopt.
  std::vector<std::pair<std::string, std::optional<std::string>>> pairs(const YAML::Node &n,
                                                                        const std::string &what) {
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    if (n.IsMap()) {
      for (auto kv : n) {
        std::string key = kv.first.as<std::string>();
        if (kv.second.IsNull())
          out.emplace_back(key, std::nullopt);
        else
          out.emplace_back(key, scalar(kv.second, what + " value of " + key));
      }
    } else if (n.IsSequence()) {
      for (const YAML::Node &item : n) {
        std::string text = scalar(item, what + " entries");
        size_t eq = text.find('=');
        if (eq == std::string::npos)
          out.emplace_back(text, std::nullopt);
        else
          out.emplace_back(text.substr(0, eq), text.substr(eq + 1));
      }
    } else if (!n.IsNull()) {
      fail(n, what + " must be a mapping or a list of KEY=VALUE");
    }
    return out;
  }
  std::string absolute(const std::string &path, const std::string &base) {
    std::string p = path;
    if (llvm::StringRef(p).startswith("~")) {
      auto home = In.variables.find("HOME");
      p = (home == In.variables.end() ? std::string("/root") : home->second) + p.substr(1);
    }
    llvm::SmallString<256> out(llvm::StringRef(p).startswith("/") ? p : base + "/" + p);
    llvm::sys::path::remove_dots(out, true);
    std::string s = out.str().str();
    while (s.size() > 1 && s.back() == '/')
      s.pop_back();
    return s;
  }

  void volumes(const YAML::Node &n) {
    if (n.IsNull())
      return;
    if (!n.IsMap())
      fail(n, "volumes must be a mapping of volume names");
    for (auto kv : n) {
      Volume v;
      v.key = kv.first.as<std::string>();
      v.name = v.key; // <project>_<key> in check(), once the project name is known
      if (kv.second.IsMap()) {
        for (auto f : kv.second) {
          std::string k = f.first.as<std::string>();
          if (k == "name") {
            v.name = scalar(f.second, "volume name");
            VolumeNames[v.key] = true;
          } else if (k == "external")
            v.external = f.second.IsMap() ? true : boolean(f.second, "external");
          else if (k == "driver" || k == "driver_opts" || k == "labels")
            warn(f.first, "ignoring volume " + k + " (dfc volumes are directories in the store)");
          else
            fail(f.first, "unknown key \"" + k + "\" in volume " + v.key);
        }
      } else if (!kv.second.IsNull()) {
        fail(kv.second, "volume " + v.key + " must be empty or a mapping");
      }
      P.volumes[v.key] = v;
    }
  }
  std::map<std::string, bool> VolumeNames; // key -> had an explicit name

  BuildSpec buildSpec(const YAML::Node &n, const std::string &service) {
    BuildSpec b;
    std::string context = ".";
    std::string dockerfile;
    if (n.IsScalar()) {
      context = scalar(n, "build");
    } else if (n.IsMap()) {
      for (auto kv : n) {
        std::string k = kv.first.as<std::string>();
        if (k == "context")
          context = scalar(kv.second, "build.context");
        else if (k == "dockerfile")
          dockerfile = scalar(kv.second, "build.dockerfile");
        else if (k == "target")
          b.target = scalar(kv.second, "build.target");
        else if (k == "args")
          for (auto &[key, value] : pairs(kv.second, "build.args")) {
            if (value)
              b.args[key] = *value;
            else if (auto it = In.variables.find(key); it != In.variables.end())
              b.args[key] = it->second;
          }
        else
          warn(kv.first, "ignoring build." + k + " of service " + service);
      }
    } else {
      fail(n, "build must be a path or a mapping");
    }
    if (llvm::StringRef(context).contains("://") || llvm::StringRef(context).startswith("git@"))
      fail(n, "build context \"" + context + "\" is remote: dfc builds local directories only");
    b.context = absolute(context, In.projectDir);
    if (!dockerfile.empty())
      b.dockerfile = absolute(dockerfile, b.context);
    return b;
  }

  containers::PortBinding port(const YAML::Node &n) {
    if (n.IsMap()) {
      containers::PortBinding p;
      for (auto kv : n) {
        std::string k = kv.first.as<std::string>();
        std::string v = scalar(kv.second, "ports." + k);
        if (k == "target" || k == "published") {
          unsigned num = 0;
          if (llvm::StringRef(v).getAsInteger(10, num) || num > 65535 || (k == "target" && num == 0))
            fail(kv.second, "invalid " + k + " port \"" + v + "\"");
          (k == "target" ? p.containerPort : p.hostPort) = static_cast<uint16_t>(num);
        } else if (k == "host_ip") {
          p.hostIp = v;
        } else if (k == "protocol") {
          if (v != "tcp" && v != "udp")
            fail(kv.second, "invalid protocol \"" + v + "\"");
          p.protocol = v;
        } else if (k != "mode" && k != "name" && k != "app_protocol") {
          fail(kv.first, "unknown key \"" + k + "\" in a port");
        }
      }
      if (!p.containerPort)
        fail(n, "a port needs a target");
      return p;
    }
    std::string text = scalar(n, "ports entries");
    if (llvm::StringRef(text).contains('-'))
      fail(n, "port ranges (\"" + text + "\") are not supported");
    auto p = containers::parsePort(text);
    if (!p)
      fail(n, containers::explain(p.takeError()).message);
    return *p;
  }

  ServiceVolume volume(const YAML::Node &n, const std::string &service) {
    ServiceVolume v;
    std::string source, type;
    if (n.IsMap()) {
      for (auto kv : n) {
        std::string k = kv.first.as<std::string>();
        if (k == "type")
          type = scalar(kv.second, "volumes.type");
        else if (k == "source")
          source = scalar(kv.second, "volumes.source");
        else if (k == "target")
          v.target = scalar(kv.second, "volumes.target");
        else if (k == "read_only")
          v.readOnly = boolean(kv.second, "read_only");
        else if (k == "bind" || k == "volume" || k == "consistency")
          continue;
        else
          fail(kv.first, "unknown key \"" + k + "\" in a volume");
      }
      if (type != "bind" && type != "volume")
        fail(n, "volume type \"" + type + "\" is not supported (bind or volume)");
      if (v.target.empty())
        fail(n, "a volume needs a target");
      if (type == "bind" && source.empty())
        fail(n, "a bind mount needs a source");
      if (type == "bind")
        v.kind = ServiceVolume::Kind::Bind;
      else
        v.kind = source.empty() ? ServiceVolume::Kind::Anonymous : ServiceVolume::Kind::Named;
    } else {
      std::string text = scalar(n, "volumes entries");
      llvm::SmallVector<llvm::StringRef, 3> parts;
      llvm::StringRef(text).split(parts, ':');
      if (parts.size() > 3 || parts[0].empty())
        fail(n, "invalid volume specification \"" + text + "\"");
      if (parts.size() == 1) {
        v.kind = ServiceVolume::Kind::Anonymous;
        v.target = parts[0].str();
      } else {
        source = parts[0].str();
        v.target = parts[1].str();
        if (parts.size() == 3) {
          llvm::SmallVector<llvm::StringRef, 4> opts;
          parts[2].split(opts, ',');
          for (llvm::StringRef o : opts) {
            if (o == "ro")
              v.readOnly = true;
            else if (o != "rw" && o != "z" && o != "Z" && o != "cached" && o != "delegated" &&
                     o != "consistent" && o != "nocopy")
              fail(n, "invalid volume mode \"" + o.str() + "\" in \"" + text + "\"");
          }
        }
        bool path = llvm::StringRef(source).startswith("/") || llvm::StringRef(source).startswith(".") ||
                    llvm::StringRef(source).startswith("~");
        v.kind = path ? ServiceVolume::Kind::Bind : ServiceVolume::Kind::Named;
      }
    }
    if (!llvm::StringRef(v.target).startswith("/"))
      fail(n, "volume target \"" + v.target + "\" of service " + service + " must be an absolute path");
    if (v.kind == ServiceVolume::Kind::Bind)
      v.source = absolute(source, In.projectDir);
    else
      v.source = source;
    if (v.kind == ServiceVolume::Kind::Named)
      VolumeNodes.emplace_back(service, v.source, n);
    return v;
  }
  std::vector<std::tuple<std::string, std::string, YAML::Node>> VolumeNodes; // service, named source, node

  // One entry of depends_on's long form: {condition, required, restart}.
  void dependency(Service &s, const std::string &needed, const YAML::Node &n) {
    if (n.IsNull())
      return;
    if (!n.IsMap())
      fail(n, "depends_on." + needed + " must be a mapping (condition, required, restart)");
    for (auto kv : n) {
      std::string k = kv.first.as<std::string>();
      if (k == "condition") {
        std::string c = scalar(kv.second, "depends_on." + needed + ".condition");
        if (c != "service_started" && c != "service_healthy" && c != "service_completed_successfully")
          fail(kv.second, "invalid depends_on condition \"" + c +
                              "\" (service_started, service_healthy or service_completed_successfully)");
        if (c != "service_started")
          s.dependsOnCondition[needed] = c;
      } else if (k == "required") {
        if (!boolean(kv.second, "depends_on." + needed + ".required"))
          warn(kv.first,
               "depends_on." + needed + ".required: false is not supported: the dependency is required");
      } else if (k == "restart") {
        boolean(kv.second, "depends_on." + needed + ".restart");
        warn(kv.first, "ignoring depends_on." + needed + ".restart (dfc compose restarts no dependents)");
      } else {
        warn(kv.first, "ignoring depends_on." + needed + "." + k);
      }
    }
  }

  int64_t duration(const YAML::Node &n, const std::string &what) {
    auto d = parseDuration(scalar(n, what));
    if (!d)
      fail(n, what + ": " + llvm::toString(d.takeError()));
    return *d;
  }

  // healthcheck: test (a string runs in a shell; a list is ["CMD", ...], ["CMD-SHELL", "..."] or
  // ["NONE"]), interval, timeout, start_period, start_interval, retries, disable.
  store::HealthConfig healthcheck(const YAML::Node &n) {
    if (!n.IsMap())
      fail(n, "healthcheck must be a mapping");
    store::HealthConfig h;
    bool disabled = false;
    for (auto kv : n) {
      std::string k = kv.first.as<std::string>();
      const YAML::Node &v = kv.second;
      if (k == "test") {
        if (v.IsSequence()) {
          h.Test = stringList(v, "healthcheck.test");
          if (h.Test.empty() || (h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL" && h.Test[0] != "NONE"))
            fail(v, "healthcheck.test: a list must start with CMD, CMD-SHELL or NONE");
          if (h.Test[0] == "CMD-SHELL" && h.Test.size() != 2)
            fail(v, "healthcheck.test: CMD-SHELL takes one command string");
        } else {
          h.Test = {"CMD-SHELL", scalar(v, "healthcheck.test")};
        }
      } else if (k == "interval") {
        h.Interval = duration(v, "healthcheck.interval");
      } else if (k == "timeout") {
        h.Timeout = duration(v, "healthcheck.timeout");
      } else if (k == "start_period") {
        h.StartPeriod = duration(v, "healthcheck.start_period");
      } else if (k == "start_interval") {
        h.StartInterval = duration(v, "healthcheck.start_interval");
      } else if (k == "retries") {
        std::string text = scalar(v, "healthcheck.retries");
        if (llvm::StringRef(text).getAsInteger(10, h.Retries) || h.Retries < 0)
          fail(v, "healthcheck.retries must be a number, got \"" + text + "\"");
      } else if (k == "disable") {
        disabled = boolean(v, "healthcheck.disable");
      } else {
        warn(kv.first, "ignoring healthcheck." + k);
      }
    }
    // Without a test the image's HEALTHCHECK runs, with these settings (the supervisor merges them).
    if (disabled)
      h.Test = {"NONE"};
    return h;
  }

  Service service(const YAML::Node &key, const YAML::Node &n) {
    Service s;
    s.name = key.as<std::string>();
    s.location = at(key);
    if (s.name.empty() || !std::all_of(s.name.begin(), s.name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        }))
      fail(key, "invalid service name \"" + s.name + "\" (letters, digits, _ . - only)");
    if (ServiceNodes.count(s.name))
      fail(key, "service \"" + s.name + "\" is defined twice");
    ServiceNodes[s.name] = key;
    if (n.IsNull())
      fail(key, "service \"" + s.name + "\" has neither an image nor a build context specified");
    if (!n.IsMap())
      fail(n, "service \"" + s.name + "\" must be a mapping");
    std::vector<std::string> envFromFiles;
    std::vector<std::pair<std::string, std::optional<std::string>>> env;
    for (auto kv : n) {
      std::string k = kv.first.as<std::string>();
      const YAML::Node &v = kv.second;
      if (k == "build") {
        s.build = buildSpec(v, s.name);
      } else if (k == "image") {
        s.image = scalar(v, "image");
      } else if (k == "command") {
        s.command = words(v, "command");
      } else if (k == "entrypoint") {
        s.entrypoint = words(v, "entrypoint");
      } else if (k == "environment") {
        env = pairs(v, "environment");
      } else if (k == "env_file") {
        std::vector<std::string> files;
        if (v.IsSequence()) {
          for (const YAML::Node &item : v) {
            if (item.IsMap()) {
              bool required = !item["required"] || boolean(item["required"], "env_file.required");
              std::string path = absolute(scalar(item["path"], "env_file.path"), In.projectDir);
              if (required || ::access(path.c_str(), R_OK) == 0)
                files.push_back(path);
            } else {
              files.push_back(absolute(scalar(item, "env_file entries"), In.projectDir));
            }
          }
        } else {
          files.push_back(absolute(scalar(v, "env_file"), In.projectDir));
        }
        for (const std::string &f : files) {
          if (!In.readEnvFile)
            fail(v, "env_file is not readable here");
          auto lines = In.readEnvFile(f);
          if (!lines)
            fail(v, "env_file " + f + ": " + containers::explain(lines.takeError()).message);
          envFromFiles.insert(envFromFiles.end(), lines->begin(), lines->end());
        }
      } else if (k == "ports") {
        if (!v.IsSequence())
          fail(v, "ports must be a list");
        for (const YAML::Node &item : v)
          s.ports.push_back(port(item));
      } else if (k == "expose") {
        // Every port is reachable on the project network; expose only documents it.
      } else if (k == "volumes") {
        if (!v.IsSequence())
          fail(v, "volumes must be a list");
        for (const YAML::Node &item : v)
          s.volumes.push_back(volume(item, s.name));
      } else if (k == "volumes_from") {
        for (const std::string &from : stringList(v, "volumes_from")) {
          llvm::StringRef f(from);
          bool container = f.consume_front("container:");
          auto [name, mode] = f.split(':');
          if (!mode.empty() && mode != "ro" && mode != "rw")
            fail(v, "invalid volumes_from mode \"" + mode.str() + "\" in \"" + from + "\"");
          if (mode == "ro")
            warn(v,
                 "volumes_from " + from + ": dfc mounts the volumes with their own mode (\":ro\" ignored)");
          s.volumesFrom.push_back((container ? "container:" : "") + name.str());
          DependencyNodes.emplace_back(s.name, container ? "" : name.str(), v);
        }
      } else if (k == "depends_on") {
        if (v.IsMap()) {
          for (auto d : v) {
            s.dependsOn.push_back(d.first.as<std::string>());
            DependencyNodes.emplace_back(s.name, s.dependsOn.back(), d.first);
            dependency(s, d.first.as<std::string>(), d.second);
          }
        } else {
          for (const YAML::Node &item : v.IsSequence() ? v : YAML::Node(YAML::NodeType::Sequence)) {
            s.dependsOn.push_back(scalar(item, "depends_on entries"));
            DependencyNodes.emplace_back(s.name, s.dependsOn.back(), item);
          }
          if (!v.IsSequence())
            fail(v, "depends_on must be a list or a mapping of service names");
        }
      } else if (k == "healthcheck") {
        s.healthcheck = healthcheck(v);
      } else if (k == "links") {
        for (const YAML::Node &item : v.IsSequence() ? v : YAML::Node(YAML::NodeType::Sequence)) {
          std::string text = scalar(item, "links entries");
          auto [target, alias] = llvm::StringRef(text).split(':');
          s.links.emplace_back(target.str(), alias.empty() ? target.str() : alias.str());
          DependencyNodes.emplace_back(s.name, target.str(), item);
        }
        if (!v.IsSequence())
          fail(v, "links must be a list");
      } else if (k == "working_dir") {
        s.workingDir = scalar(v, "working_dir");
      } else if (k == "user") {
        s.user = scalar(v, "user");
      } else if (k == "restart") {
        s.restart = scalar(v, "restart");
        llvm::StringRef r(s.restart);
        if (r != "no" && r != "always" && r != "unless-stopped" && r != "on-failure" &&
            !r.startswith("on-failure:"))
          fail(v, "invalid restart policy \"" + s.restart + "\"");
      } else if (k == "container_name") {
        s.containerName = scalar(v, "container_name");
      } else if (k == "hostname") {
        s.hostname = scalar(v, "hostname");
      } else if (k == "labels") {
        for (auto &[key, value] : pairs(v, "labels"))
          s.labels[key] = value.value_or("");
      } else if (llvm::StringRef(k).startswith("x-")) {
        // extension field
      } else {
        warn(kv.first, "ignoring \"" + k + "\" of service " + s.name + " (not supported by dfc compose)");
      }
    }
    if (!s.build && s.image.empty())
      fail(key, "service \"" + s.name + "\" has neither an image nor a build context specified");
    // env_file first, then `environment`, which wins; a bare name takes the variable's value or is left out.
    s.environment = envFromFiles;
    auto put = [&](const std::string &k, const std::string &value) {
      auto same = std::find_if(s.environment.begin(), s.environment.end(), [&](const std::string &e) {
        return e.size() > k.size() && e.compare(0, k.size(), k) == 0 && e[k.size()] == '=';
      });
      if (same != s.environment.end())
        *same = k + "=" + value;
      else
        s.environment.push_back(k + "=" + value);
    };
    for (auto &[k, value] : env) {
      if (value)
        put(k, *value);
      else if (auto it = In.variables.find(k); it != In.variables.end())
        put(k, it->second);
    }
    return s;
  }
  std::vector<std::tuple<std::string, std::string, YAML::Node>> DependencyNodes; // service, needed, node

  // Cross-references, once every service is known.
  void check() {
    for (auto &[key, v] : P.volumes)
      if (!v.external && !VolumeNames[key])
        v.name = P.name + "_" + key;
    for (auto &[service, needed, node] : DependencyNodes)
      if (!needed.empty() && !P.service(needed))
        fail(node, "service \"" + service + "\" depends on undefined service \"" + needed + "\"");
    for (auto &[service, source, node] : VolumeNodes)
      if (!P.volumes.count(source))
        fail(node, "service \"" + service + "\" refers to undefined volume " + source);
    std::set<std::string> names;
    for (const Service &s : P.services)
      if (!names.insert(P.containerOf(s)).second)
        fail(ServiceNodes[s.name], "container name \"" + P.containerOf(s) + "\" is used twice");
  }
};

} // namespace

const Service *Project::service(llvm::StringRef name) const {
  for (const Service &s : services)
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string Project::imageOf(const Service &s) const {
  return s.image.empty() ? name + "-" + s.name : s.image;
}

std::string Project::containerOf(const Service &s) const {
  return s.containerName.empty() ? name + "-" + s.name + "-1" : s.containerName;
}

llvm::Expected<Project> parseProject(const ParseInput &in) {
  try {
    Parser p(in);
    return p.run();
  } catch (const ParseFailure &f) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), f.message);
  } catch (const YAML::Exception &e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   Location{in.file, e.mark.line + 1, e.mark.column + 1}.text() + ": " +
                                       e.msg);
  }
}

llvm::Expected<std::vector<const Service *>> startOrder(const Project &p) {
  std::vector<const Service *> order;
  std::map<std::string, int> state; // 1 visiting, 2 done
  std::vector<std::string> stack;
  std::function<llvm::Error(const Service &)> visit = [&](const Service &s) -> llvm::Error {
    int &st = state[s.name];
    if (st == 2)
      return llvm::Error::success();
    if (st == 1) {
      std::string cycle;
      auto from = std::find(stack.begin(), stack.end(), s.name);
      for (auto it = from; it != stack.end(); ++it)
        cycle += *it + " -> ";
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     s.location.text() + ": dependency cycle: " + cycle + s.name);
    }
    st = 1;
    stack.push_back(s.name);
    std::vector<std::string> needs = s.dependsOn;
    for (const auto &[target, alias] : s.links)
      needs.push_back(target);
    for (const std::string &f : s.volumesFrom)
      if (!llvm::StringRef(f).startswith("container:"))
        needs.push_back(f);
    for (const std::string &n : needs) {
      const Service *d = p.service(n);
      if (!d)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       s.location.text() + ": service \"" + s.name +
                                           "\" depends on undefined service \"" + n + "\"");
      if (llvm::Error e = visit(*d))
        return e;
    }
    stack.pop_back();
    state[s.name] = 2;
    order.push_back(&s);
    return llvm::Error::success();
  };
  for (const Service &s : p.services)
    if (llvm::Error e = visit(s))
      return e;
  return order;
}

} // namespace dfc::compose
