// programToJson: the IR as JSON for `dfc parse --json` and for tests that compare whole
// programs. Ranges print as 1-based {line, col} pairs, end exclusive.
#include "ir/Json.h"

#include <nlohmann/json.hpp>

namespace dfc {
namespace {

using nlohmann::json;

json pos(const Position &p) { return json{{"line", p.line + 1}, {"col", p.column + 1}}; }
json range(const Range &r) { return json{{"start", pos(r.begin)}, {"end", pos(r.end)}}; }

json operand(const Operand &o) {
  json j{{"raw", o.raw.str()}, {"range", range(o.range)}};
  if (o.expanded() != o.raw)
    j["expanded"] = o.expanded().str();
  return j;
}

template <typename T> json optOperand(const std::optional<T> &o) { return o ? operand(*o) : json(nullptr); }

json operands(llvm::ArrayRef<Operand> v) {
  json a = json::array();
  for (const Operand &o : v)
    a.push_back(operand(o));
  return a;
}

json commandLine(const CommandLine &c) {
  return json{{"form", c.shellForm ? "shell" : "exec"}, {"args", operands(c.args)}};
}

json heredocs(const std::vector<HeredocFile> &hs) {
  json a = json::array();
  for (const HeredocFile &h : hs)
    a.push_back(json{{"name", h.name},
                     {"content", h.content},
                     {"data", h.data},
                     {"expand", h.expand},
                     {"chomp", h.chomp},
                     {"fd", h.fileDescriptor},
                     {"marker", range(h.marker)}});
  return a;
}

json keyValues(llvm::ArrayRef<KeyValue> pairs) {
  json a = json::array();
  for (const KeyValue &kv : pairs)
    a.push_back(json{{"key", operand(kv.key)}, {"value", operand(kv.value)}, {"legacy", kv.legacy}});
  return a;
}

json argDecls(llvm::ArrayRef<ArgDecl> args) {
  json a = json::array();
  for (const ArgDecl &d : args) {
    json j{{"key", operand(d.key)}, {"default", optOperand(d.defaultValue)}};
    j["value"] = d.value ? json(*d.value) : json(nullptr);
    if (!d.docComment.empty())
      j["doc"] = d.docComment;
    a.push_back(std::move(j));
  }
  return a;
}

json copyCommon(const CopyCommon &c) {
  json j{{"sources", operands(c.sources)},
         {"heredocs", heredocs(c.heredocSources)},
         {"dest", operand(c.dest)},
         {"chown", optOperand(c.chown)},
         {"chmod", optOperand(c.chmod)},
         {"link", c.link},
         {"exclude", c.exclude}};
  return j;
}

json instruction(const AnyInstruction &any);

json instructionBody(const AnyInstruction &any) {
  return std::visit(
      [](const auto &i) -> json {
        using T = std::decay_t<decltype(i)>;
        json j = json::object();
        if constexpr (std::is_same_v<T, RunInstruction>) {
          j["cmd"] = commandLine(i.cmd);
          json mounts = json::array();
          for (const Mount &m : i.mounts) {
            json mj{{"type", mountTypeName(m.type).str()},
                    {"target", m.target},
                    {"readonly", m.readOnly},
                    {"spec", m.spec}};
            if (!m.source.empty())
              mj["source"] = m.source;
            if (!m.from.empty())
              mj["from"] = m.from;
            if (m.fromStage)
              mj["fromStage"] = *m.fromStage;
            if (!m.id.empty())
              mj["id"] = m.id;
            if (!m.sharing.empty())
              mj["sharing"] = m.sharing;
            if (!m.env.empty())
              mj["env"] = m.env;
            if (m.required)
              mj["required"] = true;
            if (m.mode)
              mj["mode"] = *m.mode;
            if (m.uid)
              mj["uid"] = *m.uid;
            if (m.gid)
              mj["gid"] = *m.gid;
            if (m.sizeLimit)
              mj["size"] = *m.sizeLimit;
            mounts.push_back(std::move(mj));
          }
          j["mounts"] = mounts;
          j["network"] = i.network;
          j["security"] = i.security;
          json devices = json::array();
          for (const Device &d : i.devices)
            devices.push_back(json{{"name", d.name}, {"required", d.required}});
          j["devices"] = devices;
          j["heredocs"] = heredocs(i.heredocs);
        } else if constexpr (std::is_same_v<T, CopyInstruction>) {
          j = copyCommon(i);
          j["from"] = optOperand(i.from);
          if (i.fromStage)
            j["fromStage"] = *i.fromStage;
          j["parents"] = i.parents;
        } else if constexpr (std::is_same_v<T, AddInstruction>) {
          j = copyCommon(i);
          j["checksum"] = optOperand(i.checksum);
          j["keepGitDir"] = i.keepGitDir ? json(*i.keepGitDir) : json(nullptr);
          j["unpack"] = i.unpack ? json(*i.unpack) : json(nullptr);
        } else if constexpr (std::is_same_v<T, EnvInstruction> || std::is_same_v<T, LabelInstruction>) {
          j["pairs"] = keyValues(i.pairs);
        } else if constexpr (std::is_same_v<T, ArgInstruction>) {
          j["args"] = argDecls(i.args);
        } else if constexpr (std::is_same_v<T, ExposeInstruction>) {
          j["words"] = operands(i.words);
          json ports = json::array();
          for (const PortSpec &p : i.ports) {
            json pj{{"text", p.text}, {"start", p.start}, {"end", p.end}, {"protocol", p.protocol}};
            if (!p.hostIP.empty())
              pj["hostIP"] = p.hostIP;
            if (!p.hostPort.empty())
              pj["hostPort"] = p.hostPort;
            ports.push_back(std::move(pj));
          }
          j["ports"] = ports;
        } else if constexpr (std::is_same_v<T, VolumeInstruction>) {
          j["paths"] = operands(i.paths);
        } else if constexpr (std::is_same_v<T, WorkdirInstruction>) {
          j["path"] = operand(i.path);
        } else if constexpr (std::is_same_v<T, UserInstruction>) {
          j["user"] = operand(i.user);
        } else if constexpr (std::is_same_v<T, StopSignalInstruction>) {
          j["signal"] = operand(i.signal);
        } else if constexpr (std::is_same_v<T, MaintainerInstruction>) {
          j["maintainer"] = operand(i.maintainer);
        } else if constexpr (std::is_same_v<T, CmdInstruction>) {
          j["cmd"] = commandLine(i.cmd);
        } else if constexpr (std::is_same_v<T, EntrypointInstruction>) {
          j["cmd"] = commandLine(i.cmd);
        } else if constexpr (std::is_same_v<T, ShellInstruction>) {
          j["shell"] = operands(i.shell);
        } else if constexpr (std::is_same_v<T, HealthcheckInstruction>) {
          j["type"] = i.type == HealthcheckInstruction::Type::None ? "NONE" : "CMD";
          j["test"] = i.test;
          j["interval"] = i.interval;
          j["timeout"] = i.timeout;
          j["startPeriod"] = i.startPeriod;
          j["startInterval"] = i.startInterval;
          j["retries"] = i.retries;
        } else if constexpr (std::is_same_v<T, OnbuildInstruction>) {
          j["expression"] = i.expression;
          j["trigger"] = i.trigger ? instruction(*i.trigger) : json(nullptr);
        }
        return j;
      },
      static_cast<const InstructionVariant &>(any));
}

json instruction(const AnyInstruction &any) {
  const InstructionBase &b = any.base();
  json j{{"kind", instructionName(b.kind).str()}, {"range", range(b.range)}, {"valid", b.valid}};
  if (!b.flagsUsed.empty())
    j["flagsUsed"] = b.flagsUsed;
  if (!b.undefinedVars.empty())
    j["undefinedVars"] = b.undefinedVars;
  j.update(instructionBody(any));
  return j;
}

json envJson(const shell::ListEnvironment &env) {
  json j = json::array();
  for (const auto &[k, v] : env.entries())
    j.push_back(k + "=" + v);
  return j;
}

} // namespace

std::string programToJson(const Program &p, int indent) {
  json j;
  json dirs = json::array();
  for (const Directive &d : p.directives)
    dirs.push_back(json{{"key", d.key}, {"value", d.value}, {"range", range(d.range)}});
  j["directives"] = dirs;
  j["escape"] = std::string(1, p.escape);
  json globals = json::array();
  for (const ArgInstruction &a : p.globalArgs) {
    json aj = instruction(AnyInstruction(a));
    globals.push_back(std::move(aj));
  }
  j["globalArgs"] = globals;
  json stages = json::array();
  for (const Stage &s : p.stages) {
    json sj{{"index", s.index},
            {"name", s.name.empty() ? json(nullptr) : json(s.name)},
            {"range", range(s.range)}};
    sj["baseName"] = operand(s.baseName);
    std::visit(
        [&](const auto &b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, ImageRef>)
            sj["base"] = json{{"image", b.expanded}};
          else if constexpr (std::is_same_v<T, StageRef>)
            sj["base"] = json{{"stage", b.index}};
          else
            sj["base"] = json{{"scratch", true}};
        },
        s.base);
    sj["platform"] = optOperand(s.platform);
    sj["effectivePlatform"] = s.effectivePlatform;
    json insts = json::array();
    for (const AnyInstruction &i : s.instructions)
      insts.push_back(instruction(i));
    sj["instructions"] = insts;
    json deps = json::array();
    for (const StageDependency &d : s.dependencies)
      deps.push_back(json{{"stage", d.stage}, {"instruction", d.instruction}});
    sj["dependencies"] = deps;
    if (s.Envs)
      sj["env"] = envJson(s.finalEnv());
    stages.push_back(std::move(sj));
  }
  j["stages"] = stages;
  j["target"] = p.targetStage ? json(*p.targetStage) : json(nullptr);
  j["reachable"] = p.reachableStages();
  json diags = json::array();
  for (const Diagnostic &d : p.diagnostics)
    diags.push_back(json{{"range", range(d.range)},
                         {"severity", severityName(d.severity).str()},
                         {"code", d.code},
                         {"message", d.message}});
  j["diagnostics"] = diags;
  // Dockerfiles may hold any bytes: invalid UTF-8 is shown as U+FFFD rather than aborting.
  return j.dump(indent < 0 ? -1 : indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace dfc
