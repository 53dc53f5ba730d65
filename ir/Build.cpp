// buildProgram: groups parsed instructions into stages and dispatches them as BuildKit's
// dockerfile2llb does (global/meta ARGs, stage env, expansion, --from resolution, cycles).
#include "ir/Build.h"

#include "ir/InstructionParser.h"
#include "ir/Operands.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringExtras.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <sys/utsname.h>

namespace dfc {

// ---------------------------------------------------------------------------------------------
// Program / Stage accessors

std::string Stage::displayName() const { return name.empty() ? "stage-" + std::to_string(index) : name; }

// A stage's env over its instructions: the env it started with, then every change in order,
// grouped into the distinct envs the instructions see. An env is built from them the first time
// it is asked for.
// Its lists are inline up to a typical stage's size: the history is one allocation per stage
// (five vectors grown per stage were 5 of a corpus file's 72 mallocs).
struct Stage::EnvHistory {
  // The env the stage started with: a static one (an image's base env: PATH alone, most stages)
  // or the final env of the stage it is built FROM, whose history `base` keeps alive.
  const shell::ListEnvironment *start = nullptr;
  std::shared_ptr<const EnvHistory> base;
  llvm::SmallVector<std::pair<std::string, std::string>, 4> changes; // ListEnvironment::set calls, in order
  llvm::SmallVector<uint32_t, 4> groupEnd = {0}; // env g is start + changes[0, groupEnd[g])
  llvm::SmallVector<uint32_t, 16> before;        // the env (index into groupEnd) before instruction i
  std::mutex lock;
  llvm::SmallVector<std::unique_ptr<const shell::ListEnvironment>, 4> built; // by env, built on first use
  // Nothing changed the env: every instruction sees `start` (one static history is shared by
  // every such image stage: no allocation for the many stages that set no ENV nor ARG value).
  bool unchanged = false;
};

const shell::ListEnvironment &Stage::envBefore(size_t i) const {
  static const shell::ListEnvironment none;
  if (Envs && Envs->unchanged)
    return *Envs->start;
  if (!Envs || Envs->before.empty())
    return none;
  EnvHistory &h = *Envs;
  uint32_t g = h.before[std::min(i, h.before.size() - 1)];
  std::lock_guard<std::mutex> l(h.lock);
  if (!h.built[g]) {
    // From the nearest env already built below this one, else from the start.
    uint32_t from = g;
    while (from > 0 && !h.built[from])
      --from;
    auto env = std::make_unique<shell::ListEnvironment>(h.built[from] ? *h.built[from] : *h.start);
    for (uint32_t c = h.built[from] ? h.groupEnd[from] : 0; c < h.groupEnd[g]; ++c)
      env->set(h.changes[c].first, h.changes[c].second);
    h.built[g] = std::move(env);
  }
  return *h.built[g];
}

const shell::ListEnvironment &Program::globalScope() const {
  static const shell::ListEnvironment none;
  return globalScopeTable ? *globalScopeTable : none;
}

bool Program::hasErrors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic &d) { return d.severity == Severity::Error; });
}

std::optional<size_t> Program::findStage(llvm::StringRef name) const {
  std::string lower = name.lower();
  std::optional<size_t> found;
  for (const Stage &s : stages)
    if (!s.name.empty() && s.name == lower)
      found = s.index; // a later duplicate wins, as in BuildKit's name map
  return found;
}

std::vector<size_t> Program::reachableStages() const {
  std::vector<size_t> out;
  if (!targetStage || *targetStage >= stages.size())
    return out;
  // Small fixed buffers: most files have a few stages, and this runs once per linted file.
  llvm::SmallVector<bool, 16> seen(stages.size());
  llvm::SmallVector<size_t, 16> todo{*targetStage};
  while (!todo.empty()) {
    size_t i = todo.back();
    todo.pop_back();
    if (i >= stages.size() || seen[i])
      continue;
    seen[i] = true;
    if (auto *ref = std::get_if<StageRef>(&stages[i].base))
      todo.push_back(ref->index);
    for (const StageDependency &d : stages[i].dependencies)
      todo.push_back(d.stage);
  }
  out.reserve(static_cast<size_t>(std::count(seen.begin(), seen.end(), true)));
  for (size_t i = 0; i < seen.size(); ++i)
    if (seen[i])
      out.push_back(i);
  return out;
}

const std::string &hostPlatform() {
  // The machine does not change while we run: ask uname once.
  static const std::string platform = [] {
    struct utsname u;
    std::string arch = "amd64";
    if (uname(&u) == 0) {
      llvm::StringRef m(u.machine);
      if (m == "x86_64" || m == "amd64")
        arch = "amd64";
      else if (m == "aarch64" || m == "arm64")
        arch = "arm64";
      else if (m.startswith("armv7"))
        arch = "arm/v7";
      else if (m.startswith("armv6"))
        arch = "arm/v6";
      else if (m == "i386" || m == "i686")
        arch = "386";
      else
        arch = m.str();
    }
    return "linux/" + arch;
  }();
  return platform;
}

namespace {

const char *const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool isNonEnvArg(llvm::StringRef name) {
  return name == "BUILDKIT_SBOM_SCAN_CONTEXT" || name == "BUILDKIT_SBOM_SCAN_STAGE";
}

// An image stage's env before its first instruction: BuildKit makes sure PATH is always set (the
// image's own env is not known here). Shared by every such stage of every file.
const shell::ListEnvironment &imageBaseEnv() {
  static const shell::ListEnvironment env = [] {
    shell::ListEnvironment e;
    e.set("PATH", DefaultPath);
    return e;
  }();
  return env;
}

// The history of an image stage whose instructions change no env (immutable, shared).
const std::shared_ptr<Stage::EnvHistory> &unchangedImageHistory() {
  static const std::shared_ptr<Stage::EnvHistory> h = [] {
    auto out = std::make_shared<Stage::EnvHistory>();
    out->start = &imageBaseEnv();
    out->unchanged = true;
    return out;
  }();
  return h;
}

using EnvLog = llvm::SmallVectorImpl<std::pair<std::string, std::string>>;

// A stage's build env while it is dispatched: the env it started with and the changes logged so
// far (the stage's history, from which the envs its instructions saw are rebuilt when asked for).
// A lookup reads the log backwards, then the start: nothing is copied per stage (a table copied
// from the start and changed in place cost 2 of a corpus file's 10.5 IR mallocs).
class StageEnv : public shell::Environment {
public:
  StageEnv(const shell::ListEnvironment &start, EnvLog &log) : Start(start), Log(log) {}
  // A pointer into the log: valid until the next set().
  const std::string *lookup(llvm::StringRef name) const override {
    for (auto it = Log.rbegin(); it != Log.rend(); ++it)
      if (llvm::StringRef(it->first) == name)
        return &it->second;
    return Start.lookup(name);
  }
  void set(llvm::StringRef k, llvm::StringRef v) {
    if (const std::string *cur = lookup(k); cur && llvm::StringRef(*cur) == v)
      return;
    Log.emplace_back(k.str(), v.str());
  }

private:
  const shell::ListEnvironment &Start; // case-sensitive, as the log
  EnvLog &Log;
};

// The global scope while meta args are resolved: ordered, one entry per name, later definitions
// replace earlier. It may start as a view of a shared table (`share`), copied on its first
// change (most files have no meta arg with a value).
class EnvTable : public shell::Environment {
public:
  void set(llvm::StringRef k, llvm::StringRef v) {
    if (const std::string *cur = lookup(k); cur && llvm::StringRef(*cur) == v)
      return;
    own();
    Env.set(k.str(), v.str());
  }
  const shell::ListEnvironment &current() const { return Shared ? *Shared : Env; }
  // Non-null while the table is still the static env it started from.
  const shell::ListEnvironment *shared() const { return Shared; }
  const std::string *lookup(llvm::StringRef name) const override { return current().lookup(name); }
  // Starts from `base` (its names, in its order, with its values).
  void preset(shell::ListEnvironment base) {
    Env = std::move(base);
    Shared = nullptr;
  }
  // Starts from `base` without copying it: `base` must outlive the table.
  void share(const shell::ListEnvironment &base) {
    Env = shell::ListEnvironment();
    Shared = &base;
  }
  // The table's entries, leaving it empty.
  shell::ListEnvironment take() {
    own();
    return std::move(Env);
  }

private:
  void own() {
    if (Shared) {
      Env = *Shared;
      Shared = nullptr;
    }
  }
  const shell::ListEnvironment *Shared = nullptr;
  shell::ListEnvironment Env; // case-sensitive, one entry per name, in order of first definition
};

struct Platform {
  std::string os, arch, variant;
};
Platform splitPlatform(llvm::StringRef s) {
  llvm::SmallVector<llvm::StringRef, 3> parts;
  s.split(parts, '/');
  Platform p;
  if (parts.size() > 0)
    p.os = parts[0].str();
  if (parts.size() > 1)
    p.arch = parts[1].str();
  if (parts.size() > 2)
    p.variant = parts[2].str();
  return p;
}

bool isAtoi(llvm::StringRef s, long long &out) {
  llvm::StringRef d = s;
  if (!d.empty() && (d[0] == '+' || d[0] == '-'))
    d = d.drop_front();
  if (d.empty() || !llvm::all_of(d, llvm::isDigit))
    return false;
  bool neg = s[0] == '-';
  unsigned long long v;
  if (d.getAsInteger(10, v))
    return false;
  out = neg ? -static_cast<long long>(v) : static_cast<long long>(v);
  return true;
}

std::string triggerWhere(const OnbuildTrigger &t) {
  return "ONBUILD trigger " + std::to_string(t.number) + " of " + t.origin + " (" +
         llvm::StringRef(t.text).split('\n').first.str() + ")";
}

struct PendingStage {
  FromSpec from;
  uint32_t syntaxIndex;
  const Instruction *syntax;
  std::vector<AnyInstruction> instructions;
};

// A forward --from reference, reported only when there is no cycle (BuildKit checks cycles
// before dispatching).
struct ForwardRef {
  size_t stage, instruction;
  Range range;
  std::string message;
};

class ProgramBuilder {
public:
  ProgramBuilder(const SyntaxTree &tree, const BuildOptions &opts, const ImageTriggers *imageTriggers = nullptr)
      : Tree(tree), Opts(opts), ImageTriggersFn(imageTriggers) {
    Lex.escape = tree.escape;
  }

  Program build();
  std::vector<std::vector<OnbuildTrigger>> takeTriggers() { return std::move(Triggers); }

private:
  const SyntaxTree &Tree;
  const BuildOptions &Opts;
  const ImageTriggers *ImageTriggersFn; // set: dispatch ONBUILD triggers (buildProgramWithTriggers)
  std::vector<std::vector<OnbuildTrigger>> Triggers;
  Program P;
  shell::LexOptions Lex;
  EnvTable Global;
  // Inline for a typical file's stages (each grown vector was a malloc per file).
  llvm::SmallVector<PendingStage, 2> Pending;
  std::vector<ForwardRef> Forward;

  // The --build-arg `name`, or null.
  const std::string *buildArg(llvm::StringRef name) const {
    if (Opts.buildArgs.empty())
      return nullptr;
    auto it = Opts.buildArgs.find(name.str());
    return it == Opts.buildArgs.end() ? nullptr : &it->second;
  }

  void semantic(const Range &r, std::string msg) {
    P.diagnostics.push_back(Diagnostic{r, Severity::Error, "semantic", std::move(msg)});
  }

  void collect();
  void addTriggers(Stage &st);
  void relocate(const Stage &stage, const OnbuildTrigger &trigger, size_t firstDiagnostic, size_t firstForward);
  void resolveGlobalArgs();
  void buildStages();
  void dispatch(size_t stageIndex, const shell::ListEnvironment &start, std::shared_ptr<const Stage::EnvHistory> base,
                std::vector<std::string> &declared);
  void dispatchOne(Stage &stage, size_t idx, AnyInstruction &inst, StageEnv &env,
                   std::vector<std::string> &declared);
  void checkCycles();
  void resolveTarget();

  // ProcessWord against `env`; on failure reports at `range` and keeps the raw text.
  // Nothing to expand and nothing to unquote: the word is its own expansion (ASCII only, as
  // the lexer rewrites invalid UTF-8).
  static bool plainWord(llvm::StringRef w, char escape) {
    // One table lookup a byte: ASCII but for quotes, `$` and the escape, one table per escape
    // token (the directive allows two); the lookup and a compare with the escape were a twentieth
    // of buildProgram's instructions on BuildKit's corpus.
    using Table = std::array<bool, 256>;
    static const std::array<Table, 2> tables = [] {
      std::array<Table, 2> t{};
      for (unsigned c = 0; c < 0x80; ++c)
        t[0][c] = t[1][c] = c != '$' && c != '\'' && c != '"';
      t[0]['\\'] = false;
      t[1]['`'] = false;
      return t;
    }();
    if (escape != '\\' && escape != '`') {
      for (char c : w)
        if (!tables[0][static_cast<unsigned char>(c)] && c != '\\')
          return false;
      return !w.contains(escape);
    }
    const Table &plain = tables[escape == '`'];
    for (char c : w)
      if (!plain[static_cast<unsigned char>(c)])
        return false;
    return true;
  }

  // ProcessWord's result for the two shapes most expanded words have, without the lexer: one
  // double- or single-quoted plain text (`"0"`), or plain text with `$NAME` / `${NAME}` references
  // (`/opt/bin:$PATH`). False (nothing appended) for anything else. ASCII only, no escape.
  static bool simpleExpansion(llvm::StringRef w, const shell::Environment &env, char escape, std::string &out,
                              std::vector<std::string> &unmatched) {
    if (w.size() >= 2 && (w.front() == '"' || w.front() == '\'') && w.back() == w.front()) {
      llvm::StringRef inner = w.drop_front().drop_back();
      bool single = w.front() == '\'';
      for (char c : inner)
        if (static_cast<unsigned char>(c) >= 0x80 || c == w.front() ||
            (!single && (c == '$' || c == escape)))
          return false;
      out.assign(inner.data(), inner.size());
      return true;
    }
    auto nameStart = [](char c) { return llvm::isAlpha(c) || c == '_'; };
    auto nameChar = [](char c) { return llvm::isAlnum(c) || c == '_'; };
    std::string result;
    size_t firstUnmatched = unmatched.size();
    for (size_t i = 0; i < w.size();) {
      char c = w[i];
      if (static_cast<unsigned char>(c) >= 0x80 || c == '\'' || c == '"' || c == escape) {
        unmatched.resize(firstUnmatched);
        return false;
      }
      if (c != '$') {
        result.push_back(c);
        ++i;
        continue;
      }
      bool brace = i + 1 < w.size() && w[i + 1] == '{';
      size_t start = i + 1 + brace, end = start;
      if (end >= w.size() || !nameStart(w[end])) {
        unmatched.resize(firstUnmatched);
        return false;
      }
      while (end < w.size() && nameChar(w[end]))
        ++end;
      if (brace && (end >= w.size() || w[end] != '}')) {
        unmatched.resize(firstUnmatched);
        return false;
      }
      llvm::StringRef name = w.slice(start, end);
      if (const std::string *value = env.lookup(name))
        result += *value;
      else
        unmatched.push_back(name.str());
      i = end + brace;
    }
    out = std::move(result);
    return true;
  }

  bool expand(Operand &op, const shell::Environment &env, std::vector<std::string> &unmatched,
              const shell::LexOptions *opts = nullptr) {
    const shell::LexOptions &lex = opts ? *opts : Lex;
    if (plainWord(op.raw, lex.escape)) {
      op.resetExpanded();
      return true;
    }
    if (!lex.rawQuotes && !lex.rawEscapes && !lex.skipUnsetEnv && !lex.skipProcessQuotes) {
      std::string out;
      if (simpleExpansion(op.raw, env, lex.escape, out, unmatched)) {
        op.setExpanded(std::move(out));
        return true;
      }
    }
    auto r = shell::processWord(op.raw, env, lex);
    unmatched.insert(unmatched.end(), r.unmatched.begin(), r.unmatched.end());
    if (!r.ok()) {
      semantic(op.range, r.error);
      op.resetExpanded();
      return false;
    }
    op.setExpanded(std::move(r.word));
    return true;
  }
};

void ProgramBuilder::collect() {
  // Instructions of nodes the parser already reported errors for are kept, but their
  // instruction-level errors are not reported twice.
  llvm::SmallVector<size_t, 8> withErrors; // sorted, unique
  for (const Diagnostic &d : Tree.diagnostics) {
    if (d.severity != Severity::Error)
      continue;
    for (size_t i = 0; i < Tree.instructions.size(); ++i) {
      const Range &r = Tree.instructions[i].range;
      if (d.range.begin.offset >= r.begin.offset && d.range.begin.offset <= r.end.offset)
        withErrors.push_back(i);
    }
  }
  llvm::sort(withErrors);
  withErrors.erase(std::unique(withErrors.begin(), withErrors.end()), withErrors.end());
  auto nodeHasParseErrors = [&](size_t i) { return std::binary_search(withErrors.begin(), withErrors.end(), i); };

  for (size_t i = 0; i < Tree.instructions.size(); ++i) {
    const Instruction &node = Tree.instructions[i];
    std::vector<Diagnostic> diags;
    // Inside a stage the instruction is built in its stage's list (reserved at the FROM).
    ParsedInstruction parsed = parseInstruction(Tree, node, static_cast<uint32_t>(i), diags,
                                                Pending.empty() ? nullptr : &Pending.back().instructions);
    if (!nodeHasParseErrors(i))
      P.diagnostics.insert(P.diagnostics.end(), diags.begin(), diags.end());
    if (parsed.placed)
      continue;
    if (parsed.from) {
      Pending.push_back(PendingStage{std::move(*parsed.from), static_cast<uint32_t>(i), &node, {}});
      // Room for the instructions up to the next FROM: no reallocation of the variants.
      size_t next = i + 1;
      while (next < Tree.instructions.size() && Tree.instructions[next].kind != InstructionKind::From)
        ++next;
      Pending.back().instructions.reserve(next - i - 1);
      continue;
    }
    if (!parsed.instruction)
      continue;
    // Before the first FROM (inside a stage the instruction was placed): an ARG is a meta arg.
    if (auto *arg = parsed.instruction->as<ArgInstruction>())
      P.globalArgs.push_back(std::move(*arg));
    else if (parsed.ok && !nodeHasParseErrors(i))
      P.diagnostics.push_back(
          Diagnostic{node.keywordRange, Severity::Error, "syntax", "no build stage in current context"});
  }
}

// Triggers are parsed one by one (default escape, one instruction each) and go before the stage's
// own instructions; refusals are reported at the FROM (BuildKit's WithLocation(stage.Location)).
void ProgramBuilder::addTriggers(Stage &st) {
  std::vector<std::string> texts;
  std::string origin;
  if (const auto *ref = std::get_if<StageRef>(&st.base)) {
    origin = "stage " + P.stages[ref->index].displayName();
    for (const AnyInstruction &in : P.stages[ref->index].instructions)
      if (const auto *ob = in.as<OnbuildInstruction>(); ob && ob->valid)
        texts.push_back(ob->expression);
  } else if (const auto *img = std::get_if<ImageRef>(&st.base)) {
    origin = "image " + img->expanded;
    texts = (*ImageTriggersFn)(img->expanded);
  }
  Triggers.resize(st.index + 1);
  std::vector<OnbuildTrigger> &mine = Triggers[st.index];
  std::vector<AnyInstruction> parsed;
  for (size_t k = 0; k < texts.size(); ++k) {
    OnbuildTrigger trig{unsigned(k + 1), texts[k], origin, std::make_shared<SyntaxTree>(parseDockerfile(texts[k]))};
    const SyntaxTree &tree = *trig.tree;
    auto refuse = [&](const std::string &msg) { semantic(st.range, triggerWhere(trig) + ": " + msg); };
    std::vector<Diagnostic> diags;
    for (const Diagnostic &d : tree.diagnostics)
      if (d.severity == Severity::Error)
        diags.push_back(d);
    if (!diags.empty()) {
      refuse(diags.front().message);
      continue;
    }
    if (tree.instructions.size() != 1) {
      refuse("onbuild trigger should be a single expression");
      continue;
    }
    const Instruction &node = tree.instructions.front();
    std::string upper = llvm::StringRef(node.keyword).upper();
    if (upper == "ONBUILD") {
      refuse("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      continue;
    }
    if (upper == "FROM" || upper == "MAINTAINER") {
      refuse(upper + " isn't allowed as an ONBUILD trigger");
      continue;
    }
    ParsedInstruction pi = parseInstruction(tree, node, uint32_t(k), diags);
    if (!diags.empty()) {
      refuse(diags.front().message);
      continue;
    }
    if (!pi.instruction)
      continue;
    parsed.push_back(std::move(*pi.instruction));
    mine.push_back(std::move(trig));
  }
  st.instructions.insert(st.instructions.begin(), std::make_move_iterator(parsed.begin()),
                         std::make_move_iterator(parsed.end()));
}

// A trigger's ranges are in its own text: its dispatch errors go to the FROM, naming the trigger
// and the position inside it.
void ProgramBuilder::relocate(const Stage &stage, const OnbuildTrigger &trig, size_t firstDiagnostic,
                              size_t firstForward) {
  auto where = [&](const Range &r) {
    return triggerWhere(trig) + " at " + std::to_string(r.begin.line + 1) + ":" + std::to_string(r.begin.column + 1) +
           ": ";
  };
  for (size_t d = firstDiagnostic; d < P.diagnostics.size(); ++d) {
    P.diagnostics[d].message = where(P.diagnostics[d].range) + P.diagnostics[d].message;
    P.diagnostics[d].range = stage.range;
  }
  for (size_t f = firstForward; f < Forward.size(); ++f) {
    Forward[f].message = where(Forward[f].range) + Forward[f].message;
    Forward[f].range = stage.range;
  }
}

void ProgramBuilder::resolveGlobalArgs() {
  const std::string &buildPlat = Opts.buildPlatform.empty() ? hostPlatform() : Opts.buildPlatform;
  const std::string &targetPlat = Opts.platform.empty() ? buildPlat : Opts.platform;
  std::string targetName = Opts.target;
  if (targetName.empty() && !Pending.empty())
    targetName = Pending.back().from.name;
  if (targetName.empty())
    targetName = "default";
  auto automatic = [&] {
    Platform bp = splitPlatform(buildPlat), tp = splitPlatform(targetPlat);
    const std::pair<const char *, std::string> entries[] = {
        {"BUILDPLATFORM", buildPlat},  {"BUILDOS", bp.os},           {"BUILDOSVERSION", ""},
        {"BUILDARCH", bp.arch},        {"BUILDVARIANT", bp.variant}, {"TARGETPLATFORM", targetPlat},
        {"TARGETOS", tp.os},           {"TARGETOSVERSION", ""},      {"TARGETARCH", tp.arch},
        {"TARGETVARIANT", tp.variant}, {"TARGETSTAGE", targetName}};
    shell::ListEnvironment env;
    for (const auto &[k, v] : entries) {
      auto it = Opts.buildArgs.empty() ? Opts.buildArgs.end() : Opts.buildArgs.find(k);
      env.set(k, it != Opts.buildArgs.end() ? it->second : v);
    }
    return env;
  };
  // The eleven automatic args are the same for every file of a run (same platforms, and the
  // target is most often the default or a common stage name): the last table built is reused.
  // A file whose meta args set nothing keeps it as its global scope, shared.
  struct Cached {
    std::string buildPlat, targetPlat, targetName;
    std::shared_ptr<const shell::ListEnvironment> env;
  };
  static thread_local std::optional<Cached> last;
  if (!Opts.buildArgs.empty()) {
    Global.preset(automatic());
  } else {
    if (!last || last->buildPlat != buildPlat || last->targetPlat != targetPlat || last->targetName != targetName)
      last = Cached{buildPlat, targetPlat, targetName, std::make_shared<const shell::ListEnvironment>(automatic())};
    Global.share(*last->env);
  }

  for (ArgInstruction &inst : P.globalArgs) {
    std::vector<std::string> unmatched;
    for (ArgDecl &d : inst.args) {
      if (const std::string *v = buildArg(d.key.raw)) {
        d.value = *v;
        if (d.defaultValue)
          d.defaultValue->resetExpanded();
      } else if (d.defaultValue) {
        if (expand(*d.defaultValue, Global, unmatched))
          d.value = d.defaultValue->expanded().str();
      }
      if (d.value)
        Global.set(d.key.raw, *d.value);
    }
    std::sort(unmatched.begin(), unmatched.end());
    unmatched.erase(std::unique(unmatched.begin(), unmatched.end()), unmatched.end());
    inst.undefinedVars = unmatched;
  }
  // FROM lines and `ARG X` read it from here on.
  if (Global.shared())
    P.globalScopeTable = last->env;
  else
    P.globalScopeTable = std::make_shared<const shell::ListEnvironment>(Global.take());

  for (const auto &[k, v] : Opts.buildArgs) {
    std::string upper = llvm::StringRef(k).upper();
    if (upper == "HTTP_PROXY" || upper == "HTTPS_PROXY" || upper == "FTP_PROXY" || upper == "NO_PROXY" ||
        upper == "ALL_PROXY")
      P.proxyEnv.emplace_back(k, v);
  }
}

void ProgramBuilder::buildStages() {
  // BuildKit's name map as stages are added (FROM <name> sees only earlier stages: a later
  // duplicate wins) and as it is once all are added (COPY --from sees every stage, findByName).
  auto earlier = [&](llvm::StringRef name) -> std::optional<size_t> {
    for (size_t j = P.stages.size(); j-- > 0;)
      if (!P.stages[j].name.empty() && llvm::StringRef(P.stages[j].name) == name)
        return j;
    return std::nullopt;
  };
  const std::string &targetPlat = Opts.platform.empty()
                                      ? (Opts.buildPlatform.empty() ? hostPlatform() : Opts.buildPlatform)
                                      : Opts.platform;
  llvm::SmallVector<std::vector<std::string>, 2> declared(Pending.size());
  P.stages.reserve(Pending.size());
  for (size_t i = 0; i < Pending.size(); ++i) {
    PendingStage &ps = Pending[i];
    Stage st;
    st.index = i;
    // Moved out: findByName reads Pending[i] only for stages not built yet.
    st.name = std::move(ps.from.name);
    st.nameRange = ps.from.nameRange;
    st.docComment = std::move(ps.from.docComment);
    st.syntaxIndex = ps.syntaxIndex;
    st.syntax = ps.syntax;
    st.range = ps.syntax->range;
    st.baseName = std::move(ps.from.baseName);
    st.platform = std::move(ps.from.platform);

    std::vector<std::string> unmatched;
    if (!st.baseName.raw.empty() || ps.syntax->args.size() > 0) {
      if (expand(st.baseName, P.globalScope(), unmatched) && st.baseName.expanded().empty())
        semantic(st.baseName.range, "base name (" + st.baseName.raw.str() + ") should not be blank");
    }
    if (st.platform) {
      auto r = shell::processWord(st.platform->raw, P.globalScope(), Lex);
      unmatched.insert(unmatched.end(), r.unmatched.begin(), r.unmatched.end());
      if (!r.ok()) {
        semantic(st.platform->range, "failed to process arguments for platform " + r.word + ": " + r.error);
        st.platform->resetExpanded();
      } else {
        st.platform->setExpanded(r.word);
        if (r.word.empty())
          semantic(st.platform->range, "empty platform value from expression " + st.platform->raw.str());
      }
    }
    std::sort(unmatched.begin(), unmatched.end());
    unmatched.erase(std::unique(unmatched.begin(), unmatched.end()), unmatched.end());
    st.undefinedVars = unmatched;

    // The env the stage starts with: the final env of the stage it is built from (rebuilt once
    // from that stage's history and kept there), else an image's.
    const shell::ListEnvironment *start = &imageBaseEnv();
    std::shared_ptr<const Stage::EnvHistory> startOwner;
    if (std::optional<size_t> from = earlier(st.baseName.expanded())) {
      st.base = StageRef{*from};
      start = &P.stages[*from].finalEnv();
      startOwner = P.stages[*from].Envs;
      declared[i] = P.stages[*from].declaredArgs;
      st.effectivePlatform = P.stages[*from].effectivePlatform;
    } else {
      if (st.baseName.expanded() == "scratch")
        st.base = Scratch{};
      else
        st.base = ImageRef{st.baseName.raw.str(), st.baseName.expanded().str()};
      st.effectivePlatform = targetPlat;
    }
    if (st.platform && !st.platform->expanded().empty())
      st.effectivePlatform = st.platform->expanded().str();

    st.instructions = std::move(ps.instructions);
    if (ImageTriggersFn)
      addTriggers(st);
    P.stages.push_back(std::move(st));
    dispatch(i, *start, std::move(startOwner), declared[i]);
  }
}

void ProgramBuilder::dispatch(size_t stageIndex, const shell::ListEnvironment &start,
                              std::shared_ptr<const Stage::EnvHistory> base, std::vector<std::string> &declared) {
  Stage &stage = P.stages[stageIndex];
  // Recorded on the stack; a history is allocated only for a stage whose env changes or does not
  // start as an image's.
  Stage::EnvHistory rec;
  rec.before.reserve(stage.instructions.size() + 1);
  StageEnv env(start, rec.changes);
  // Before each instruction: a new env when the previous ones changed it.
  auto mark = [&] {
    if (rec.changes.size() != rec.groupEnd.back())
      rec.groupEnd.push_back(static_cast<uint32_t>(rec.changes.size()));
    rec.before.push_back(static_cast<uint32_t>(rec.groupEnd.size() - 1));
  };
  for (size_t i = 0; i < stage.instructions.size(); ++i) {
    mark();
    size_t diags = P.diagnostics.size(), forward = Forward.size();
    dispatchOne(stage, i, stage.instructions[i], env, declared);
    if (ImageTriggersFn && i < Triggers[stageIndex].size())
      relocate(stage, Triggers[stageIndex][i], diags, forward);
  }
  mark();
  if (rec.changes.empty() && &start == &imageBaseEnv()) {
    stage.Envs = unchangedImageHistory();
  } else {
    auto history = std::make_shared<Stage::EnvHistory>();
    history->start = &start;
    history->base = std::move(base);
    history->changes = std::move(rec.changes);
    history->groupEnd = std::move(rec.groupEnd);
    history->before = std::move(rec.before);
    history->built.resize(history->groupEnd.size());
    stage.Envs = std::move(history);
  }
  stage.declaredArgs = std::move(declared); // later stages copy it from the Stage
}

void ProgramBuilder::dispatchOne(Stage &stage, size_t idx, AnyInstruction &any, StageEnv &env,
                                 std::vector<std::string> &declared) {
  InstructionBase &base = any.base();
  if (!base.valid)
    return;
  std::vector<std::string> unmatched;

  // Resolves a --from / mount from name to a stage (case-insensitive, any stage in the file).
  auto findByName = [&](llvm::StringRef name) -> std::optional<size_t> {
    std::string lower = name.lower();
    std::optional<size_t> found;
    for (size_t i = 0; i < Pending.size(); ++i) {
      const std::string &n = i < P.stages.size() ? P.stages[i].name : Pending[i].from.name;
      if (!n.empty() && n == lower)
        found = i;
    }
    return found;
  };

  auto copyCommon = [&](CopyCommon &c, bool isAdd) {
    for (Operand &s : c.sources)
      expand(s, env, unmatched);
    expand(c.dest, env, unmatched);
    if (c.chown)
      expand(*c.chown, env, unmatched);
    if (c.chmod)
      expand(*c.chmod, env, unmatched);
    shell::LexOptions raw;
    raw.escape = '\\';
    raw.skipProcessQuotes = true;
    for (HeredocFile &h : c.heredocSources) {
      if (!h.expand)
        continue;
      auto r = shell::processWord(h.data, env, raw);
      unmatched.insert(unmatched.end(), r.unmatched.begin(), r.unmatched.end());
      if (!r.ok())
        semantic(h.marker, r.error);
      else
        h.data = r.word;
    }
    if (!isAdd)
      for (const Operand &s : c.sources)
        if (llvm::StringRef(s.expanded()).startswith("http://") ||
            llvm::StringRef(s.expanded()).startswith("https://"))
          semantic(s.range, "source can't be a URL for COPY");
  };

  std::visit(
      [&](auto &inst) {
        using T = std::decay_t<decltype(inst)>;
        if constexpr (std::is_same_v<T, EnvInstruction> || std::is_same_v<T, LabelInstruction>) {
          for (KeyValue &kv : inst.pairs) {
            expand(kv.key, env, unmatched);
            expand(kv.value, env, unmatched);
          }
          if constexpr (std::is_same_v<T, EnvInstruction>)
            for (const KeyValue &kv : inst.pairs)
              env.set(kv.key.expanded(), kv.value.expanded());
        } else if constexpr (std::is_same_v<T, ArgInstruction>) {
          for (ArgDecl &d : inst.args) {
            const std::string *bi = buildArg(d.key.raw);
            bool hasValue = bi != nullptr;
            if (!d.defaultValue && !hasValue) {
              if (const std::string *g = P.globalScope().lookup(d.key.raw))
                d.value = *g;
            }
            if (hasValue) {
              d.value = *bi;
            } else if (d.defaultValue) {
              std::vector<std::string> um;
              if (expand(*d.defaultValue, env, um))
                d.value = d.defaultValue->expanded().str();
              for (const std::string &u : um)
                if (std::find(declared.begin(), declared.end(), u) == declared.end())
                  unmatched.push_back(u);
            }
            if (d.value && !isNonEnvArg(d.key.raw))
              env.set(d.key.raw, *d.value);
            declared.push_back(d.key.raw.str());
          }
        } else if constexpr (std::is_same_v<T, CopyInstruction>) {
          copyCommon(inst, false);
          if (inst.from && !inst.from->raw.empty()) {
            llvm::StringRef from = inst.from->raw;
            long long n;
            std::optional<size_t> target;
            if (from.contains('$')) {
              semantic(inst.from->range,
                       "variable expansion is not supported for --from, define a new stage with "
                       "FROM using ARG from global scope as a workaround");
            } else if (isAtoi(from, n)) {
              if (n < 0 || static_cast<size_t>(n) >= Pending.size())
                semantic(inst.from->range, "invalid stage index " + std::to_string(n));
              else
                target = static_cast<size_t>(n);
            } else {
              target = findByName(from);
            }
            if (target) {
              inst.fromStage = target;
              stage.dependencies.push_back(StageDependency{*target, idx});
              if (*target >= stage.index)
                Forward.push_back(ForwardRef{stage.index, idx, inst.from->range,
                                             "cannot copy from stage \"" + from.str() +
                                                 "\", it needs to be defined before current stage \"" +
                                                 stage.displayName() + "\""});
            }
          }
        } else if constexpr (std::is_same_v<T, AddInstruction>) {
          copyCommon(inst, true);
          if (inst.checksum)
            expand(*inst.checksum, env, unmatched);
        } else if constexpr (std::is_same_v<T, RunInstruction>) {
          const Instruction &node = *inst.syntax;
          std::vector<Mount> mounts;
          auto expandValue = [&](llvm::StringRef w, std::string &out, std::string *err) {
            if (plainWord(w, Lex.escape)) {
              out.assign(w.data(), w.size());
              return true;
            }
            auto r = shell::processWord(w, env, Lex);
            unmatched.insert(unmatched.end(), r.unmatched.begin(), r.unmatched.end());
            if (!r.ok()) {
              *err = r.error;
              return false;
            }
            out = std::move(r.word);
            return true;
          };
          WordExpander ex = expandValue;
          for (const Flag &f : node.flags) {
            if (f.name() != "mount")
              continue;
            std::string err;
            auto m = parseMount(f.value(), &ex, &err);
            if (!m) {
              semantic(f.range, err);
              continue;
            }
            m->range = f.range;
            if (!m->from.empty()) {
              if (auto t = findByName(m->from)) {
                m->fromStage = t;
                stage.dependencies.push_back(StageDependency{*t, idx});
                if (*t >= stage.index)
                  Forward.push_back(ForwardRef{stage.index, idx, f.range,
                                               "cannot mount from stage \"" + m->from + "\" to \"" +
                                                   m->target +
                                                   "\", stage needs to be defined before current command"});
              }
            }
            mounts.push_back(std::move(*m));
          }
          inst.mounts = std::move(mounts);
        } else if constexpr (std::is_same_v<T, WorkdirInstruction>) {
          expand(inst.path, env, unmatched);
        } else if constexpr (std::is_same_v<T, UserInstruction>) {
          expand(inst.user, env, unmatched);
        } else if constexpr (std::is_same_v<T, StopSignalInstruction>) {
          expand(inst.signal, env, unmatched);
        } else if constexpr (std::is_same_v<T, VolumeInstruction>) {
          for (Operand &p : inst.paths)
            expand(p, env, unmatched);
        } else if constexpr (std::is_same_v<T, ExposeInstruction>) {
          for (Operand &w : inst.words) {
            // One plain word without blanks expands and splits to itself.
            if (plainWord(w.raw, Lex.escape) && !w.raw.empty() &&
                llvm::none_of(w.raw, [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); })) {
              w.resetExpanded();
              std::string err;
              auto spec = parsePortSpec(w.raw, &err);
              if (!spec) {
                semantic(w.range, err);
                continue;
              }
              spec->range = w.range;
              inst.ports.push_back(std::move(*spec));
              continue;
            }
            auto r = shell::processWords(w.raw, env, Lex);
            unmatched.insert(unmatched.end(), r.unmatched.begin(), r.unmatched.end());
            if (!r.ok()) {
              semantic(w.range, r.error);
              continue;
            }
            std::string joined;
            for (const std::string &p : r.words) {
              joined += (joined.empty() ? "" : " ") + p;
              std::string err;
              auto spec = parsePortSpec(p, &err);
              if (!spec) {
                semantic(w.range, err);
                continue;
              }
              spec->range = w.range;
              inst.ports.push_back(std::move(*spec));
            }
            w.setExpanded(std::move(joined));
          }
        }
        // CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER, ONBUILD: nothing is expanded.
      },
      static_cast<InstructionVariant &>(any));

  std::vector<std::string> undefined;
  for (const std::string &u : unmatched)
    if (std::find(declared.begin(), declared.end(), u) == declared.end() && !isNonEnvArg(u))
      undefined.push_back(u);
  std::sort(undefined.begin(), undefined.end());
  undefined.erase(std::unique(undefined.begin(), undefined.end()), undefined.end());
  base.undefinedVars = std::move(undefined);
}

namespace {
// Depth-first search for a cycle of stage dependencies; returns the depending (stage, instruction)
// of the first edge on a cycle found from `s`.
using Edge = std::optional<std::pair<size_t, size_t>>;
Edge findCycle(const std::vector<Stage> &stages, llvm::MutableArrayRef<uint8_t> visited,
               llvm::MutableArrayRef<uint8_t> onPath, size_t s, Edge first) {
  if (visited[s])
    return std::nullopt;
  visited[s] = onPath[s] = true;
  for (const StageDependency &d : stages[s].dependencies) {
    Edge edge = first ? first : std::make_optional(std::make_pair(s, d.instruction));
    if (onPath[d.stage])
      return edge;
    if (Edge c = findCycle(stages, visited, onPath, d.stage, edge))
      return c;
  }
  onPath[s] = false;
  return std::nullopt;
}
} // namespace

void ProgramBuilder::checkCycles() {
  // No edge (most files): no cycle and no forward reference. The search's buffers are inline
  // (two std::vector<bool> and a std::function were 3 mallocs per file).
  if (llvm::all_of(P.stages, [](const Stage &st) { return st.dependencies.empty(); }))
    return;
  size_t n = P.stages.size();
  llvm::SmallVector<uint8_t, 16> visited(n), onPath(n);
  auto visit = [&](size_t s, Edge first) { return findCycle(P.stages, visited, onPath, s, first); };
  for (size_t s = 0; s < n; ++s) {
    if (auto c = visit(s, std::nullopt)) {
      const Stage &from = P.stages[c->first];
      bool trigger = ImageTriggersFn && c->first < Triggers.size() && c->second < Triggers[c->first].size();
      Range r = c->second < from.instructions.size() && !trigger ? from.instructions[c->second].base().range
                                                                 : from.range;
      semantic(r, "circular dependency detected on stage: " + P.stages[s].displayName());
      return;
    }
  }
  for (const ForwardRef &f : Forward)
    semantic(f.range, f.message);
}

void ProgramBuilder::resolveTarget() {
  if (P.stages.empty())
    return;
  if (Opts.target.empty()) {
    P.targetStage = P.stages.size() - 1;
    return;
  }
  P.targetStage = P.findStage(Opts.target);
  if (!P.targetStage) {
    Range r = P.stages.front().range;
    r.end = r.begin;
    semantic(r, "target stage \"" + Opts.target + "\" could not be found");
  }
}

Program ProgramBuilder::build() {
  P.directives = Tree.directives;
  P.escape = Tree.escape;
  P.diagnostics = Tree.diagnostics;
  if (Tree.source.text().empty()) {
    P.diagnostics.push_back(
        Diagnostic{Range{}, Severity::Error, "semantic", "the Dockerfile cannot be empty"});
    return std::move(P);
  }
  collect();
  resolveGlobalArgs();
  if (Pending.empty()) {
    if (!Tree.instructions.empty()) {
      Range r = Tree.instructions.front().range;
      r.end = r.begin;
      semantic(r, "dockerfile contains no stages to build");
    }
    return std::move(P);
  }
  buildStages();
  resolveTarget();
  checkCycles();
  return std::move(P);
}

} // namespace

Program buildProgram(const SyntaxTree &tree, const BuildOptions &opts) {
  return ProgramBuilder(tree, opts).build();
}

TriggeredProgram buildProgramWithTriggers(const SyntaxTree &tree, const BuildOptions &opts,
                                          const ImageTriggers &imageTriggers) {
  ProgramBuilder b(tree, opts, &imageTriggers);
  TriggeredProgram out;
  out.program = b.build();
  out.triggers = b.takeTriggers();
  out.triggers.resize(out.program.stages.size());
  return out;
}

} // namespace dfc
