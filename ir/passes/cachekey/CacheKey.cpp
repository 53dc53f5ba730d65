// Cache keys: the canonical serialisation of a step and the state it depends on, hashed with
// sha256. The serialisation is length-prefixed so that field boundaries can never be forged.
#include "ir/passes/cachekey/CacheKey.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/SHA256.h>

#include <type_traits>

namespace dfc::cachekey {
namespace {

// Appends `name=<len>:<value>\n` fields; the length prefix keeps "a","bc" apart from "ab","c".
class Encoder {
public:
  Encoder &field(llvm::StringRef name, llvm::StringRef value) {
    Out += name;
    Out += '=';
    Out += std::to_string(value.size());
    Out += ':';
    Out += value;
    Out += '\n';
    return *this;
  }
  Encoder &flag(llvm::StringRef name, bool value) { return field(name, value ? "1" : "0"); }
  Encoder &list(llvm::StringRef name, const std::vector<std::string> &values) {
    field(name, std::to_string(values.size()));
    for (const std::string &v : values)
      field("-", v);
    return *this;
  }
  Encoder &env(llvm::StringRef name, const EnvList &values) {
    field(name, std::to_string(values.size()));
    for (const auto &[k, v] : values)
      field(k, v);
    return *this;
  }
  std::string take() { return std::move(Out); }

private:
  std::string Out;
};

void encodeCommand(Encoder &e, const CommandLine &cmd) {
  e.flag("shell-form", cmd.shellForm);
  e.field("argc", std::to_string(cmd.args.size()));
  for (const Operand &a : cmd.args)
    e.field("arg", a.expanded());
}

void encodeHeredocs(Encoder &e, const std::vector<HeredocFile> &docs) {
  e.field("heredocs", std::to_string(docs.size()));
  for (const HeredocFile &h : docs) {
    e.field("name", h.name);
    e.field("data", h.data);
    e.flag("expand", h.expand);
    e.flag("chomp", h.chomp);
    e.field("fd", std::to_string(h.fileDescriptor));
  }
}

void encodeOptional(Encoder &e, llvm::StringRef name, const std::optional<Operand> &op) {
  e.field(name, op ? ("+" + op->expanded()).str() : std::string("-"));
}

void encodeCopyCommon(Encoder &e, const CopyCommon &c) {
  e.field("sources", std::to_string(c.sources.size()));
  for (const Operand &s : c.sources)
    e.field("src", s.expanded());
  encodeHeredocs(e, c.heredocSources);
  e.field("dest", c.dest.expanded());
  encodeOptional(e, "chown", c.chown);
  encodeOptional(e, "chmod", c.chmod);
  e.flag("link", c.link);
  e.list("exclude", c.exclude);
}

void encodePairs(Encoder &e, llvm::ArrayRef<KeyValue> pairs) {
  e.field("pairs", std::to_string(pairs.size()));
  for (const KeyValue &kv : pairs)
    e.field(kv.key.expanded(), kv.value.expanded());
}

std::string cleanPath(llvm::StringRef path) {
  llvm::SmallVector<llvm::StringRef, 16> parts, out;
  path.split(parts, '/', -1, false);
  for (llvm::StringRef p : parts) {
    if (p == ".")
      continue;
    if (p == "..") {
      if (!out.empty())
        out.pop_back();
      continue;
    }
    out.push_back(p);
  }
  std::string result;
  for (llvm::StringRef p : out) {
    result += '/';
    result += p;
  }
  return result.empty() ? "/" : result;
}

void setPair(EnvList &list, llvm::StringRef k, llvm::StringRef v) {
  for (auto &e : list)
    if (llvm::StringRef(e.first) == k) {
      e.second = v.str();
      return;
    }
  list.emplace_back(k.str(), v.str());
}

} // namespace

EnvList StepState::runEnv() const {
  EnvList out = env;
  for (const auto &[k, v] : args) {
    bool shadowed = false;
    for (const auto &e : env)
      shadowed |= e.first == k;
    if (!shadowed)
      out.emplace_back(k, v);
  }
  return out;
}

std::string resolveWorkdir(llvm::StringRef current, llvm::StringRef path) {
  if (path.startswith("/"))
    return cleanPath(path);
  return cleanPath((current.empty() ? std::string("/") : current.str()) + "/" + path.str());
}

void advance(StepState &state, const AnyInstruction &instruction) {
  if (const auto *env = instruction.as<EnvInstruction>()) {
    for (const KeyValue &kv : env->pairs)
      setPair(state.env, kv.key.expanded(), kv.value.expanded());
  } else if (const auto *arg = instruction.as<ArgInstruction>()) {
    for (const ArgDecl &d : arg->args)
      if (d.value)
        setPair(state.args, d.key.raw, *d.value);
  } else if (const auto *wd = instruction.as<WorkdirInstruction>()) {
    state.workdir = resolveWorkdir(state.workdir, wd->path.expanded());
  } else if (const auto *user = instruction.as<UserInstruction>()) {
    state.user = user->user.expanded().str();
  } else if (const auto *shell = instruction.as<ShellInstruction>()) {
    state.shell.clear();
    for (const Operand &o : shell->shell)
      state.shell.push_back(o.expanded().str());
  }
}

bool makesLayer(const AnyInstruction &instruction) {
  switch (instruction.kind()) {
  case InstructionKind::Run:
  case InstructionKind::Copy:
  case InstructionKind::Add:
  case InstructionKind::Workdir:
    return true;
  default:
    return false;
  }
}

std::string sha256(llvm::StringRef bytes) {
  llvm::SHA256 h;
  h.update(bytes);
  return "sha256:" + llvm::toHex(h.final(), /*LowerCase=*/true);
}

std::string baseKey(llvm::StringRef baseIdentity, llvm::StringRef platform, llvm::StringRef buildSalt) {
  Encoder e;
  e.field("dfc-cache", "1").field("base", baseIdentity).field("platform", platform).field("salt", buildSalt);
  return sha256(e.take());
}

std::string canonicalInstruction(const AnyInstruction &instruction) {
  Encoder e;
  e.field("kind", instructionName(instruction.kind()));
  std::visit(
      [&](const auto &inst) {
        using T = std::decay_t<decltype(inst)>;
        if constexpr (std::is_same_v<T, RunInstruction>) {
          encodeCommand(e, inst.cmd);
          e.field("mounts", std::to_string(inst.mounts.size()));
          for (const Mount &m : inst.mounts) {
            e.field("type", mountTypeName(m.type));
            e.field("target", m.target).field("source", m.source).field("from", m.from);
            e.field("id", m.id).field("sharing", m.sharing).field("env", m.env);
            e.flag("ro", m.readOnly).flag("required", m.required);
            e.field("mode", m.mode ? std::to_string(*m.mode) : "-");
            e.field("uid", m.uid ? std::to_string(*m.uid) : "-");
            e.field("gid", m.gid ? std::to_string(*m.gid) : "-");
            e.field("size", m.sizeLimit ? std::to_string(*m.sizeLimit) : "-");
          }
          e.field("network", inst.network).field("security", inst.security);
          e.field("devices", std::to_string(inst.devices.size()));
          for (const Device &d : inst.devices)
            e.field(d.name, d.required ? "1" : "0");
          encodeHeredocs(e, inst.heredocs);
        } else if constexpr (std::is_same_v<T, CopyInstruction>) {
          encodeCopyCommon(e, inst);
          e.field("from", inst.from ? ("+" + inst.from->raw).str() : std::string("-"));
          e.flag("parents", inst.parents);
        } else if constexpr (std::is_same_v<T, AddInstruction>) {
          encodeCopyCommon(e, inst);
          encodeOptional(e, "checksum", inst.checksum);
          e.field("keep-git-dir", inst.keepGitDir ? (*inst.keepGitDir ? "1" : "0") : "-");
          e.field("unpack", inst.unpack ? (*inst.unpack ? "1" : "0") : "-");
        } else if constexpr (std::is_same_v<T, EnvInstruction> || std::is_same_v<T, LabelInstruction>) {
          encodePairs(e, inst.pairs);
        } else if constexpr (std::is_same_v<T, ArgInstruction>) {
          e.field("args", std::to_string(inst.args.size()));
          for (const ArgDecl &d : inst.args)
            e.field(d.key.raw, d.value ? "+" + *d.value : "-");
        } else if constexpr (std::is_same_v<T, ExposeInstruction>) {
          e.field("ports", std::to_string(inst.ports.size()));
          for (const PortSpec &p : inst.ports)
            e.field("port", p.text);
        } else if constexpr (std::is_same_v<T, VolumeInstruction>) {
          e.field("paths", std::to_string(inst.paths.size()));
          for (const Operand &p : inst.paths)
            e.field("path", p.expanded());
        } else if constexpr (std::is_same_v<T, WorkdirInstruction>) {
          e.field("path", inst.path.expanded());
        } else if constexpr (std::is_same_v<T, UserInstruction>) {
          e.field("user", inst.user.expanded());
        } else if constexpr (std::is_same_v<T, StopSignalInstruction>) {
          e.field("signal", inst.signal.expanded());
        } else if constexpr (std::is_same_v<T, MaintainerInstruction>) {
          e.field("maintainer", inst.maintainer.expanded());
        } else if constexpr (std::is_same_v<T, CmdInstruction>) {
          encodeCommand(e, inst.cmd);
        } else if constexpr (std::is_same_v<T, EntrypointInstruction>) {
          encodeCommand(e, inst.cmd);
          e.flag("empty", inst.empty);
        } else if constexpr (std::is_same_v<T, ShellInstruction>) {
          e.field("argc", std::to_string(inst.shell.size()));
          for (const Operand &o : inst.shell)
            e.field("arg", o.expanded());
        } else if constexpr (std::is_same_v<T, HealthcheckInstruction>) {
          e.list("test", inst.test);
          e.field("interval", std::to_string(inst.interval)).field("timeout", std::to_string(inst.timeout));
          e.field("start-period", std::to_string(inst.startPeriod));
          e.field("start-interval", std::to_string(inst.startInterval));
          e.field("retries", std::to_string(inst.retries));
        } else if constexpr (std::is_same_v<T, OnbuildInstruction>) {
          e.field("expression", inst.expression);
        }
      },
      static_cast<const InstructionVariant &>(instruction));
  return e.take();
}

StepKey stepKey(llvm::StringRef parentKey, const Stage &stage, size_t index, const StepState &before,
                const SourceDigester &digestSources) {
  const AnyInstruction &inst = stage.instructions[index];
  Encoder e;
  e.field("parent", parentKey);
  e.field("instruction", canonicalInstruction(inst));
  e.field("platform", before.platform);
  switch (inst.kind()) {
  case InstructionKind::Run: {
    const auto &run = *inst.as<RunInstruction>();
    e.env("env", before.runEnv());
    e.field("workdir", before.workdir).field("user", before.user);
    if (run.cmd.shellForm)
      e.list("shell", before.shell);
    bool binds = false;
    for (const Mount &m : run.mounts)
      binds |= m.type == MountType::Bind;
    if (binds && digestSources)
      e.field("sources", digestSources(stage, inst));
    break;
  }
  case InstructionKind::Copy:
  case InstructionKind::Add:
    // COPY/ADD never see ENV at run time (it is expanded into the operands already); files are
    // root-owned unless --chown, and a relative dest joins the workdir.
    e.field("workdir", before.workdir);
    if (digestSources)
      e.field("sources", digestSources(stage, inst));
    break;
  case InstructionKind::Workdir:
    e.field("workdir", before.workdir).field("user", before.user);
    break;
  default:
    // Metadata-only steps: their effect reaches later steps through the state, not the chain.
    break;
  }
  StepKey k;
  k.input = e.take();
  k.key = sha256(k.input);
  return k;
}

StageKeys stageKeys(llvm::StringRef baseKey, const Stage &stage, StepState initial,
                    const SourceDigester &digestSources) {
  StageKeys out;
  out.lastKey = baseKey.str();
  std::string all = baseKey.str();
  StepState state = std::move(initial);
  for (size_t i = 0; i < stage.instructions.size(); ++i) {
    const AnyInstruction &inst = stage.instructions[i];
    out.before.push_back(state);
    StepKey k = stepKey(out.lastKey, stage, i, state, digestSources);
    if (makesLayer(inst))
      out.lastKey = k.key;
    all = sha256(all + "\n" + k.key);
    out.steps.push_back(std::move(k));
    advance(state, inst);
  }
  out.finalKey = all;
  out.finalState = std::move(state);
  return out;
}

} // namespace dfc::cachekey
