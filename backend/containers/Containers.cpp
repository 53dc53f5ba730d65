// Container records: flag parsing, the state JSON kept in the store's database, listing with stale
// detection, and the operations on a container that needs no launch (stop, kill, rm, wait, logs, inspect).
#include "backend/containers/Containers.h"
#include "backend/containers/State.h"

#include "backend/store/Files.h"

#include <llvm/ADT/ScopeExit.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/STLExtras.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/FileSystem.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace dfc::containers {

namespace {

class RunError : public llvm::ErrorInfo<RunError> {
public:
  static char ID;
  RunError(int code, std::string message) : Code(code), Message(std::move(message)) {}
  void log(llvm::raw_ostream &os) const override { os << Message; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }
  int Code;
  std::string Message;
};
char RunError::ID;

llvm::Error fail(const llvm::Twine &message) { return runError(125, message); }

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

llvm::Error runError(int exitCode, const llvm::Twine &message) {
  return llvm::make_error<RunError>(exitCode, message.str());
}

Failure explain(llvm::Error e) {
  Failure f;
  llvm::handleAllErrors(
      std::move(e),
      [&](const RunError &r) {
        f.exitCode = r.Code;
        f.message = r.Message;
      },
      [&](const llvm::ErrorInfoBase &b) { f.message = b.message(); });
  return f;
}

// --- flag parsing ---

llvm::Expected<PortBinding> parsePort(llvm::StringRef spec) {
  PortBinding p;
  llvm::StringRef rest = spec;
  if (size_t slash = rest.rfind('/'); slash != llvm::StringRef::npos) {
    p.protocol = rest.substr(slash + 1).lower();
    rest = rest.substr(0, slash);
    if (p.protocol != "tcp" && p.protocol != "udp")
      return fail("invalid proto: " + p.protocol);
  }
  llvm::SmallVector<llvm::StringRef, 3> parts;
  // An IPv6 host address comes in brackets: [::1]:8080:80.
  if (rest.startswith("[")) {
    size_t close = rest.find(']');
    if (close == llvm::StringRef::npos)
      return fail("invalid published port: " + spec);
    p.hostIp = rest.substr(1, close - 1).str();
    rest = rest.substr(close + 1).drop_front(rest.size() > close + 1 ? 1 : 0);
    rest.split(parts, ':');
    if (parts.size() != 2)
      return fail("invalid published port: " + spec);
    parts.insert(parts.begin(), llvm::StringRef());
  } else {
    rest.split(parts, ':');
  }
  auto number = [&](llvm::StringRef text, uint16_t &out, bool allowEmpty) -> bool {
    if (text.empty())
      return allowEmpty;
    unsigned v = 0;
    if (text.getAsInteger(10, v) || v > 65535 || (v == 0 && !allowEmpty))
      return false;
    out = static_cast<uint16_t>(v);
    return true;
  };
  bool ok = false;
  if (parts.size() == 1) {
    ok = number(parts[0], p.containerPort, false);
  } else if (parts.size() == 2) {
    ok = number(parts[0], p.hostPort, true) && number(parts[1], p.containerPort, false);
  } else if (parts.size() == 3) {
    if (!parts[0].empty())
      p.hostIp = parts[0].str();
    ok = number(parts[1], p.hostPort, true) && number(parts[2], p.containerPort, false);
  }
  if (!ok)
    return fail("invalid published port: " + spec);
  return p;
}

namespace {
// A host path as given, made absolute against the working directory (as docker's CLI does).
std::string absolutePath(llvm::StringRef path) {
  llvm::SmallString<256> out(path);
  llvm::sys::fs::make_absolute(out);
  return out.str().str();
}
} // namespace

llvm::Expected<VolumeBinding> parseVolume(llvm::StringRef spec) {
  llvm::SmallVector<llvm::StringRef, 3> parts;
  spec.split(parts, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return fail("invalid volume specification: '" + spec + "'");
  VolumeBinding v;
  v.source = parts[0].str();
  v.destination = parts[1].str();
  if (!llvm::StringRef(v.destination).startswith("/"))
    return fail("invalid volume specification: '" + spec + "': the container path must be absolute");
  if (parts.size() == 3) {
    llvm::SmallVector<llvm::StringRef, 4> opts;
    parts[2].split(opts, ',');
    for (llvm::StringRef o : opts) {
      if (o == "ro")
        v.readOnly = true;
      else if (o != "rw" && o != "z" && o != "Z" && o != "rprivate" && o != "private")
        return fail("invalid volume specification: '" + spec + "': unknown mode " + o);
    }
  }
  v.named = !llvm::StringRef(v.source).startswith("/") && !llvm::StringRef(v.source).startswith(".");
  if (!v.named)
    v.source = absolutePath(v.source);
  return v;
}

std::string generateId();

llvm::Expected<VolumeBinding> parseMount(llvm::StringRef spec) {
  auto invalid = [&](const llvm::Twine &why) { return fail("invalid argument \"" + spec + "\" for \"--mount\" flag: " + why); };
  VolumeBinding v;
  std::string type = "volume"; // docker's default type
  std::string size, mode;
  llvm::SmallVector<llvm::StringRef, 8> fields;
  spec.split(fields, ',');
  for (llvm::StringRef f : fields) {
    auto [key, value] = f.split('=');
    bool hasValue = f.contains('=');
    key = key.trim();
    if (key == "type")
      type = value.str();
    else if (key == "source" || key == "src")
      v.source = value.str();
    else if (key == "target" || key == "destination" || key == "dst")
      v.destination = value.str();
    else if (key == "readonly" || key == "ro") {
      if (!hasValue || value == "1" || value == "true")
        v.readOnly = true;
      else if (value != "0" && value != "false")
        return invalid("invalid value for " + key + ": " + value);
    } else if (key == "tmpfs-size")
      size = value.str();
    else if (key == "tmpfs-mode")
      mode = value.str();
    else if (key == "volume-nocopy" || key == "bind-propagation" || key == "consistency")
      ; // accepted: dfc copies nothing into a new volume and binds rprivate
    else
      return invalid("unexpected key '" + key + "' in '" + f + "'");
  }
  if (v.destination.empty())
    return invalid("target is required");
  if (!llvm::StringRef(v.destination).startswith("/"))
    return invalid("the target must be an absolute path");
  if (type == "tmpfs") {
    if (!v.source.empty())
      return invalid("source is not supported for tmpfs mounts");
    v.tmpfs = true;
    if (!size.empty()) {
      auto bytes = parseMemory(size);
      if (!bytes)
        return invalid(llvm::toString(bytes.takeError()));
      v.tmpfsOptions.push_back("size=" + std::to_string(*bytes));
    }
    if (!mode.empty())
      v.tmpfsOptions.push_back("mode=" + mode);
    return v;
  }
  if (!size.empty() || !mode.empty())
    return invalid("tmpfs options are only for type=tmpfs");
  if (type == "bind") {
    if (v.source.empty())
      return invalid("source is required when specifying a bind mount");
    v.source = absolutePath(v.source);
    v.mustExist = true;
    return v;
  }
  if (type != "volume")
    return invalid("unknown mount type \"" + type + "\" (bind, volume or tmpfs)");
  if (v.source.empty()) {
    v.source = generateId(); // an anonymous volume, named by a random id as docker names them
    v.anonymous = true;
  }
  if (!validVolumeName(v.source))
    return invalid("\"" + v.source + "\" includes invalid characters for a local volume name");
  v.named = true;
  return v;
}

llvm::Expected<VolumeBinding> parseTmpfs(llvm::StringRef spec) {
  auto [path, options] = spec.split(':');
  if (!path.startswith("/"))
    return fail("invalid tmpfs specification '" + spec + "': the path must be absolute");
  VolumeBinding v;
  v.destination = path.str();
  v.tmpfs = true;
  llvm::SmallVector<llvm::StringRef, 4> opts;
  options.split(opts, ',', -1, false);
  for (llvm::StringRef o : opts) {
    if (o == "ro")
      v.readOnly = true;
    else if (o != "rw")
      v.tmpfsOptions.push_back(o.str());
  }
  return v;
}

llvm::Expected<int64_t> parseMemory(llvm::StringRef spec) {
  llvm::StringRef digits = spec.take_while([](char c) { return c >= '0' && c <= '9'; });
  llvm::StringRef unit = spec.drop_front(digits.size()).lower() == "" ? "" : spec.drop_front(digits.size());
  int64_t v = 0;
  if (digits.empty() || digits.getAsInteger(10, v))
    return fail("invalid size: '" + spec + "'");
  std::string u = unit.lower();
  if (!u.empty() && u.back() == 'b')
    u.pop_back();
  int64_t mult = u.empty() ? 1 : u == "k" ? 1024 : u == "m" ? 1024 * 1024 : u == "g" ? 1024LL * 1024 * 1024 : 0;
  if (!mult)
    return fail("invalid size: '" + spec + "'");
  return v * mult;
}

llvm::Expected<RestartPolicy> parseRestartPolicy(llvm::StringRef text) {
  RestartPolicy p;
  auto [name, count] = text.split(':');
  if (!count.empty() && count.getAsInteger(10, p.maximumRetryCount))
    return fail("invalid restart policy format: maximum retry count must be an integer");
  p.name = name.empty() ? "no" : name.str();
  if (p.name != "no" && p.name != "always" && p.name != "unless-stopped" && p.name != "on-failure")
    return fail("invalid restart policy: unknown policy '" + p.name +
                "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
  if (!count.empty() && p.name != "on-failure")
    return fail("invalid restart policy: maximum retry count can only be used with 'on-failure'");
  if (p.maximumRetryCount < 0)
    return fail("invalid restart policy: maximum retry count cannot be negative");
  return p;
}

bool RestartPolicy::restarts(int exitCode, int restartCount) const {
  if (name == "always" || name == "unless-stopped")
    return true;
  if (name == "on-failure")
    return exitCode != 0 && (maximumRetryCount == 0 || restartCount < maximumRetryCount);
  return false;
}

std::string stopRequestPath(const std::string &containerDir) { return containerDir + "/stop-requested"; }
std::string restartRequestPath(const std::string &containerDir) { return containerDir + "/restart-requested"; }

namespace {
// A note is an empty file: that it exists is what it says.
void leaveNote(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    ::close(fd);
}
} // namespace

void requestStop(const std::string &containerDir) { leaveNote(stopRequestPath(containerDir)); }

llvm::Expected<std::vector<std::string>> readEnvFile(llvm::StringRef path) {
  auto text = store::readFile(path);
  if (!text)
    return fail("open " + path + ": " + llvm::toString(text.takeError()));
  std::vector<std::string> out;
  llvm::SmallVector<llvm::StringRef, 16> lines;
  llvm::StringRef(*text).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    line = line.rtrim("\r");
    if (line.ltrim().empty() || line.ltrim().startswith("#"))
      continue;
    line = line.ltrim();
    if (!line.contains('=')) {
      if (const char *v = std::getenv(line.str().c_str()))
        out.push_back(line.str() + "=" + v);
      continue;
    }
    out.push_back(line.str());
  }
  return out;
}

// --- state ---

void to_json(nlohmann::json &j, const PortBinding &p) {
  j = {{"hostIp", p.hostIp}, {"hostPort", p.hostPort}, {"containerPort", p.containerPort}, {"protocol", p.protocol}};
}
void from_json(const nlohmann::json &j, PortBinding &p) {
  p.hostIp = j.value("hostIp", "0.0.0.0");
  p.hostPort = j.value("hostPort", 0);
  p.containerPort = j.value("containerPort", 0);
  p.protocol = j.value("protocol", "tcp");
}
void to_json(nlohmann::json &j, const VolumeBinding &v) {
  j = {{"source", v.source}, {"destination", v.destination}, {"named", v.named}, {"readOnly", v.readOnly}};
  if (v.mustExist)
    j["mustExist"] = true;
  if (v.anonymous)
    j["anonymous"] = true;
  if (v.tmpfs) {
    j["tmpfs"] = true;
    j["tmpfsOptions"] = v.tmpfsOptions;
  }
}
void from_json(const nlohmann::json &j, VolumeBinding &v) {
  v.source = j.value("source", "");
  v.destination = j.value("destination", "");
  v.named = j.value("named", false);
  v.readOnly = j.value("readOnly", false);
  v.mustExist = j.value("mustExist", false);
  v.anonymous = j.value("anonymous", false);
  v.tmpfs = j.value("tmpfs", false);
  v.tmpfsOptions = j.value("tmpfsOptions", std::vector<std::string>{});
}

nlohmann::json specToJson(const RunSpec &s) {
  nlohmann::json j = {{"image", s.image},           {"name", s.name},
                      {"command", s.command},       {"env", s.env},
                      {"volumes", s.volumes},       {"volumesFrom", s.volumesFrom},
                      {"ports", s.ports},           {"publishAll", s.publishAll},
                      {"workdir", s.workdir},       {"user", s.user},
                      {"hostname", s.hostname},     {"readOnly", s.readOnly},
                      {"tty", s.tty},               {"interactive", s.interactive},
                      {"autoRemove", s.autoRemove}, {"network", static_cast<int>(s.network)},
                      {"networkNamespace", s.networkNamespace}, {"extraHosts", s.extraHosts},
                      {"userNetwork", s.userNetwork}, {"networkAliases", s.networkAliases},
                      {"networkAddress", s.networkAddress},
                      {"labels", s.labels},         {"restart", s.restart}};
  if (s.entrypoint)
    j["entrypoint"] = *s.entrypoint;
  if (s.healthcheck)
    j["healthcheck"] = {{"test", s.healthcheck->Test},
                        {"interval", s.healthcheck->Interval},
                        {"timeout", s.healthcheck->Timeout},
                        {"startPeriod", s.healthcheck->StartPeriod},
                        {"startInterval", s.healthcheck->StartInterval},
                        {"retries", s.healthcheck->Retries}};
  if (s.memoryBytes)
    j["memory"] = *s.memoryBytes;
  if (s.pidsLimit)
    j["pidsLimit"] = *s.pidsLimit;
  return j;
}

RunSpec specFromJson(const nlohmann::json &j) {
  RunSpec s;
  s.image = j.value("image", "");
  s.name = j.value("name", "");
  s.command = j.value("command", std::vector<std::string>{});
  if (j.contains("entrypoint"))
    s.entrypoint = j["entrypoint"].get<std::string>();
  s.env = j.value("env", std::vector<std::string>{});
  s.volumes = j.value("volumes", std::vector<VolumeBinding>{});
  s.volumesFrom = j.value("volumesFrom", std::vector<std::string>{});
  s.ports = j.value("ports", std::vector<PortBinding>{});
  s.publishAll = j.value("publishAll", false);
  s.workdir = j.value("workdir", "");
  s.user = j.value("user", "");
  s.hostname = j.value("hostname", "");
  s.readOnly = j.value("readOnly", false);
  s.tty = j.value("tty", false);
  s.interactive = j.value("interactive", false);
  s.autoRemove = j.value("autoRemove", false);
  s.network = static_cast<Network>(j.value("network", 0));
  s.networkNamespace = j.value("networkNamespace", "");
  s.extraHosts = j.value("extraHosts", std::vector<std::string>{});
  s.userNetwork = j.value("userNetwork", "");
  s.networkAliases = j.value("networkAliases", std::vector<std::string>{});
  s.networkAddress = j.value("networkAddress", "");
  s.labels = j.value("labels", std::map<std::string, std::string>{});
  s.restart = j.value("restart", "no");
  if (j.contains("healthcheck") && j["healthcheck"].is_object()) {
    const nlohmann::json &h = j["healthcheck"];
    store::HealthConfig c;
    c.Test = h.value("test", std::vector<std::string>{});
    c.Interval = h.value("interval", int64_t(0));
    c.Timeout = h.value("timeout", int64_t(0));
    c.StartPeriod = h.value("startPeriod", int64_t(0));
    c.StartInterval = h.value("startInterval", int64_t(0));
    c.Retries = h.value("retries", 0);
    s.healthcheck = c;
  }
  if (j.contains("memory"))
    s.memoryBytes = j["memory"].get<int64_t>();
  if (j.contains("pidsLimit"))
    s.pidsLimit = j["pidsLimit"].get<int64_t>();
  return s;
}

static const char *statusName(Status s) {
  switch (s) {
  case Status::Created:
    return "created";
  case Status::Running:
    return "running";
  case Status::Restarting:
    return "restarting";
  case Status::Exited:
    return "exited";
  }
  return "created";
}

std::string State::toJson() const {
  nlohmann::json j = {{"spec", specToJson(spec)},
                      {"imageId", imageId},
                      {"args", args},
                      {"status", statusName(status)},
                      {"pid", pid},
                      {"supervisor", supervisor},
                      {"supervisorStart", supervisorStart},
                      {"exitCode", exitCode},
                      {"restartCount", restartCount},
                      {"firstExitCode", firstExitCode},
                      {"firstRunLogEnd", firstRunLogEnd},
                      {"startedAt", startedAt},
                      {"finishedAt", finishedAt},
                      {"ports", ports},
                      {"error", error},
                      {"stopSignal", stopSignal},
                      {"mounts", mounts}};
  if (!health.empty()) {
    nlohmann::json log = nlohmann::json::array();
    for (const Probe &p : healthLog)
      log.push_back({{"start", p.start}, {"end", p.end}, {"exitCode", p.exitCode}, {"output", p.output}});
    j["health"] = {{"status", health}, {"failingStreak", failingStreak}, {"log", log}};
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

State State::fromJson(llvm::StringRef text) {
  State s;
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object())
    return s;
  if (j.contains("spec"))
    s.spec = specFromJson(j["spec"]);
  s.imageId = j.value("imageId", "");
  s.args = j.value("args", std::vector<std::string>{});
  std::string st = j.value("status", "created");
  s.status = st == "running"      ? Status::Running
             : st == "restarting" ? Status::Restarting
             : st == "exited"     ? Status::Exited
                                  : Status::Created;
  s.pid = j.value("pid", 0);
  s.supervisor = j.value("supervisor", 0);
  s.supervisorStart = j.value("supervisorStart", 0ULL);
  s.exitCode = j.value("exitCode", 0);
  s.restartCount = j.value("restartCount", 0);
  s.firstExitCode = j.value("firstExitCode", -1);
  s.firstRunLogEnd = j.value("firstRunLogEnd", int64_t(-1));
  s.startedAt = j.value("startedAt", int64_t(0));
  s.finishedAt = j.value("finishedAt", int64_t(0));
  s.ports = j.value("ports", std::vector<PortBinding>{});
  s.error = j.value("error", "");
  s.stopSignal = j.value("stopSignal", "");
  s.mounts = j.value("mounts", std::vector<VolumeBinding>{});
  if (j.contains("health") && j["health"].is_object()) {
    const nlohmann::json &h = j["health"];
    s.health = h.value("status", "");
    s.failingStreak = h.value("failingStreak", 0);
    if (h.contains("log") && h["log"].is_array())
      for (const nlohmann::json &p : h["log"])
        s.healthLog.push_back({p.value("start", int64_t(0)), p.value("end", int64_t(0)), p.value("exitCode", 0),
                               p.value("output", "")});
  }
  return s;
}

namespace {

// Fields 3 (state) and 22 (starttime) of /proc/PID/stat, counted after the ")" that ends the
// command name; start 0 when the process does not exist.
struct ProcStat {
  char state = 0;
  unsigned long long start = 0;
};

ProcStat readProcStat(int pid) {
  ProcStat out;
  if (pid <= 0)
    return out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line))
    return out;
  size_t close = line.rfind(')');
  if (close == std::string::npos)
    return out;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3)
      out.state = field[0];
    else if (i == 22)
      out.start = std::strtoull(field.c_str(), nullptr, 10);
  }
  return out;
}

} // namespace

unsigned long long processStartTime(int pid) { return readProcStat(pid).start; }

// A zombie supervisor has done all its work: only its parent's wait is missing, and a daemonised
// supervisor's parent is the machine's init, which may reap late (this VM's init took ~1.8 s, and
// `dfc stop` waited for it after every stop).
bool supervisorAlive(const State &s) {
  if (s.supervisor <= 0)
    return false;
  ProcStat p = readProcStat(s.supervisor);
  return p.start != 0 && p.start == s.supervisorStart && p.state != 'Z' && p.state != 'X';
}

// A record that says running while its supervisor is gone (killed, or the machine went down): the
// supervisor records the exit before it ends, so a second read tells a finished container from a stale
// one. A stale one is recorded once as exited (255, as docker shows a container its daemon lost) at
// the last time it is known to have lived: its log's last write, else now.
static bool supervised(Status s) { return s == Status::Running || s == Status::Restarting; }

namespace {
std::string exitsDir(const store::ImageStore &store) { return store.root() + "/exits"; }
} // namespace

std::optional<int> removedExitCode(store::ImageStore &store, const std::string &id) {
  auto text = store::readFile(exitsDir(store) + "/" + id);
  if (!text) {
    llvm::consumeError(text.takeError());
    return std::nullopt;
  }
  int code = 0;
  if (llvm::StringRef(*text).trim().getAsInteger(10, code))
    return std::nullopt;
  return code;
}

void removeContainer(store::ImageStore &store, const std::string &id, const std::string &dir,
                     std::optional<int> exitCode) {
  if (exitCode) {
    // Notes older than ten minutes go as a new one comes: a waiter reads its note within a poll.
    std::string exits = exitsDir(store);
    if (::mkdir(exits.c_str(), 0700) == 0 || errno == EEXIST) {
      int64_t now = nowSeconds();
      std::error_code ec;
      for (llvm::sys::fs::directory_iterator it(exits, ec), end; !ec && it != end; it.increment(ec)) {
        struct stat st;
        if (::stat(it->path().c_str(), &st) == 0 && now - st.st_mtime > 600)
          ::unlink(it->path().c_str());
      }
      std::string text = std::to_string(*exitCode) + "\n";
      llvm::consumeError(store::writeFileAtomic(exits + "/" + id, text, exits, /*sync=*/false));
    }
  }
  std::vector<std::string> anonymousVolumes;
  if (auto row = store.db().container(id); row && *row) {
    State s = State::fromJson((**row).stateJson);
    leaveUserNetwork(store, s);
    // docker's --rm takes the container's anonymous volumes with it (named ones stay).
    if (s.spec.autoRemove)
      for (const VolumeBinding &v : s.spec.volumes)
        if (v.named && v.anonymous)
          anonymousVolumes.push_back(v.source);
  } else if (!row)
    llvm::consumeError(row.takeError());
  llvm::consumeError(store.db().removeContainer(id).takeError());
  llvm::consumeError(store::removeTree(dir));
  for (const std::string &name : anonymousVolumes)
    llvm::consumeError(removeNamedVolume(store, name));
}

// nullopt: the container was a stale --rm one and is removed now. Its process went with whoever ran
// it (PR_SET_PDEATHSIG), so it is removed as docker removes it, not kept as Exited (255).
static std::optional<State> settle(store::ImageStore &store, llvm::StringRef id, State s) {
  if (!supervised(s.status) || supervisorAlive(s))
    return s;
  auto again = store.db().container(id);
  if (!again || !*again) {
    if (!again)
      llvm::consumeError(again.takeError());
    return s;
  }
  State now = State::fromJson((*again)->stateJson);
  if (!supervised(now.status) || supervisorAlive(now))
    return now;
  std::string dir = containerDirectory(store, id);
  if (now.spec.autoRemove && !store.db().readOnly()) {
    removeContainer(store, id.str(), dir);
    return std::nullopt;
  }
  now.status = Status::Exited;
  if (!now.exitCode)
    now.exitCode = 255;
  now.error = "the container's supervisor ended before the container";
  struct stat st;
  std::string log = dir + "/" + id.str() + "-json.log";
  now.finishedAt = ::stat(log.c_str(), &st) == 0 && st.st_mtime >= now.startedAt ? st.st_mtime : nowSeconds();
  if (now.finishedAt < now.startedAt)
    now.finishedAt = now.startedAt;
  if (!store.db().readOnly())
    llvm::consumeError(saveState(store, id, now));
  return now;
}

llvm::Expected<State> loadState(store::ImageStore &store, llvm::StringRef id) {
  auto row = store.db().container(id);
  if (!row)
    return row.takeError();
  if (!*row)
    return fail("No such container: " + id);
  std::optional<State> s = settle(store, id, State::fromJson((*row)->stateJson));
  if (!s)
    return fail("No such container: " + id);
  return *s;
}

llvm::Error saveState(store::ImageStore &store, llvm::StringRef id, const State &s) {
  return store.db().setContainerState(id, s.toJson());
}

std::string generateName() {
  static const char *const adjectives[] = {"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly",
                                           "keen",  "lucid", "merry", "nifty", "quirky", "sharp", "witty"};
  static const char *const nouns[] = {"turing", "hopper", "lovelace", "knuth", "ritchie", "thompson", "kernighan",
                                      "liskov", "dijkstra", "hamilton", "noether", "curie", "tesla", "euler"};
  std::random_device rd;
  return std::string(adjectives[rd() % std::size(adjectives)]) + "_" + nouns[rd() % std::size(nouns)];
}

std::string generateId() {
  std::random_device rd;
  static const char hex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 64; ++i)
    id += hex[rd() % 16];
  return id;
}

// --- text for ps ---

std::string humanDuration(int64_t seconds) {
  if (seconds < 1)
    return "Less than a second";
  if (seconds == 1)
    return "1 second";
  if (seconds < 60)
    return std::to_string(seconds) + " seconds";
  int64_t minutes = seconds / 60;
  if (minutes == 1)
    return "About a minute";
  if (minutes < 60)
    return std::to_string(minutes) + " minutes";
  int64_t hours = (seconds + 1800) / 3600;
  if (hours == 1)
    return "About an hour";
  if (hours < 48)
    return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2)
    return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2)
    return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2)
    return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(hours / 24 / 365) + " years";
}

std::string statusText(const ContainerInfo &c, int64_t now) {
  switch (c.status) {
  case Status::Created:
    return "Created";
  case Status::Running:
    return "Up " + humanDuration(now - c.startedAt) +
           (c.health.empty()          ? ""
            : c.health == "starting" ? " (health: starting)"
                                      : " (" + c.health + ")");
  case Status::Restarting:
    return "Restarting (" + std::to_string(c.exitCode) + ") " + humanDuration(now - c.finishedAt) + " ago";
  case Status::Exited:
    return "Exited (" + std::to_string(c.exitCode) + ") " + humanDuration(now - c.finishedAt) + " ago";
  }
  return "";
}

std::string portsText(const std::vector<PortBinding> &ports) {
  std::string out;
  for (const PortBinding &p : ports) {
    if (!out.empty())
      out += ", ";
    out += (p.hostIp.find(':') != std::string::npos ? "[" + p.hostIp + "]" : p.hostIp) + ":" +
           std::to_string(p.hostPort) + "->" + std::to_string(p.containerPort) + "/" + p.protocol;
  }
  return out;
}

// --- Containers ---

std::string containerDirectory(const store::ImageStore &store, llvm::StringRef id) {
  return store.root() + "/containers/" + id.str();
}

std::string Containers::directory(llvm::StringRef id) const { return containerDirectory(Store, id); }
std::string Containers::logPath(llvm::StringRef id) const { return directory(id) + "/" + id.str() + "-json.log"; }

llvm::Expected<std::string> Containers::resolve(llvm::StringRef idOrName) {
  auto exact = Store.db().container(idOrName);
  if (!exact)
    return exact.takeError();
  if (*exact)
    return (*exact)->id;
  auto all = Store.db().containers();
  if (!all)
    return all.takeError();
  std::string found;
  for (const store::ContainerRow &r : *all) {
    if (!idOrName.empty() && llvm::StringRef(r.id).startswith(idOrName)) {
      if (!found.empty())
        return fail("multiple containers match " + idOrName);
      found = r.id;
    }
  }
  if (found.empty())
    return fail("No such container: " + idOrName);
  return found;
}

static ContainerInfo infoFrom(const store::ContainerRow &row, const State &s) {
  ContainerInfo c;
  c.id = row.id;
  c.name = row.name;
  c.image = row.image;
  c.args = s.args;
  c.status = s.status;
  c.exitCode = s.exitCode;
  c.restartCount = s.restartCount;
  c.firstExitCode = s.firstExitCode >= 0 ? s.firstExitCode : s.status == Status::Exited ? s.exitCode : -1;
  c.pid = s.status == Status::Running ? s.pid : 0;
  c.created = row.created;
  c.startedAt = s.startedAt;
  c.finishedAt = s.finishedAt;
  c.ports = supervised(s.status) ? s.ports : std::vector<PortBinding>{};
  c.labels = s.spec.labels;
  c.error = s.error;
  c.health = s.status == Status::Running ? s.health : "";
  c.stateJson = s.toJson();
  return c;
}

llvm::Expected<ContainerInfo> Containers::info(llvm::StringRef idOrName) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  auto row = Store.db().container(*id);
  if (!row)
    return row.takeError();
  if (!*row)
    return fail("No such container: " + idOrName);
  auto st = loadState(Store, *id);
  if (!st)
    return st.takeError();
  return infoFrom(**row, *st);
}

llvm::Expected<std::vector<ContainerInfo>> Containers::list() {
  auto rows = Store.db().containers();
  if (!rows)
    return rows.takeError();
  std::vector<ContainerInfo> out;
  for (const store::ContainerRow &r : *rows) {
    if (std::optional<State> s = settle(Store, r.id, State::fromJson(r.stateJson)))
      out.push_back(infoFrom(r, *s));
  }
  return out;
}

llvm::Error Containers::kill(llvm::StringRef idOrName, int signal) {
  auto c = info(idOrName);
  if (!c)
    return c.takeError();
  if (c->status == Status::Restarting)
    return fail("container " + c->id.substr(0, 12) + " is restarting, wait until the container is running");
  if (c->status != Status::Running)
    return fail("container " + c->id.substr(0, 12) + " is not running");
  // As docker: SIGKILL and the stop signal end the restart policy's restarts; other signals leave it.
  State s = State::fromJson(c->stateJson);
  if (signal == SIGKILL || signal == (s.stopSignal.empty() ? SIGTERM : parseSignal(s.stopSignal)))
    requestStop(directory(c->id));
  if (::kill(c->pid, signal) != 0)
    return fail("kill " + std::to_string(c->pid) + ": " + std::strerror(errno));
  return llvm::Error::success();
}

static int signalNumber(llvm::StringRef name) {
  static const std::pair<const char *, int> names[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"WINCH", SIGWINCH}};
  llvm::StringRef n = name.upper() == name ? name : llvm::StringRef(name);
  std::string upper = n.upper();
  llvm::StringRef u = upper;
  u.consume_front("SIG");
  unsigned number = 0;
  if (!u.getAsInteger(10, number))
    return static_cast<int>(number);
  for (const auto &[text, sig] : names)
    if (u == text)
      return sig;
  return 0;
}

int parseSignal(llvm::StringRef name) { return signalNumber(name); }

llvm::Expected<int> Containers::wait(llvm::StringRef idOrName) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  for (int delay = 1;; delay = std::min(delay * 2, 50)) {
    auto s = loadState(Store, *id);
    if (!s) {
      // A --rm container removed as it ended: its note has the code.
      if (std::optional<int> code = removedExitCode(Store, *id)) {
        llvm::consumeError(s.takeError());
        return *code;
      }
      return s.takeError();
    }
    if (s->status == Status::Exited)
      return s->exitCode;
    if (s->status == Status::Created && !s->supervisor)
      return fail("container " + id->substr(0, 12) + " was never started");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
}

// After the record says exited the supervisor still tears down (its mount namespace, slirp4netns):
// stop and rm return once it is gone, as `docker stop` returns with nothing of the container left.
static void awaitSupervisorEnd(const State &s) {
  for (int i = 0; i < 500 && supervisorAlive(s); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

llvm::Error Containers::stop(llvm::StringRef idOrName, int timeoutSeconds) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  auto s = loadState(Store, *id);
  if (!s)
    return s.takeError();
  if (!supervised(s->status))
    return llvm::Error::success();
  // First the request (the supervisor reads it before any restart), then the signal: a run the supervisor
  // starts meanwhile is either killed by it or signalled below when the record shows its pid.
  requestStop(directory(*id));
  int sig = s->stopSignal.empty() ? SIGTERM : signalNumber(s->stopSignal);
  int signalled = 0;
  if (s->status == Status::Running) {
    ::kill(s->pid, sig ? sig : SIGTERM);
    signalled = s->pid;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  bool killed = false;
  for (int delay = 1;; delay = std::min(delay * 2, 50)) {
    auto now = loadState(Store, *id);
    if (!now) {
      // An attached --rm container is removed by the dfc that runs it as soon as it ends: gone is
      // stopped (as `docker stop` of a --rm container).
      auto row = Store.db().container(*id);
      if (row && !*row) {
        llvm::consumeError(now.takeError());
        return llvm::Error::success();
      }
      if (!row)
        llvm::consumeError(row.takeError());
      return now.takeError();
    }
    if (!supervised(now->status)) {
      awaitSupervisorEnd(*now);
      return llvm::Error::success();
    }
    if (now->status == Status::Running && now->pid != signalled) {
      ::kill(now->pid, killed ? SIGKILL : sig ? sig : SIGTERM);
      signalled = now->pid;
    }
    if (!killed && std::chrono::steady_clock::now() >= deadline) {
      if (now->status == Status::Running)
        ::kill(now->pid, SIGKILL);
      killed = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    } else if (killed && std::chrono::steady_clock::now() >= deadline) {
      return fail("container " + id->substr(0, 12) + " did not stop");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
}

llvm::Error Containers::restart(llvm::StringRef idOrName, int timeoutSeconds) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  // docker restart keeps a --rm container (its daemon lifts AutoRemove for the stop): the supervisor
  // that sees this note records the end instead of removing the container; start takes the note away.
  std::string notePath = restartRequestPath(directory(*id));
  leaveNote(notePath);
  if (llvm::Error e = stop(*id, timeoutSeconds)) {
    ::unlink(notePath.c_str()); // a later stop of a --rm container removes it
    return e;
  }
  return start(*id).takeError();
}

llvm::Expected<int> Containers::start(llvm::StringRef idOrName, bool attach) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  std::string dir = directory(*id);
  // One start at a time: a second `dfc start` while one is starting (or running it attached) finds
  // it running, as docker's does. A created --rm container has no directory yet: nothing to lock.
  int lock = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto unlock = llvm::make_scope_exit([&] {
    if (lock >= 0)
      ::close(lock);
  });
  if (lock >= 0 && ::flock(lock, LOCK_EX | LOCK_NB) != 0)
    return 0;
  auto s = loadState(Store, *id);
  if (!s)
    return s.takeError();
  if (supervised(s->status))
    return 0; // docker start of a running container does nothing
  // The last stop's request would end this run's restarts; a restart's would keep a --rm container
  // that is stopped after it.
  ::unlink(stopRequestPath(dir).c_str());
  ::unlink(restartRequestPath(dir).c_str());
  if (attach)
    return runAttached(*id);
  if (llvm::Error e = startDetached(*id))
    return e;
  return 0;
}

llvm::Error Containers::remove(llvm::StringRef idOrName, bool force) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  auto s = loadState(Store, *id);
  if (!s)
    return s.takeError();
  if (supervised(s->status)) {
    if (!force)
      return fail("cannot remove container " + id->substr(0, 12) + ": container is " +
                  (s->status == Status::Running ? "running" : "restarting") +
                  ": stop the container before removing or force remove");
    requestStop(directory(*id));
    if (s->status == Status::Running)
      ::kill(s->pid, SIGKILL);
    for (int i = 0; i < 1000; ++i) {
      auto now = loadState(Store, *id);
      if (now && now->status == Status::Running && now->pid != s->pid)
        ::kill(now->pid, SIGKILL); // a restart that began before the request
      if (!now || !supervised(now->status)) {
        if (!now)
          llvm::consumeError(now.takeError());
        else
          awaitSupervisorEnd(*now);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  leaveUserNetwork(Store, *s);
  if (auto gone = Store.db().removeContainer(*id); !gone)
    return gone.takeError();
  return store::removeTree(directory(*id));
}

llvm::Error Containers::logs(llvm::StringRef idOrName, bool follow,
                             const std::function<void(bool, llvm::StringRef)> &sink, bool untilFirstRunEnds,
                             const LogOptions &options) {
  auto id = resolve(idOrName);
  if (!id)
    return id.takeError();
  int fd = ::open(logPath(*id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && !follow)
    return llvm::Error::success();
  std::string pending;
  // untilFirstRunEnds: the log's size when the first run ended, once known; nothing after it is read.
  int64_t offset = 0, limit = -1;
  // --tail: the first drain keeps the last lines here, printed when it ends.
  std::deque<std::pair<bool, std::string>> last;
  bool holding = options.tail >= 0;
  auto emit = [&](bool isErr, std::string text) {
    if (holding) {
      if (options.tail == 0)
        return;
      if (static_cast<int64_t>(last.size()) == options.tail)
        last.pop_front();
      last.emplace_back(isErr, std::move(text));
    } else {
      sink(isErr, text);
    }
  };
  auto release = [&] {
    holding = false;
    for (auto &[isErr, text] : last)
      sink(isErr, text);
    last.clear();
  };
  auto drain = [&]() {
    char buf[65536];
    ssize_t got;
    while (fd >= 0 && (limit < 0 || offset < limit) &&
           (got = ::read(fd, buf, limit < 0 ? sizeof buf : std::min<size_t>(sizeof buf, limit - offset))) >
               0) {
      offset += got;
      pending.append(buf, static_cast<size_t>(got));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        nlohmann::json j = nlohmann::json::parse(pending.substr(0, nl), nullptr, false);
        pending.erase(0, nl + 1);
        if (j.is_object())
          emit(j.value("stream", "stdout") == "stderr",
               options.timestamps ? j.value("time", "") + " " + j.value("log", "") : j.value("log", ""));
      }
    }
  };
  if (!untilFirstRunEnds)
    drain();
  release();
  while (follow) {
    auto s = loadState(Store, *id);
    if (!s) {
      if (fd >= 0)
        ::close(fd);
      return s.takeError();
    }
    if (untilFirstRunEnds && s->firstExitCode >= 0)
      limit = s->firstRunLogEnd;
    if (fd < 0)
      fd = ::open(logPath(*id).c_str(), O_RDONLY | O_CLOEXEC);
    drain();
    if (s->status == Status::Exited || (untilFirstRunEnds && s->firstExitCode >= 0)) {
      drain();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (fd >= 0)
    ::close(fd);
  return llvm::Error::success();
}

std::string rfc3339(int64_t t) {
  if (!t)
    return "0001-01-01T00:00:00Z";
  char buf[64];
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  ::gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string volumesInspectJson(const std::vector<VolumeInfo> &volumes) {
  nlohmann::json out = nlohmann::json::array();
  for (const VolumeInfo &v : volumes)
    out.push_back({{"CreatedAt", rfc3339(v.createdAt)},
                   {"Driver", "local"},
                   {"Labels", nullptr},
                   {"Mountpoint", v.mountpoint},
                   {"Name", v.name},
                   {"Options", nullptr},
                   {"Scope", "local"}});
  return out.dump(4);
}

llvm::Expected<std::string> Containers::inspect(llvm::StringRef idOrName) {
  auto c = info(idOrName);
  if (!c)
    return c.takeError();
  State s = State::fromJson(c->stateJson);
  auto policy = parseRestartPolicy(s.spec.restart);
  if (!policy)
    llvm::consumeError(policy.takeError());
  nlohmann::json ports = nlohmann::json::object();
  for (const PortBinding &p : c->ports)
    ports[std::to_string(p.containerPort) + "/" + p.protocol].push_back(
        {{"HostIp", p.hostIp}, {"HostPort", std::to_string(p.hostPort)}});
  nlohmann::json mounts = nlohmann::json::array();
  for (const VolumeBinding &v : s.mounts)
    mounts.push_back({{"Type", v.named ? "volume" : "bind"},
                      {"Source", v.source},
                      {"Destination", v.destination},
                      {"RW", !v.readOnly}});

  nlohmann::json j = {
      {"Id", c->id},
      {"Created", rfc3339(c->created)},
      {"Path", c->args.empty() ? "" : c->args[0]},
      {"Args", c->args.size() > 1 ? std::vector<std::string>(c->args.begin() + 1, c->args.end())
                                  : std::vector<std::string>{}},
      {"State",
       {{"Status", statusName(c->status)},
        {"Running", c->status == Status::Running},
        {"Restarting", c->status == Status::Restarting},
        {"Pid", c->pid},
        {"ExitCode", c->exitCode},
        {"Error", c->error},
        {"StartedAt", rfc3339(c->startedAt)},
        {"FinishedAt", rfc3339(c->finishedAt)}}},
      {"Image", s.imageId},
      {"Name", "/" + c->name},
      {"RestartCount", c->restartCount},
      {"LogPath", logPath(c->id)},
      {"Mounts", mounts},
      {"Config",
       {{"Hostname", s.spec.hostname.empty() ? c->id.substr(0, 12) : s.spec.hostname},
        {"User", s.spec.user},
        {"Tty", s.spec.tty},
        {"OpenStdin", s.spec.interactive},
        {"Env", s.spec.env},
        {"Cmd", s.spec.command},
        {"Image", c->image},
        {"WorkingDir", s.spec.workdir},
        {"Labels", c->labels},
        {"StopSignal", s.stopSignal.empty() ? "SIGTERM" : s.stopSignal}}},
      {"HostConfig",
       {{"AutoRemove", s.spec.autoRemove},
        {"ReadonlyRootfs", s.spec.readOnly},
        {"Memory", s.spec.memoryBytes.value_or(0)},
        {"PidsLimit", s.spec.pidsLimit.value_or(0)},
        {"NetworkMode", !s.spec.userNetwork.empty()       ? s.spec.userNetwork
                        : s.spec.network == Network::Host ? "host"
                        : s.spec.network == Network::None ? "none"
                                                          : "default"},
        {"RestartPolicy",
         {{"Name", policy ? policy->name : s.spec.restart},
          {"MaximumRetryCount", policy ? policy->maximumRetryCount : 0}}}}},
      {"NetworkSettings",
       {{"Ports", ports},
        {"Networks", s.spec.userNetwork.empty()
                         ? nlohmann::json::object()
                         : nlohmann::json{{s.spec.userNetwork,
                                           {{"IPAddress", s.spec.networkAddress},
                                            {"Aliases", s.spec.networkAliases}}}}}}},
  };
  if (!s.health.empty()) {
    nlohmann::json log = nlohmann::json::array();
    for (const State::Probe &p : s.healthLog)
      log.push_back({{"Start", rfc3339(p.start / 1000)},
                     {"End", rfc3339(p.end / 1000)},
                     {"ExitCode", p.exitCode},
                     {"Output", p.output}});
    j["State"]["Health"] = {{"Status", s.health}, {"FailingStreak", s.failingStreak}, {"Log", log}};
  }
  return j.dump(4, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {
// $DFC_ROOT/volumes/<name>; its data is in _data below it.
std::string volumesRoot(const store::ImageStore &store) { return store.root() + "/volumes"; }
std::string volumeDirectory(const store::ImageStore &store, llvm::StringRef name) {
  return volumesRoot(store) + "/" + name.str();
}
} // namespace

llvm::Expected<std::string> namedVolumePath(store::ImageStore &store, llvm::StringRef name) {
  if (name.contains('/') || name.startswith("."))
    return fail("invalid volume name " + name);
  std::string path = volumeDirectory(store, name) + "/_data";
  if (llvm::Error e = store::makeDirs(path))
    return e;
  return path;
}

bool validResourceName(llvm::StringRef name, size_t minSize) {
  if (name.size() < minSize || name.empty() || !llvm::isAlnum(name[0]))
    return false;
  return llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool validVolumeName(llvm::StringRef name) { return validResourceName(name, 2); }

llvm::Expected<std::vector<VolumeInfo>> listNamedVolumes(store::ImageStore &store) {
  std::vector<VolumeInfo> out;
  std::string root = volumesRoot(store);
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    struct stat st;
    std::string data = it->path() + "/_data";
    if (!validVolumeName(name) || ::stat(data.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      continue;
    struct stat dirSt;
    int64_t created = ::stat(it->path().c_str(), &dirSt) == 0 ? dirSt.st_mtime : st.st_mtime;
    out.push_back({name, data, created});
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return fail("reading " + root + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const VolumeInfo &a, const VolumeInfo &b) { return a.name < b.name; });
  return out;
}

llvm::Expected<std::vector<std::string>> volumeUsers(store::ImageStore &store, llvm::StringRef name) {
  auto rows = store.db().containers();
  if (!rows)
    return rows.takeError();
  std::string path = volumeDirectory(store, name) + "/_data";
  std::vector<std::string> users;
  for (const store::ContainerRow &r : *rows) {
    State s = State::fromJson(r.stateJson);
    bool uses = llvm::any_of(s.spec.volumes, [&](const VolumeBinding &v) { return v.named && v.source == name; }) ||
                llvm::any_of(s.mounts, [&](const VolumeBinding &v) { return v.source == path; });
    if (uses)
      users.push_back(r.id);
  }
  return users;
}

llvm::Error removeNamedVolume(store::ImageStore &store, llvm::StringRef name) {
  if (name.contains('/') || name.startswith(".") || name.empty())
    return fail("invalid volume name " + name);
  return store::removeTree(volumeDirectory(store, name));
}

llvm::Error nameConflict(llvm::StringRef name, llvm::StringRef holder) {
  return fail("Conflict. The container name \"/" + name + "\" is already in use by container \"" + holder +
              "\". You have to remove (or rename) that container to be able to reuse that name.");
}

llvm::Expected<std::string> Containers::create(const RunSpec &specIn) {
  RunSpec spec = specIn;
  auto img = Store.resolve(spec.image);
  if (!img)
    return fail("Unable to find image '" + spec.image + "' locally: " + llvm::toString(img.takeError()));
  auto policy = parseRestartPolicy(spec.restart);
  if (!policy)
    return policy.takeError();
  if (spec.autoRemove && policy->name != "no")
    return fail("conflicting options: cannot specify both --restart and --rm");
  std::string id = generateId();
  if (spec.name.empty()) {
    for (int i = 0; i < 20; ++i) {
      std::string candidate = generateName();
      auto taken = Store.db().container(candidate);
      if (!taken)
        return taken.takeError();
      if (!*taken) {
        spec.name = candidate;
        break;
      }
    }
    if (spec.name.empty())
      spec.name = "dfc_" + id.substr(0, 12);
  } else {
    auto taken = Store.db().container(spec.name);
    if (!taken)
      return taken.takeError();
    if (*taken)
      return nameConflict(spec.name, (*taken)->id);
  }
  // Env files expand now, so the record says exactly what the process got.
  for (const std::string &f : spec.envFiles) {
    auto lines = readEnvFile(f);
    if (!lines)
      return lines.takeError();
    spec.env.insert(spec.env.end(), lines->begin(), lines->end());
  }
  spec.envFiles.clear();
  std::vector<std::string> env;
  for (const std::string &e : spec.env) {
    if (e.find('=') == std::string::npos) {
      if (const char *v = std::getenv(e.c_str()))
        env.push_back(e + "=" + v);
      continue;
    }
    env.push_back(e);
  }
  spec.env = env;

  const store::ImageConfig &c = img->spec.config;
  State s;
  s.spec = spec;
  s.imageId = img->id.str();
  s.stopSignal = c.StopSignal;
  std::vector<std::string> entry = c.Entrypoint;
  std::vector<std::string> cmd = c.Cmd;
  if (spec.entrypoint) {
    entry = spec.entrypoint->empty() ? std::vector<std::string>{} : std::vector<std::string>{*spec.entrypoint};
    cmd.clear();
  }
  if (!spec.command.empty())
    cmd = spec.command;
  s.args = entry;
  s.args.insert(s.args.end(), cmd.begin(), cmd.end());
  if (s.args.empty())
    return fail("no command specified");

  int networkLock = -1;
  auto unlockNetwork = llvm::make_scope_exit([&] {
    if (networkLock >= 0)
      ::close(networkLock);
  });
  if (!spec.userNetwork.empty()) {
    if (llvm::Error e = joinUserNetwork(Store, spec, networkLock))
      return e;
    s.spec = spec;
  }
  auto leave = [&] { leaveUserNetwork(Store, s); };
  // A container that goes when it ends (--rm) gets its directory from whoever runs it: an attached
  // run makes it on a tmpfs of its own, a supervisor on disk (it writes the log there).
  if (!spec.autoRemove)
    if (llvm::Error e = store::makeDirs(directory(id), 0710)) {
      leave();
      return e;
    }
  store::ContainerRow row;
  row.id = id;
  row.name = spec.name;
  row.image = spec.image;
  row.imageManifest = img->manifestDigest;
  row.stateJson = s.toJson();
  row.created = nowSeconds();
  if (llvm::Error e = Store.db().putContainer(row)) {
    leave();
    llvm::consumeError(store::removeTree(directory(id)));
    // Another create of this name stored its record since the check above.
    if (auto taken = Store.db().container(spec.name); taken && *taken && (*taken)->id != id) {
      llvm::consumeError(std::move(e));
      return nameConflict(spec.name, (*taken)->id);
    } else if (!taken)
      llvm::consumeError(taken.takeError());
    return e;
  }
  return id;
}

} // namespace dfc::containers
