// Parsers for flag words, durations, CSV mount/device specs, port specs and heredoc markers,
// with BuildKit's error texts (instructions/bflag.go, commands_runmount.go, go-connections/nat).
#include "ir/Operands.h"

#include <llvm/ADT/StringExtras.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <regex>
#include <tuple>

namespace dfc {

// ---------------------------------------------------------------------------------------------
// BuilderFlags

BuilderFlags::Value &BuilderFlags::declare(llvm::StringRef name) {
  for (auto &f : Flags)
    if (f.first == name)
      return f.second = Value();
  // Built in place: no temporary name or Value to move.
  Flags.emplace_back(std::piecewise_construct, std::forward_as_tuple(name.data(), name.size()),
                     std::forward_as_tuple());
  return Flags.back().second;
}

void BuilderFlags::addBool(llvm::StringRef name, bool def) {
  Value &v = declare(name);
  v.type = Type::Bool;
  v.value.assign(def ? "true" : "false");
}

void BuilderFlags::addString(llvm::StringRef name, llvm::StringRef def) {
  Value &v = declare(name);
  v.type = Type::String;
  v.value.assign(def.data(), def.size());
}

void BuilderFlags::addStrings(llvm::StringRef name) { declare(name).type = Type::Strings; }

const BuilderFlags::Value *BuilderFlags::get(llvm::StringRef name) const {
  for (const auto &f : Flags)
    if (f.first == name)
      return &f.second;
  return nullptr;
}

bool BuilderFlags::isUsed(llvm::StringRef name) const {
  const Value *v = get(name);
  return v && v->used;
}

std::vector<std::string> BuilderFlags::names() const {
  std::vector<std::string> out;
  out.reserve(Flags.size());
  for (const auto &f : Flags)
    out.push_back(f.first);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> BuilderFlags::used() const {
  std::vector<std::string> out;
  if (Flags.empty())
    return out;
  out.reserve(Flags.size());
  for (const auto &[name, v] : Flags)
    if (v.used)
      out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> BuilderFlags::parse(const std::vector<std::string> &words, size_t *badIndex) {
  llvm::SmallVector<llvm::StringRef, 8> refs(words.begin(), words.end());
  return parse(llvm::ArrayRef<llvm::StringRef>(refs), badIndex);
}

std::optional<std::string> BuilderFlags::parse(llvm::ArrayRef<llvm::StringRef> words, size_t *badIndex) {
  for (size_t i = 0; i < words.size(); ++i) {
    if (badIndex)
      *badIndex = i;
    llvm::StringRef arg = words[i];
    if (!arg.startswith("--"))
      return "arg should start with -- : " + arg.str();
    if (arg == "--")
      return std::nullopt;
    arg = arg.drop_front(2);
    llvm::StringRef value;
    size_t eq = arg.find('=');
    bool hasValue = eq != llvm::StringRef::npos;
    if (hasValue) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    Value *found = nullptr;
    for (auto &f : Flags)
      if (f.first == arg)
        found = &f.second;
    if (!found)
      return "unknown flag: --" + arg.str();
    Value &flag = *found;
    if (flag.used && flag.type != Type::Strings)
      return "duplicate flag specified: --" + arg.str();
    flag.used = true;
    flag.indexes.push_back(static_cast<uint32_t>(i));
    switch (flag.type) {
    case Type::Bool: {
      if (hasValue && value.empty())
        return "missing a value on flag: --" + arg.str();
      std::string lower = value.lower();
      if (lower.empty())
        flag.value = "true";
      else if (lower == "true" || lower == "false")
        flag.value = lower;
      else
        return "expecting boolean value for flag --" + arg.str() + ", not: " + value.str();
      break;
    }
    case Type::String:
      if (!hasValue)
        return "missing a value on flag: --" + arg.str();
      flag.value = value.str();
      break;
    case Type::Strings:
      if (!hasValue)
        return "missing a value on flag: --" + arg.str();
      flag.values.push_back(value.str());
      break;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Suggestions

// Two rows of the distance matrix, inline for option names (two std::vectors per option were most
// of an unknown flag's mallocs).
static size_t levenshtein(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallVector<size_t, 24> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> suggestClosest(llvm::StringRef value, const std::vector<std::string> &options,
                                          bool caseSensitive) {
  if (value.empty())
    return std::nullopt;
  std::string v = caseSensitive ? value.str() : value.lower();
  size_t best = SIZE_MAX, match = 0;
  std::string lower;
  for (size_t i = 0; i < options.size(); ++i) {
    llvm::StringRef cand = options[i];
    if (!caseSensitive) {
      lower = cand.lower();
      cand = lower;
    }
    // The distance is at least the length difference: a candidate that far off can be neither a
    // suggestion (under 3) nor beat one, so its matrix is not computed.
    size_t gap = v.size() > cand.size() ? v.size() - cand.size() : cand.size() - v.size();
    if (gap >= 3 && gap >= best)
      continue;
    size_t d = gap >= 3 ? gap : levenshtein(v, cand);
    if (d < best) {
      best = d;
      match = i;
    }
  }
  if (best == 0 || best >= 3)
    return std::nullopt;
  return caseSensitive ? options[match] : llvm::StringRef(options[match]).lower();
}

// ---------------------------------------------------------------------------------------------
// Go durations

static std::string goQuote(llvm::StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::optional<int64_t> parseGoDuration(llvm::StringRef orig, std::string *error) {
  auto fail = [&](std::string msg) -> std::optional<int64_t> {
    if (error)
      *error = std::move(msg);
    return std::nullopt;
  };
  llvm::StringRef s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s = s.drop_front();
  }
  if (s == "0")
    return 0;
  if (s.empty())
    return fail("time: invalid duration " + goQuote(orig));
  long double total = 0;
  while (!s.empty()) {
    if (!(llvm::isDigit(s[0]) || s[0] == '.'))
      return fail("time: invalid duration " + goQuote(orig));
    size_t i = 0;
    long double num = 0;
    bool anyDigits = false;
    while (i < s.size() && llvm::isDigit(s[i])) {
      num = num * 10 + (s[i] - '0');
      ++i;
      anyDigits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && llvm::isDigit(s[i])) {
        num += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        anyDigits = true;
      }
    }
    if (!anyDigits)
      return fail("time: invalid duration " + goQuote(orig));
    size_t u = i;
    while (u < s.size() && !(llvm::isDigit(s[u]) || s[u] == '.'))
      ++u;
    llvm::StringRef unit = s.slice(i, u);
    if (unit.empty())
      return fail("time: missing unit in duration " + goQuote(orig));
    long double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else
      return fail("time: unknown unit " + goQuote(unit) + " in duration " + goQuote(orig));
    total += num * mult;
    if (total > 9223372036854775807.0L)
      return fail("time: invalid duration " + goQuote(orig));
    s = s.substr(u);
  }
  int64_t ns = static_cast<int64_t>(total);
  return neg ? -ns : ns;
}

// ---------------------------------------------------------------------------------------------
// CSV (Go encoding/csv, one record, comma separator, no leading-space trimming)

std::optional<std::vector<std::string>> splitCsv(llvm::StringRef line, std::string *error) {
  std::vector<std::string> fields;
  fields.reserve(line.count(',') + 1);
  if (line.empty()) {
    if (error)
      *error = "EOF";
    return std::nullopt;
  }
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      size_t start = i;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        if (error)
          *error = "parse error on line 1, column " + std::to_string(line.size() + 1) +
                   ": extraneous or missing \" in quoted-field";
        return std::nullopt;
      }
      if (i < line.size() && line[i] != ',') {
        if (error)
          *error = "parse error on line 1, column " + std::to_string(i + 1) +
                   ": extraneous or missing \" in quoted-field";
        return std::nullopt;
      }
      (void)start;
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') {
          if (error)
            *error =
                "parse error on line 1, column " + std::to_string(i + 1) + ": bare \" in non-quoted-field";
          return std::nullopt;
        }
        field += line[i++];
      }
    }
    fields.push_back(std::move(field));
    if (i >= line.size())
      break;
    ++i; // the comma
  }
  return fields;
}

static std::optional<bool> parseGoBool(llvm::StringRef v) {
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True")
    return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False")
    return false;
  return std::nullopt;
}

std::optional<DeviceSpec> parseDevice(llvm::StringRef csv, std::string *error) {
  std::string csvErr;
  auto fields = splitCsv(csv, &csvErr);
  if (!fields) {
    if (error)
      *error = "failed to parse csv input: " + csvErr;
    return std::nullopt;
  }
  DeviceSpec d;
  for (const std::string &field : *fields) {
    auto [key, value] = llvm::StringRef(field).split('=');
    bool hasEq = llvm::StringRef(field).contains('=');
    std::string lkey = key.lower();
    if (lkey == "required") {
      if (!hasEq) {
        d.required = true;
        continue;
      }
      auto b = parseGoBool(value);
      if (!b) {
        if (error)
          *error = "invalid value for " + lkey + ": " + value.str();
        return std::nullopt;
      }
      d.required = *b;
      continue;
    }
    std::string name = lkey == "name" ? value.str() : field;
    if (!d.name.empty()) {
      if (error)
        *error = "device name already set to " + d.name;
      return std::nullopt;
    }
    d.name = name;
  }
  return d;
}

// docker/go-units RAMInBytes: binary multiples, optional i/b suffixes.
static std::optional<int64_t> ramInBytes(llvm::StringRef s) {
  static const std::regex re(R"(^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$)");
  std::smatch m;
  std::string str = s.str();
  if (!std::regex_match(str, m, re))
    return std::nullopt;
  long double size = std::stold(m[1].str());
  std::string unit = m[3].str();
  long double mult = 1;
  if (!unit.empty()) {
    switch (llvm::toLower(unit[0])) {
    case 'k':
      mult = 1024.0L;
      break;
    case 'm':
      mult = 1024.0L * 1024;
      break;
    case 'g':
      mult = 1024.0L * 1024 * 1024;
      break;
    case 't':
      mult = 1024.0L * 1024 * 1024 * 1024;
      break;
    case 'p':
      mult = 1024.0L * 1024 * 1024 * 1024 * 1024;
      break;
    }
  }
  return static_cast<int64_t>(size * mult);
}

static std::optional<uint64_t> parseUint(llvm::StringRef s, unsigned base, unsigned bits) {
  if (s.empty())
    return std::nullopt;
  unsigned long long v;
  if (s.getAsInteger(base, v))
    return std::nullopt;
  if (s[0] == '+' || s[0] == '-')
    return std::nullopt;
  if (bits < 64 && v >> bits)
    return std::nullopt;
  return v;
}

std::optional<Mount> parseMount(llvm::StringRef csv, const WordExpander *expand, std::string *error) {
  auto fail = [&](std::string msg) -> std::optional<Mount> {
    if (error)
      *error = std::move(msg);
    return std::nullopt;
  };
  // The fields as slices of `csv`; only quoted CSV needs the decoded copies.
  std::optional<std::vector<std::string>> decoded;
  llvm::SmallVector<llvm::StringRef, 8> fields;
  if (csv.empty() || csv.contains('"')) {
    std::string csvErr;
    decoded = splitCsv(csv, &csvErr);
    if (!decoded)
      return fail("failed to parse csv mounts: " + csvErr);
    fields.append(decoded->begin(), decoded->end());
  } else {
    csv.split(fields, ',');
  }

  Mount m;
  if (expand)
    m.spec = csv.str();
  bool roAuto = true;
  bool sharingSet = false;
  std::string expanded;
  for (llvm::StringRef f : fields) {
    size_t eq = f.find('=');
    llvm::SmallString<16> keyBuf;
    for (char c : f.substr(0, eq))
      keyBuf.push_back(llvm::toLower(c));
    llvm::StringRef key = keyBuf;
    llvm::StringRef value = eq == llvm::StringRef::npos ? llvm::StringRef() : f.substr(eq + 1);
    if (eq == llvm::StringRef::npos) {
      if (!expand)
        continue; // evaluated at dispatch
      if (key == "readonly" || key == "ro") {
        m.readOnly = true;
        roAuto = false;
        continue;
      }
      if (key == "readwrite" || key == "rw") {
        m.readOnly = false;
        roAuto = false;
        continue;
      }
      if (key == "required") {
        if (m.type == MountType::Secret || m.type == MountType::Ssh) {
          m.required = true;
          continue;
        }
        return fail("unexpected key '" + key.str() + "' for mount type '" + mountTypeName(m.type).str() + "'");
      }
      return fail("invalid field '" + f.str() + "' must be a key=value pair");
    }
    if (expand) {
      std::string err;
      if (!(*expand)(value, expanded, &err))
        return fail(err);
      value = expanded;
    } else if (key == "from") {
      // `\$.`: a '$' before any character but a line terminator.
      bool variable = false;
      for (size_t d = value.find('$'); d != llvm::StringRef::npos && !variable; d = value.find('$', d + 1))
        variable = d + 1 < value.size() && value[d + 1] != '\n' && value[d + 1] != '\r';
      if (variable)
        return fail("'" + key.str() + "' doesn't support variable expansion, define alias stage instead");
      continue;
    } else {
      continue;
    }

  if (key == "type") {
      std::string t = llvm::StringRef(value).lower();
      if (t == "bind")
        m.type = MountType::Bind;
      else if (t == "cache")
        m.type = MountType::Cache;
      else if (t == "tmpfs")
        m.type = MountType::Tmpfs;
      else if (t == "secret")
        m.type = MountType::Secret;
      else if (t == "ssh")
        m.type = MountType::Ssh;
      else {
        std::string msg = "unsupported mount type \"" + value.str() + "\"";
        if (auto s = suggestClosest(value, {"bind", "cache", "tmpfs", "secret", "ssh"}, true))
          msg += " (did you mean " + *s + "?)";
        return fail(msg);
      }
    } else if (key == "from") {
      m.from = value.str();
    } else if (key == "source" || key == "src") {
      m.source = value.str();
    } else if (key == "target" || key == "dst" || key == "destination") {
      m.target = value.str();
    } else if (key == "readonly" || key == "ro") {
      auto b = parseGoBool(value);
      if (!b)
        return fail("invalid value for " + key.str() + ": " + value.str());
      m.readOnly = *b;
      roAuto = false;
    } else if (key == "readwrite" || key == "rw") {
      auto b = parseGoBool(value);
      if (!b)
        return fail("invalid value for " + key.str() + ": " + value.str());
      m.readOnly = !*b;
      roAuto = false;
    } else if (key == "required") {
      if (m.type != MountType::Secret && m.type != MountType::Ssh)
        return fail("unexpected key '" + key.str() + "' for mount type '" + mountTypeName(m.type).str() + "'");
      auto b = parseGoBool(value);
      if (!b)
        return fail("invalid value for " + key.str() + ": " + value.str());
      m.required = *b;
    } else if (key == "size") {
      if (m.type != MountType::Tmpfs)
        return fail("unexpected key '" + key.str() + "' for mount type '" + mountTypeName(m.type).str() + "'");
      auto sz = ramInBytes(value);
      if (!sz)
        return fail("invalid value for " + key.str() + ": " + value.str());
      m.sizeLimit = *sz;
    } else if (key == "id") {
      m.id = value.str();
    } else if (key == "sharing") {
      std::string v = llvm::StringRef(value).lower();
      if (v != "shared" && v != "private" && v != "locked") {
        std::string msg = "unsupported sharing value \"" + value.str() + "\"";
        if (auto s = suggestClosest(value, {"shared", "private", "locked"}, true))
          msg += " (did you mean " + *s + "?)";
        return fail(msg);
      }
      m.sharing = v;
      sharingSet = true;
    } else if (key == "mode") {
      auto v = parseUint(value, 8, 32);
      if (!v)
        return fail("invalid value " + value.str() + " for mode");
      m.mode = *v;
    } else if (key == "uid") {
      auto v = parseUint(value, 10, 32);
      if (!v)
        return fail("invalid value " + value.str() + " for uid");
      m.uid = *v;
    } else if (key == "gid") {
      auto v = parseUint(value, 10, 32);
      if (!v)
        return fail("invalid value " + value.str() + " for gid");
      m.gid = *v;
    } else if (key == "env") {
      m.env = value.str();
    } else {
      std::string msg = "unexpected key '" + key.str() + "' in '" + f.str() + "'";
      if (auto s = suggestClosest(key,
                                  {"type", "from", "source", "target", "readonly", "id", "sharing",
                                   "required", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw",
                                   "readwrite", "size", "env"},
                                  true))
        msg += " (did you mean " + *s + "?)";
      return fail(msg);
    }
  }
  if (!expand)
    return std::nullopt;

  // validateMount
  bool fileInfoAllowed =
      m.type == MountType::Secret || m.type == MountType::Ssh || m.type == MountType::Cache;
  std::string quotedType = "\"" + mountTypeName(m.type).str() + "\"";
  if (!fileInfoAllowed) {
    if (m.mode)
      return fail("mode not allowed for " + quotedType + " type mounts");
    if (m.uid)
      return fail("uid not allowed for " + quotedType + " type mounts");
    if (m.gid)
      return fail("gid not allowed for " + quotedType + " type mounts");
  }
  if (roAuto)
    m.readOnly = !(m.type == MountType::Cache || m.type == MountType::Tmpfs);
  if (m.type == MountType::Secret) {
    if (!m.from.empty())
      return fail("secret mount should not have a from");
    if (sharingSet)
      return fail("secret mount should not define sharing");
    if (m.source.empty() && m.target.empty() && m.id.empty() && m.env.empty())
      return fail("invalid secret mount. one of source, target required");
    if (!m.source.empty() && !m.id.empty())
      return fail("both source and id can't be set");
  }
  if (sharingSet && m.type != MountType::Cache)
    return fail("invalid cache sharing set for " + mountTypeName(m.type).str() + " mount");
  return m;
}

llvm::StringRef mountTypeName(MountType t) {
  switch (t) {
  case MountType::Bind:
    return "bind";
  case MountType::Cache:
    return "cache";
  case MountType::Tmpfs:
    return "tmpfs";
  case MountType::Secret:
    return "secret";
  case MountType::Ssh:
    return "ssh";
  }
  return "bind";
}

// ---------------------------------------------------------------------------------------------
// EXPOSE port specs (go-connections/nat ParsePortSpec)

static bool parsePortRange(llvm::StringRef s, uint32_t &start, uint32_t &end) {
  if (s.empty())
    return false;
  size_t dash = s.find('-');
  if (dash == llvm::StringRef::npos) {
    auto v = parseUint(s, 10, 16);
    if (!v)
      return false;
    start = end = static_cast<uint32_t>(*v);
    return true;
  }
  auto a = parseUint(s.substr(0, dash), 10, 16);
  auto b = parseUint(s.substr(dash + 1), 10, 16);
  if (!a || !b || *b < *a)
    return false;
  start = static_cast<uint32_t>(*a);
  end = static_cast<uint32_t>(*b);
  return true;
}

static bool validIP(std::string ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

std::optional<PortSpec> parsePortSpec(llvm::StringRef raw, std::string *error) {
  auto fail = [&](std::string msg) -> std::optional<PortSpec> {
    if (error)
      *error = std::move(msg);
    return std::nullopt;
  };
  // Slices of `raw` throughout (a bare port, the common case, allocates nothing here).
  llvm::SmallVector<llvm::StringRef, 4> parts;
  raw.split(parts, ':');
  llvm::StringRef ip, hostPort;
  llvm::StringRef containerPort = parts.back();
  size_t n = parts.size();
  if (n == 2) {
    hostPort = parts[0];
  } else if (n >= 3) {
    hostPort = parts[n - 2];
    ip = raw.take_front(parts[n - 2].data() - raw.data() - 1); // the parts before, joined by ':'
  }
  // SplitProtoPort
  llvm::StringRef proto, port;
  {
    llvm::SmallVector<llvm::StringRef, 3> pp;
    containerPort.split(pp, '/');
    if (containerPort.empty() || pp[0].empty()) {
      proto = port = llvm::StringRef();
    } else if (pp.size() == 1) {
      proto = "tcp";
      port = containerPort;
    } else if (pp[1].empty()) {
      proto = "tcp";
      port = pp[0];
    } else {
      proto = pp[1];
      port = pp[0];
    }
  }
  if (!ip.empty() && ip[0] == '[') {
    if (ip.back() != ']')
      return fail("invalid IP address: " + ip.str());
    ip = ip.substr(1, ip.size() - 2);
  }
  if (!ip.empty() && !validIP(ip.str()))
    return fail("invalid IP address: " + ip.str());
  if (port.empty())
    return fail("invalid port: \"" + raw.str() + "\": no port specified");
  PortSpec spec;
  if (!parsePortRange(port, spec.start, spec.end))
    return fail("invalid containerPort: " + port.str());
  if (!hostPort.empty()) {
    uint32_t hs, he;
    if (!parsePortRange(hostPort, hs, he))
      return fail("invalid hostPort: " + hostPort.str());
    if ((spec.end - spec.start) != (he - hs) && spec.start != spec.end)
      return fail("invalid ranges specified for container and host Ports: " + port.str() + " and " + hostPort.str());
  }
  std::string lower = proto.lower();
  if (lower != "tcp" && lower != "udp" && lower != "sctp")
    return fail("invalid port: \"" + raw.str() + "\": invalid proto: " + lower);
  spec.text = raw.str();
  spec.protocol = lower;
  spec.protocolUppercase = lower != proto;
  spec.hostIP = ip.str();
  spec.hostPort = hostPort.str();
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Heredoc markers (parser.ParseHeredoc)

namespace {
class EmptyEnvironment : public shell::Environment {
public:
  const std::string *lookup(llvm::StringRef) const override { return nullptr; }
};
} // namespace

std::optional<HeredocMarker> parseHeredocMarker(llvm::StringRef word) {
  size_t i = 0;
  while (i < word.size() && llvm::isDigit(word[i]))
    ++i;
  if (!word.substr(i).startswith("<<"))
    return std::nullopt;
  llvm::StringRef digits = word.substr(0, i);
  i += 2;
  bool chomp = false;
  if (i < word.size() && word[i] == '-') {
    chomp = true;
    ++i;
  }
  while (i < word.size() && (word[i] == ' ' || word[i] == '\t' || word[i] == '\n' || word[i] == '\r' ||
                             word[i] == '\v' || word[i] == '\f'))
    ++i;
  llvm::StringRef rest = word.substr(i);
  if (rest.empty() || rest.contains('<'))
    return std::nullopt;
  EmptyEnvironment env;
  shell::LexOptions opts;
  opts.skipUnsetEnv = true;
  auto words = shell::processWords(rest, env, opts);
  if (!words.ok() || words.words.size() != 1)
    return std::nullopt;
  opts.rawQuotes = true;
  auto raw = shell::processWords(rest, env, opts);
  if (!raw.ok() || raw.words.size() != 1)
    return std::nullopt;
  auto quotes = [](llvm::StringRef s) { return s.count('\'') + s.count('"'); };
  HeredocMarker h;
  h.name = words.words[0];
  h.expand = quotes(words.words[0]) == quotes(raw.words[0]);
  h.chomp = chomp;
  unsigned long long fd = 0;
  if (!digits.empty() && !digits.getAsInteger(10, fd))
    h.fileDescriptor = static_cast<unsigned>(fd);
  return h;
}

std::string chompHeredocContent(llvm::StringRef content) {
  std::string out;
  bool lineStart = true;
  for (char c : content) {
    if (lineStart && c == '\t')
      continue;
    lineStart = c == '\n';
    out += c;
  }
  return out;
}

} // namespace dfc
