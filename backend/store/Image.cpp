// JSON for OCI image structs. nlohmann::json keeps object keys in a std::map, so dump() with no
// indent is already the canonical (sorted, compact) form our digests rely on.
#include "backend/store/Image.h"

#include "backend/store/Files.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>

using nlohmann::json;

namespace dfc::store {

bool HealthConfig::operator==(const HealthConfig &o) const {
  return Test == o.Test && Interval == o.Interval && Timeout == o.Timeout && StartPeriod == o.StartPeriod &&
         StartInterval == o.StartInterval && Retries == o.Retries;
}

std::optional<std::string> ImageConfig::env(llvm::StringRef key) const {
  for (const std::string &kv : Env) {
    llvm::StringRef k = llvm::StringRef(kv).split('=').first;
    if (k == key)
      return llvm::StringRef(kv).split('=').second.str();
  }
  return std::nullopt;
}

void ImageConfig::setEnv(llvm::StringRef key, llvm::StringRef value) {
  std::string kv = (key + "=" + value).str();
  for (std::string &e : Env)
    if (llvm::StringRef(e).split('=').first == key) {
      e = kv;
      return;
    }
  Env.push_back(kv);
}

bool ImageConfig::operator==(const ImageConfig &o) const {
  return User == o.User && ExposedPorts == o.ExposedPorts && Env == o.Env && Entrypoint == o.Entrypoint &&
         Cmd == o.Cmd && Volumes == o.Volumes && WorkingDir == o.WorkingDir && Labels == o.Labels &&
         StopSignal == o.StopSignal && ArgsEscaped == o.ArgsEscaped && Healthcheck == o.Healthcheck &&
         OnBuild == o.OnBuild && Shell == o.Shell;
}

// --- to JSON ---

static json emptyObjectMap(const std::map<std::string, std::map<std::string, std::string>> &m) {
  json j = json::object();
  for (const auto &[k, v] : m)
    j[k] = json(v);
  return j;
}

json toJson(const ImageConfig &c) {
  json j = json::object();
  if (!c.User.empty())
    j["User"] = c.User;
  if (!c.ExposedPorts.empty())
    j["ExposedPorts"] = emptyObjectMap(c.ExposedPorts);
  if (!c.Env.empty())
    j["Env"] = c.Env;
  if (!c.Entrypoint.empty())
    j["Entrypoint"] = c.Entrypoint;
  if (!c.Cmd.empty())
    j["Cmd"] = c.Cmd;
  if (!c.Volumes.empty())
    j["Volumes"] = emptyObjectMap(c.Volumes);
  if (!c.WorkingDir.empty())
    j["WorkingDir"] = c.WorkingDir;
  if (!c.Labels.empty())
    j["Labels"] = c.Labels;
  if (!c.StopSignal.empty())
    j["StopSignal"] = c.StopSignal;
  if (c.ArgsEscaped)
    j["ArgsEscaped"] = true;
  if (c.Healthcheck) {
    const HealthConfig &h = *c.Healthcheck;
    json hj = json::object();
    if (!h.Test.empty())
      hj["Test"] = h.Test;
    if (h.Interval)
      hj["Interval"] = h.Interval;
    if (h.Timeout)
      hj["Timeout"] = h.Timeout;
    if (h.StartPeriod)
      hj["StartPeriod"] = h.StartPeriod;
    if (h.StartInterval)
      hj["StartInterval"] = h.StartInterval;
    if (h.Retries)
      hj["Retries"] = h.Retries;
    j["Healthcheck"] = hj;
  }
  if (!c.OnBuild.empty())
    j["OnBuild"] = c.OnBuild;
  if (!c.Shell.empty())
    j["Shell"] = c.Shell;
  return j;
}

json toJson(const ImageSpec &s) {
  json j = json::object();
  if (!s.created.empty())
    j["created"] = s.created;
  if (!s.author.empty())
    j["author"] = s.author;
  j["architecture"] = s.architecture;
  j["os"] = s.os;
  if (!s.variant.empty())
    j["variant"] = s.variant;
  j["config"] = toJson(s.config);
  json ids = json::array();
  for (const Digest &d : s.diffIds)
    ids.push_back(d.str());
  j["rootfs"] = {{"type", "layers"}, {"diff_ids", ids}};
  if (!s.history.empty()) {
    json h = json::array();
    for (const HistoryEntry &e : s.history) {
      json he = json::object();
      if (!e.created.empty())
        he["created"] = e.created;
      if (!e.created_by.empty())
        he["created_by"] = e.created_by;
      if (!e.author.empty())
        he["author"] = e.author;
      if (!e.comment.empty())
        he["comment"] = e.comment;
      if (e.empty_layer)
        he["empty_layer"] = true;
      h.push_back(he);
    }
    j["history"] = h;
  }
  return j;
}

json toJson(const Descriptor &d) {
  json j = {{"mediaType", d.mediaType}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!d.annotations.empty())
    j["annotations"] = d.annotations;
  if (d.platform) {
    json p = {{"architecture", d.platform->architecture}, {"os", d.platform->os}};
    if (!d.platform->variant.empty())
      p["variant"] = d.platform->variant;
    j["platform"] = p;
  }
  return j;
}

json toJson(const Manifest &m) {
  json j = {{"schemaVersion", m.schemaVersion}, {"config", toJson(m.config)}};
  if (!m.mediaType.empty())
    j["mediaType"] = m.mediaType;
  json layers = json::array();
  for (const Descriptor &d : m.layers)
    layers.push_back(toJson(d));
  j["layers"] = layers;
  if (!m.annotations.empty())
    j["annotations"] = m.annotations;
  return j;
}

json toJson(const Index &i) {
  json j = {{"schemaVersion", i.schemaVersion}};
  if (!i.mediaType.empty())
    j["mediaType"] = i.mediaType;
  json ms = json::array();
  for (const Descriptor &d : i.manifests)
    ms.push_back(toJson(d));
  j["manifests"] = ms;
  if (!i.annotations.empty())
    j["annotations"] = i.annotations;
  return j;
}

std::string canonicalJson(const ImageSpec &s) { return toJson(s).dump(); }
std::string canonicalJson(const Manifest &m) { return toJson(m).dump(); }
std::string canonicalJson(const Index &i) { return toJson(i).dump(); }

// --- from JSON ---
// nlohmann throws on type mismatches; we catch here so callers only ever see llvm::Error.

namespace {

std::vector<std::string> strings(const json &j, const char *key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return out;
  if (it->is_string()) // Docker accepts a bare string in a few places (e.g. old Cmd).
    return {it->get<std::string>()};
  for (const json &v : *it)
    out.push_back(v.get<std::string>());
  return out;
}

std::string str(const json &j, const char *key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

std::map<std::string, std::map<std::string, std::string>> keySet(const json &j, const char *key) {
  std::map<std::string, std::map<std::string, std::string>> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_object())
    return out;
  for (auto e = it->begin(); e != it->end(); ++e)
    out[e.key()] = {};
  return out;
}

Descriptor descriptorFrom(const json &j) {
  Descriptor d;
  d.mediaType = str(j, "mediaType");
  auto dig = Digest::parse(str(j, "digest"));
  if (!dig)
    throw std::runtime_error(llvm::toString(dig.takeError()));
  d.digest = *dig;
  d.size = j.value("size", int64_t(0));
  if (auto a = j.find("annotations"); a != j.end() && a->is_object())
    d.annotations = a->get<std::map<std::string, std::string>>();
  if (auto p = j.find("platform"); p != j.end() && p->is_object())
    d.platform = Platform{str(*p, "architecture"), str(*p, "os"), str(*p, "variant")};
  return d;
}

ImageConfig configFrom(const json &j) {
  ImageConfig c;
  if (!j.is_object())
    return c;
  c.User = str(j, "User");
  c.ExposedPorts = keySet(j, "ExposedPorts");
  c.Env = strings(j, "Env");
  c.Entrypoint = strings(j, "Entrypoint");
  c.Cmd = strings(j, "Cmd");
  c.Volumes = keySet(j, "Volumes");
  c.WorkingDir = str(j, "WorkingDir");
  if (auto l = j.find("Labels"); l != j.end() && l->is_object())
    c.Labels = l->get<std::map<std::string, std::string>>();
  c.StopSignal = str(j, "StopSignal");
  c.ArgsEscaped = j.value("ArgsEscaped", false);
  if (auto h = j.find("Healthcheck"); h != j.end() && h->is_object()) {
    HealthConfig hc;
    hc.Test = strings(*h, "Test");
    hc.Interval = h->value("Interval", int64_t(0));
    hc.Timeout = h->value("Timeout", int64_t(0));
    hc.StartPeriod = h->value("StartPeriod", int64_t(0));
    hc.StartInterval = h->value("StartInterval", int64_t(0));
    hc.Retries = h->value("Retries", 0);
    c.Healthcheck = hc;
  }
  c.OnBuild = strings(j, "OnBuild");
  c.Shell = strings(j, "Shell");
  return c;
}

template <typename T, typename F> llvm::Expected<T> parseWith(llvm::StringRef text, F fn) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return storeError("invalid JSON document");
  try {
    return fn(j);
  } catch (const std::exception &e) {
    return storeError(llvm::Twine("malformed document: ") + e.what());
  }
}

} // namespace

llvm::Expected<ImageConfig> imageConfigFromJson(const json &j) {
  try {
    return configFrom(j);
  } catch (const std::exception &e) {
    return storeError(llvm::Twine("malformed image config: ") + e.what());
  }
}

llvm::Expected<ImageSpec> parseImageSpec(llvm::StringRef text) {
  return parseWith<ImageSpec>(text, [](const json &j) {
    ImageSpec s;
    s.created = str(j, "created");
    s.author = str(j, "author");
    s.architecture = str(j, "architecture");
    s.os = str(j, "os");
    s.variant = str(j, "variant");
    if (auto c = j.find("config"); c != j.end())
      s.config = configFrom(*c);
    if (auto r = j.find("rootfs"); r != j.end() && r->is_object())
      for (const std::string &id : strings(*r, "diff_ids")) {
        auto d = Digest::parse(id);
        if (!d)
          throw std::runtime_error(llvm::toString(d.takeError()));
        s.diffIds.push_back(*d);
      }
    if (auto h = j.find("history"); h != j.end() && h->is_array())
      for (const json &e : *h)
        s.history.push_back({str(e, "created"), str(e, "created_by"), str(e, "author"), str(e, "comment"),
                             e.value("empty_layer", false)});
    return s;
  });
}

llvm::Expected<Manifest> parseManifest(llvm::StringRef text) {
  return parseWith<Manifest>(text, [](const json &j) {
    Manifest m;
    m.schemaVersion = j.value("schemaVersion", 0);
    m.mediaType = str(j, "mediaType");
    m.config = descriptorFrom(j.at("config"));
    for (const json &l : j.at("layers"))
      m.layers.push_back(descriptorFrom(l));
    if (auto a = j.find("annotations"); a != j.end() && a->is_object())
      m.annotations = a->get<std::map<std::string, std::string>>();
    return m;
  });
}

llvm::Expected<Index> parseIndex(llvm::StringRef text) {
  return parseWith<Index>(text, [](const json &j) {
    Index i;
    i.schemaVersion = j.value("schemaVersion", 0);
    i.mediaType = str(j, "mediaType");
    for (const json &m : j.at("manifests"))
      i.manifests.push_back(descriptorFrom(m));
    if (auto a = j.find("annotations"); a != j.end() && a->is_object())
      i.annotations = a->get<std::map<std::string, std::string>>();
    return i;
  });
}

// --- time ---

std::string formatTime(int64_t t) {
  std::time_t tt = std::time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t parseTime(llvm::StringRef s) {
  std::tm tm{};
  std::string buf = s.str();
  const char *rest = ::strptime(buf.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest)
    return 0;
  int64_t t = int64_t(::timegm(&tm));
  llvm::StringRef tail = s.drop_front(size_t(rest - buf.c_str()));
  if (tail.startswith("."))
    tail = tail.drop_front().drop_while([](char c) { return c >= '0' && c <= '9'; });
  if (tail.size() >= 6 && (tail[0] == '+' || tail[0] == '-')) {
    int hh = 0, mm = 0;
    if (tail.substr(1, 2).getAsInteger(10, hh) || tail.substr(4, 2).getAsInteger(10, mm))
      return t;
    int off = (hh * 60 + mm) * 60;
    t += tail[0] == '+' ? -off : off;
  }
  return t;
}

std::optional<int64_t> sourceDateEpoch() {
  const char *v = std::getenv("SOURCE_DATE_EPOCH");
  if (!v || !*v)
    return std::nullopt;
  int64_t t = 0;
  if (llvm::StringRef(v).getAsInteger(10, t))
    return std::nullopt;
  return t;
}

} // namespace dfc::store
