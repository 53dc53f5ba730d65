// JSON reading and writing of the OCI config subset in Bundle.h, with the spec's field names.
// Unknown fields are ignored on input, so a config.json written by other tools still loads.
#include "backend/runtime/Bundle.h"

#include <llvm/ADT/Twine.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

using nlohmann::json;

namespace dfc::runtime {

bool Bundle::hasNamespace(llvm::StringRef type) const {
  return std::any_of(linuxSpec.namespaces.begin(), linuxSpec.namespaces.end(),
                     [&](const Namespace &ns) { return ns.type == type; });
}

void Bundle::setNamespace(llvm::StringRef type, bool wanted) {
  auto &list = linuxSpec.namespaces;
  if (!wanted) {
    list.erase(std::remove_if(list.begin(), list.end(), [&](const Namespace &ns) { return ns.type == type; }),
               list.end());
    return;
  }
  if (!hasNamespace(type))
    list.push_back({type.str(), ""});
}

namespace {

template <typename T> void getIf(const json &j, const char *key, T &out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null())
    it->get_to(out);
}

json capsToJSON(const Capabilities &c) {
  return {{"bounding", c.bounding},
          {"effective", c.effective},
          {"inheritable", c.inheritable},
          {"permitted", c.permitted},
          {"ambient", c.ambient}};
}

Capabilities capsFromJSON(const json &j) {
  Capabilities c;
  getIf(j, "bounding", c.bounding);
  getIf(j, "effective", c.effective);
  getIf(j, "inheritable", c.inheritable);
  getIf(j, "permitted", c.permitted);
  getIf(j, "ambient", c.ambient);
  return c;
}

json seccompToJSON(const Seccomp &s) {
  json calls = json::array();
  for (const SeccompSyscall &call : s.syscalls) {
    json args = json::array();
    for (const SeccompArg &a : call.args)
      args.push_back({{"index", a.index}, {"value", a.value}, {"valueTwo", a.valueTwo}, {"op", a.op}});
    json entry = {{"names", call.names}, {"action", call.action}};
    if (call.errnoRet)
      entry["errnoRet"] = *call.errnoRet;
    if (!args.empty())
      entry["args"] = args;
    calls.push_back(std::move(entry));
  }
  return {{"defaultAction", s.defaultAction}, {"architectures", s.architectures}, {"syscalls", calls}};
}

Seccomp seccompFromJSON(const json &j) {
  Seccomp s;
  getIf(j, "defaultAction", s.defaultAction);
  getIf(j, "architectures", s.architectures);
  if (auto it = j.find("syscalls"); it != j.end() && it->is_array()) {
    for (const json &c : *it) {
      SeccompSyscall call;
      getIf(c, "names", call.names);
      getIf(c, "action", call.action);
      if (auto e = c.find("errnoRet"); e != c.end() && !e->is_null())
        call.errnoRet = e->get<uint32_t>();
      if (auto a = c.find("args"); a != c.end() && a->is_array()) {
        for (const json &arg : *a) {
          SeccompArg sa;
          getIf(arg, "index", sa.index);
          getIf(arg, "value", sa.value);
          getIf(arg, "valueTwo", sa.valueTwo);
          getIf(arg, "op", sa.op);
          call.args.push_back(std::move(sa));
        }
      }
      s.syscalls.push_back(std::move(call));
    }
  }
  return s;
}

json mappingsToJSON(const std::vector<IdMapping> &maps) {
  json out = json::array();
  for (const IdMapping &m : maps)
    out.push_back({{"containerID", m.containerID}, {"hostID", m.hostID}, {"size", m.size}});
  return out;
}

std::vector<IdMapping> mappingsFromJSON(const json &j) {
  std::vector<IdMapping> out;
  if (!j.is_array())
    return out;
  for (const json &m : j) {
    IdMapping im;
    getIf(m, "containerID", im.containerID);
    getIf(m, "hostID", im.hostID);
    getIf(m, "size", im.size);
    out.push_back(im);
  }
  return out;
}

json bundleToJSON(const Bundle &b) {
  const Process &p = b.process;
  json user = {{"uid", p.user.uid}, {"gid", p.user.gid}};
  if (!p.user.additionalGids.empty())
    user["additionalGids"] = p.user.additionalGids;
  json process = {{"terminal", p.terminal}, {"user", user}, {"args", p.args},
                  {"env", p.env},           {"cwd", p.cwd}, {"noNewPrivileges", p.noNewPrivileges}};
  if (p.capabilities)
    process["capabilities"] = capsToJSON(*p.capabilities);
  if (!p.rlimits.empty()) {
    json limits = json::array();
    for (const Rlimit &r : p.rlimits)
      limits.push_back({{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}});
    process["rlimits"] = limits;
  }

  json mounts = json::array();
  for (const Mount &m : b.mounts) {
    json mj = {{"destination", m.destination}, {"type", m.type}, {"source", m.source}};
    if (!m.options.empty())
      mj["options"] = m.options;
    mounts.push_back(std::move(mj));
  }

  const Linux &l = b.linuxSpec;
  json namespaces = json::array();
  for (const Namespace &ns : l.namespaces) {
    json nj = {{"type", ns.type}};
    if (!ns.path.empty())
      nj["path"] = ns.path;
    namespaces.push_back(std::move(nj));
  }
  json linux = {
      {"namespaces", namespaces}, {"maskedPaths", l.maskedPaths}, {"readonlyPaths", l.readonlyPaths}};
  if (!l.uidMappings.empty())
    linux["uidMappings"] = mappingsToJSON(l.uidMappings);
  if (!l.gidMappings.empty())
    linux["gidMappings"] = mappingsToJSON(l.gidMappings);
  if (l.seccomp)
    linux["seccomp"] = seccompToJSON(*l.seccomp);
  if (!l.cgroupsPath.empty())
    linux["cgroupsPath"] = l.cgroupsPath;
  if (l.resources) {
    json res = json::object();
    if (l.resources->memoryLimit)
      res["memory"] = {{"limit", *l.resources->memoryLimit}};
    if (l.resources->pidsLimit)
      res["pids"] = {{"limit", *l.resources->pidsLimit}};
    linux["resources"] = res;
  }

  json out = {{"ociVersion", b.ociVersion},
              {"process", process},
              {"root", {{"path", b.root.path}, {"readonly", b.root.readonly}}},
              {"mounts", mounts},
              {"linux", linux}};
  if (!b.hostname.empty())
    out["hostname"] = b.hostname;
  return out;
}

Bundle bundleFromJSONValue(const json &j) {
  Bundle b;
  getIf(j, "ociVersion", b.ociVersion);
  getIf(j, "hostname", b.hostname);
  if (auto it = j.find("root"); it != j.end()) {
    getIf(*it, "path", b.root.path);
    getIf(*it, "readonly", b.root.readonly);
  }
  if (auto it = j.find("process"); it != j.end()) {
    const json &pj = *it;
    Process &p = b.process;
    getIf(pj, "terminal", p.terminal);
    getIf(pj, "args", p.args);
    getIf(pj, "env", p.env);
    getIf(pj, "cwd", p.cwd);
    getIf(pj, "noNewPrivileges", p.noNewPrivileges);
    if (auto u = pj.find("user"); u != pj.end()) {
      getIf(*u, "uid", p.user.uid);
      getIf(*u, "gid", p.user.gid);
      getIf(*u, "additionalGids", p.user.additionalGids);
    }
    if (auto c = pj.find("capabilities"); c != pj.end() && c->is_object())
      p.capabilities = capsFromJSON(*c);
    if (auto r = pj.find("rlimits"); r != pj.end() && r->is_array()) {
      for (const json &rj : *r) {
        Rlimit limit;
        getIf(rj, "type", limit.type);
        getIf(rj, "hard", limit.hard);
        getIf(rj, "soft", limit.soft);
        p.rlimits.push_back(std::move(limit));
      }
    }
  }
  if (auto it = j.find("mounts"); it != j.end() && it->is_array()) {
    for (const json &mj : *it) {
      Mount m;
      getIf(mj, "destination", m.destination);
      getIf(mj, "type", m.type);
      getIf(mj, "source", m.source);
      getIf(mj, "options", m.options);
      b.mounts.push_back(std::move(m));
    }
  }
  if (auto it = j.find("linux"); it != j.end()) {
    const json &lj = *it;
    Linux &l = b.linuxSpec;
    if (auto n = lj.find("namespaces"); n != lj.end() && n->is_array()) {
      for (const json &nj : *n) {
        Namespace ns;
        getIf(nj, "type", ns.type);
        getIf(nj, "path", ns.path);
        l.namespaces.push_back(std::move(ns));
      }
    }
    if (auto m = lj.find("uidMappings"); m != lj.end())
      l.uidMappings = mappingsFromJSON(*m);
    if (auto m = lj.find("gidMappings"); m != lj.end())
      l.gidMappings = mappingsFromJSON(*m);
    getIf(lj, "maskedPaths", l.maskedPaths);
    getIf(lj, "readonlyPaths", l.readonlyPaths);
    getIf(lj, "cgroupsPath", l.cgroupsPath);
    if (auto s = lj.find("seccomp"); s != lj.end() && s->is_object())
      l.seccomp = seccompFromJSON(*s);
    if (auto r = lj.find("resources"); r != lj.end() && r->is_object()) {
      Resources res;
      if (auto mem = r->find("memory"); mem != r->end() && mem->contains("limit"))
        res.memoryLimit = (*mem)["limit"].get<int64_t>();
      if (auto pids = r->find("pids"); pids != r->end() && pids->contains("limit"))
        res.pidsLimit = (*pids)["limit"].get<int64_t>();
      l.resources = res;
    }
  }
  return b;
}

llvm::Error bundleError(const llvm::Twine &message) {
  return llvm::createStringError(std::make_error_code(std::errc::invalid_argument), message);
}

} // namespace

std::string toJSON(const Bundle &bundle) { return bundleToJSON(bundle).dump(2) + "\n"; }

llvm::Expected<Bundle> bundleFromJSON(llvm::StringRef text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return bundleError("config.json: not a JSON object");
  try {
    return bundleFromJSONValue(j);
  } catch (const json::exception &e) {
    return bundleError(llvm::Twine("config.json: ") + e.what());
  }
}

llvm::Error writeBundle(const Bundle &bundle, llvm::StringRef dir) {
  std::string path = (dir + "/config.json").str();
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string text = toJSON(bundle);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return bundleError("open " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return bundleError("write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return bundleError("fsync " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return bundleError("rename " + path + ": " + std::strerror(err));
  }
  return llvm::Error::success();
}

llvm::Expected<Bundle> readBundle(llvm::StringRef dir) {
  std::string path = (dir + "/config.json").str();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return bundleError("open " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return bundleFromJSON(ss.str());
}

} // namespace dfc::runtime
