// The optimiser's rewrites and the checks that make them safe. Every merge is refused unless an
// argument below shows the merged execution leaves the same filesystem, config and outcome.
#include "ir/passes/opt/Optimise.h"

#include "ir/passes/cachekey/CacheKey.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/StringRef.h>

#include <algorithm>
#include <map>

namespace dfc::opt {

// RunJoin.cpp runs the bodies it can prove harmless inline, `{ A<newline>}`, in the one shell;
// this argument is for the others, and for the merge itself (same state for all members).
// Why joining RUN bodies as `SH -c 'A' && SH -c 'B'` (SH = the RUN's shell, each body quoted
// with '...' and '\'' so its text reaches its own shell byte for byte) is exact, given the checks
// in unmergeableRun and runsDiffer and the barrier rule in optimise():
// - Each RUN alone is `SH -c "A"`: a fresh shell process with no options, variables, traps or
//   directory changes from earlier RUNs. In the join each body again gets a fresh shell process,
//   started by an outer shell that has changed nothing, with the same argv[0], env (no ENV/ARG
//   between), user, workdir and shell (no USER/WORKDIR/SHELL between), mounts, network and
//   security. Whatever a body does to its shell (cd, set +e/-e, variables, traps, exec) dies
//   with its process; a syntax error in a body fails that body with status 2, as alone.
// - Why not `( A ) && ( B )`: POSIX ignores `set -e` inside a command that is the left side of
//   `&&` or `||`, subshells included, so `( set -e; false; echo x ) && ...` would print x where
//   the RUN alone stops. A separate process does not inherit that ignoring.
// - `&&` starts B only when A's shell exits 0, and the list's status is the first non-zero
//   status: exactly the O0 outcome "the build fails at the first failing RUN with its exit
//   code", and nothing later runs after a failure (O0 never starts the next step either).
// - A background job (`cmd &`) would still run while B runs, where O0's container would have
//   ended: refused (and any body whose quoting the scanner cannot follow, since it cannot then
//   rule out an `&`). tmpfs mounts are fresh per RUN at O0 but would be shared: refused.
//   Heredoc RUNs are refused outright.
// - What differs is invisible in the result: process ids (O0's shell is PID 1 of its
//   container), the number of layers and history entries.

namespace {

bool isWordChar(char c) { return llvm::isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '/'; }

// Reserved words that open or close compound commands, counted at command position-ish (as
// separate words outside quotes); a mismatch means the body is not closed on its own.
struct KeywordBalance {
  int ifs = 0, dos = 0, braces = 0;
  bool sawCase = false;
  void word(llvm::StringRef w) {
    if (w == "if")
      ++ifs;
    else if (w == "fi")
      --ifs;
    else if (w == "do")
      ++dos;
    else if (w == "done")
      --dos;
    else if (w == "{")
      ++braces;
    else if (w == "}")
      --braces;
    else if (w == "case" || w == "esac")
      sawCase = true;
  }
};

// Scans a shell body for closure. Returns a reason when it is not provably closed.
std::optional<std::string> unclosed(llvm::StringRef text) {
  enum Ctx { Paren, Dq, Bt, Brace };
  std::vector<Ctx> stack;
  KeywordBalance kw;
  std::string word;
  auto endWord = [&] {
    if (!word.empty() && stack.empty())
      kw.word(word);
    word.clear();
  };
  auto top = [&]() -> std::optional<Ctx> {
    if (stack.empty())
      return std::nullopt;
    return stack.back();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    std::optional<Ctx> t = top();
    if (t == Bt) {
      if (c == '\\')
        ++i;
      else if (c == '`')
        stack.pop_back();
      continue;
    }
    if (t == Dq) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        stack.pop_back();
      else if (c == '`')
        stack.push_back(Bt);
      else if (c == '$' && next == '(')
        stack.push_back(Paren), ++i;
      else if (c == '$' && next == '{')
        stack.push_back(Brace), ++i;
      continue;
    }
    // Top level, inside $( ), ( ) or ${ }.
    switch (c) {
    case '\\':
      if (i + 1 >= text.size())
        return std::string("the body ends with an escape character");
      word += text.substr(i, 2).str();
      ++i;
      continue;
    case '\'': {
      size_t close = text.find('\'', i + 1);
      if (close == llvm::StringRef::npos)
        return std::string("an unclosed single quote");
      word += "'";
      i = close;
      continue;
    }
    case '"':
      stack.push_back(Dq);
      word += "\"";
      continue;
    case '`':
      stack.push_back(Bt);
      word += "`";
      continue;
    case '$':
      if (next == '(') {
        stack.push_back(Paren);
        ++i;
      } else if (next == '{') {
        stack.push_back(Brace);
        ++i;
      }
      word += "$";
      continue;
    case '(':
      endWord();
      stack.push_back(Paren);
      continue;
    case ')':
      endWord();
      if (t != Paren)
        return std::string("an unmatched ')'");
      stack.pop_back();
      continue;
    case '}':
      if (t == Brace) {
        stack.pop_back();
        continue;
      }
      break;
    case '#':
      if (word.empty()) { // a comment: to the end of the line
        size_t nl = text.find('\n', i);
        if (nl == llvm::StringRef::npos)
          i = text.size();
        else
          i = nl - 1;
        continue;
      }
      break;
    case '&':
      if (next == '&') {
        endWord();
        ++i;
        continue;
      }
      if (i > 0 && (text[i - 1] == '>' || text[i - 1] == '<')) {
        word += "&";
        continue;
      }
      return std::string("a background job ('&')");
    case '<':
      if (next == '<')
        return std::string("a here-document ('<<')");
      break;
    default:
      break;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '<' || c == '>') {
      endWord();
      continue;
    }
    if (c == '{' || c == '}') {
      endWord();
      word = std::string(1, c);
      // `{` / `}` are reserved words only when they stand alone.
      if (i + 1 >= text.size() || !isWordChar(next)) {
        endWord();
        continue;
      }
      continue;
    }
    word += c;
  }
  endWord();
  if (!stack.empty())
    return std::string("an unclosed quote, $( ), ${ } or ( )");
  (void)kw; // compound-command balance does not matter: each body runs in its own shell
  return std::nullopt;
}

std::string runBody(const RunInstruction &run) {
  std::string text;
  for (const Operand &o : run.cmd.args)
    text += (text.empty() ? "" : " ") + o.expanded().str();
  return text;
}

bool posixShell(const std::vector<std::string> &shell) {
  if (shell.size() != 2 || shell[1] != "-c")
    return false;
  llvm::StringRef name = llvm::StringRef(shell[0]).rsplit('/').second;
  if (name.empty())
    name = shell[0];
  return name == "sh" || name == "bash" || name == "ash" || name == "dash" || name == "ksh";
}

// Metadata steps that a merged step may be moved across: they change neither what a RUN or COPY
// sees (env, args, user, workdir, shell) nor the filesystem, so applying them after the merged
// unit gives the same config. VOLUME is excluded (some builders discard later writes under it).
bool transparent(const AnyInstruction &inst) {
  switch (inst.kind()) {
  case InstructionKind::Label:
  case InstructionKind::Expose:
  case InstructionKind::Cmd:
  case InstructionKind::Entrypoint:
  case InstructionKind::StopSignal:
  case InstructionKind::Healthcheck:
  case InstructionKind::Maintainer:
  case InstructionKind::Onbuild:
    return true;
  default:
    return false;
  }
}

std::string describe(const AnyInstruction &inst) {
  return instructionName(inst.kind()).str() + " at line " + std::to_string(inst.base().range.begin.line + 1);
}

std::string barrierReason(const AnyInstruction &inst) {
  switch (inst.kind()) {
  case InstructionKind::Env:
  case InstructionKind::Arg:
    return describe(inst) + " between them changes the environment";
  case InstructionKind::User:
    return describe(inst) + " between them changes the user";
  case InstructionKind::Workdir:
    return describe(inst) + " between them changes the working directory";
  case InstructionKind::Shell:
    return describe(inst) + " between them changes the shell";
  case InstructionKind::Volume:
    return describe(inst) + " between them declares a volume";
  default:
    return describe(inst) + " between them is a different kind of step";
  }
}

std::string mountsText(const RunInstruction &run) {
  std::string out;
  for (const Mount &m : run.mounts)
    out += m.spec + "\n";
  return out;
}

const CopyCommon *copyOf(const AnyInstruction &inst) {
  if (const auto *c = inst.as<CopyInstruction>())
    return c;
  if (const auto *a = inst.as<AddInstruction>())
    return a;
  return nullptr;
}

std::optional<std::string> unmergeableCopy(const CopyCommon &c) {
  if (c.link)
    return std::string("--link writes an independent layer");
  for (const Operand &s : c.sources) {
    llvm::StringRef v(s.expanded());
    if (v.startswith("http://") || v.startswith("https://") || v.startswith("git@"))
      return std::string("a remote source");
  }
  return std::nullopt;
}

// The kernel takes no single argument longer than MAX_ARG_STRLEN (32 pages, 131,072 bytes with its
// NUL), and a merged group's script is one argument of its shell: past it the group cannot start
// (E2BIG) where each RUN alone can.
constexpr size_t ScriptLimit = 131072 - 1;

size_t quotedSize(llvm::StringRef s) { return s.size() + 3 * s.count('\'') + 2; }

// What one body can add to the joined script at most (RunJoin.cpp's joinRunScripts): the body in
// single quotes after the quoted shell (or inline, which is shorter), the separators and `hash -r`,
// and the way back to the workdir, whose quoted form takes `workdirBytes`, twice.
size_t joinedCost(const std::vector<std::string> &shell, llvm::StringRef body, size_t workdirBytes) {
  size_t n = 0;
  for (const std::string &a : shell)
    n += quotedSize(a) + 1;
  return n + quotedSize(body) + 2 * workdirBytes + 96;
}

// Groups a stage's instructions into units at `level`, recording refused merges.
std::vector<Unit> unitsOf(const Program &program, const Stage &stage, Level level, const ShellLookup &shellAt,
                          std::vector<Refusal> &refusals) {
  std::vector<Unit> units;
  const auto &ins = stage.instructions;
  if (level == Level::O0) {
    for (size_t i = 0; i < ins.size(); ++i)
      units.push_back({cachekey::makesLayer(ins[i]) ? UnitKind::Step : UnitKind::Config, {i}});
    return units;
  }
  (void)program;
  // The shell each instruction runs with when the caller does not know the base's config.
  std::vector<std::string> shell = {"/bin/sh", "-c"};
  std::vector<std::vector<std::string>> shells;
  // Each instruction's workdir, quoted, in bytes: exact from an absolute WORKDIR of this stage on;
  // before one, the base image's unknown workdir counts as PATH_MAX.
  size_t workdir = 4096 + 2;
  std::vector<size_t> workdirs;
  for (const AnyInstruction &in : ins) {
    shells.push_back(shell);
    workdirs.push_back(workdir);
    if (const auto *wd = in.as<WorkdirInstruction>()) {
      llvm::StringRef path = wd->path.expanded();
      workdir = path.startswith("/") ? quotedSize(path) : workdir + quotedSize(path);
    }
    if (const auto *sh = in.as<ShellInstruction>()) {
      shell.clear();
      for (const Operand &o : sh->shell)
        shell.push_back(o.expanded().str());
    }
  }
  auto shellOf = [&](size_t i) { return shellAt ? shellAt(stage.index, i) : shells[i]; };
  auto runAlone = [&](size_t i) -> std::optional<std::string> {
    const auto *run = ins[i].as<RunInstruction>();
    if (auto why = unmergeableRun(*run))
      return why;
    if (!posixShell(shellOf(i)))
      return std::string("the shell is not a POSIX sh ending in -c");
    return std::nullopt;
  };

  std::vector<Unit> pendingConfig; // transparent steps moved after the merged unit
  size_t i = 0;
  while (i < ins.size()) {
    const AnyInstruction &in = ins[i];
    if (!cachekey::makesLayer(in)) {
      // Fold consecutive metadata-only steps into one config change.
      Unit u{UnitKind::Config, {}};
      while (i < ins.size() && !cachekey::makesLayer(ins[i]))
        u.steps.push_back(i++);
      units.push_back(std::move(u));
      continue;
    }
    bool isRun = in.kind() == InstructionKind::Run;
    bool isCopy = copyOf(in) != nullptr;
    if (level < Level::O2 || (!isRun && !isCopy)) {
      units.push_back({UnitKind::Step, {i++}});
      continue;
    }
    std::optional<std::string> selfWhy = isRun ? runAlone(i) : unmergeableCopy(*copyOf(in));
    Unit group{isRun ? UnitKind::MergedRun : UnitKind::MergedCopy, {i}};
    auto costOf = [&](size_t k) { return joinedCost(shellOf(k), runBody(*ins[k].as<RunInstruction>()), workdirs[k]); };
    size_t scriptBytes = isRun ? costOf(i) : 0;
    std::vector<size_t> moved; // transparent metadata between members
    size_t j = i + 1;
    size_t last = i;
    while (j < ins.size()) {
      const AnyInstruction &next = ins[j];
      if (transparent(next)) {
        moved.push_back(j++);
        continue;
      }
      bool sameKind = isRun ? next.kind() == InstructionKind::Run : copyOf(next) != nullptr;
      if (!sameKind) {
        if (!cachekey::makesLayer(next)) {
          // A barrier: refuse only when it separates two candidates of this kind.
          size_t k = j + 1;
          while (k < ins.size() && !cachekey::makesLayer(ins[k]))
            ++k;
          bool candidate = k < ins.size() && (isRun ? ins[k].kind() == InstructionKind::Run : copyOf(ins[k]) != nullptr);
          if (candidate)
            refusals.push_back({stage.index, last, k, barrierReason(next)});
        }
        break;
      }
      std::optional<std::string> why = selfWhy;
      if (!why)
        why = isRun ? runAlone(j) : unmergeableCopy(*copyOf(next));
      if (!why && isRun)
        why = runsDiffer(*ins[last].as<RunInstruction>(), *next.as<RunInstruction>());
      if (!why && isRun) {
        scriptBytes += costOf(j);
        if (scriptBytes > ScriptLimit)
          why = std::string("the joined script would pass the kernel's 128 KiB limit for one argument");
      }
      if (why) {
        refusals.push_back({stage.index, last, j, *why});
        break;
      }
      group.steps.push_back(j);
      last = j;
      ++j;
    }
    if (group.steps.size() == 1) {
      units.push_back({UnitKind::Step, {i}});
      ++i;
      continue;
    }
    units.push_back(std::move(group));
    // Transparent steps that sat between members are applied after the merged unit; any that
    // followed the last member are picked up by the main loop.
    Unit cfg{UnitKind::Config, {}};
    for (size_t m : moved)
      if (m < last)
        cfg.steps.push_back(m);
    if (!cfg.steps.empty())
      units.push_back(std::move(cfg));
    i = last + 1;
  }
  return units;
}

} // namespace

std::optional<Level> parseLevel(llvm::StringRef text) {
  text.consume_front("-");
  text.consume_front("O");
  if (text == "0")
    return Level::O0;
  if (text == "1")
    return Level::O1;
  if (text == "2")
    return Level::O2;
  return std::nullopt;
}

llvm::StringRef unitKindName(UnitKind kind) {
  switch (kind) {
  case UnitKind::Step:
    return "step";
  case UnitKind::Config:
    return "config";
  case UnitKind::MergedRun:
    return "merged-run";
  case UnitKind::MergedCopy:
    return "merged-copy";
  }
  return "step";
}

const StagePlan *Plan::stagePlan(size_t stage) const {
  for (const StagePlan &s : stages)
    if (s.stage == stage)
      return &s;
  return nullptr;
}

std::optional<std::string> unmergeableRun(const RunInstruction &run) {
  if (!run.cmd.shellForm)
    return std::string("exec form runs no shell to join with");
  if (!run.heredocs.empty())
    return std::string("a here-document body");
  for (const Mount &m : run.mounts)
    if (m.type == MountType::Tmpfs)
      return std::string("a tmpfs mount is fresh for each RUN");
  return unmergeableBody(runBody(run));
}

std::optional<std::string> unmergeableBody(llvm::StringRef body) {
  if (body.trim().empty())
    return std::string("an empty command");
  if (auto why = unclosed(body))
    return "the command has " + *why;
  return std::nullopt;
}

std::optional<std::string> runsDiffer(const RunInstruction &a, const RunInstruction &b) {
  if (mountsText(a) != mountsText(b))
    return std::string("different --mount flags");
  if (a.network != b.network)
    return std::string("different --network");
  if (a.security != b.security)
    return std::string("different --security");
  std::string da, db;
  for (const Device &d : a.devices)
    da += d.name + "\n";
  for (const Device &d : b.devices)
    db += d.name + "\n";
  if (da != db)
    return std::string("different --device flags");
  return std::nullopt;
}

std::string mergedKey(const std::vector<std::string> &memberKeys) {
  std::string in = "dfc-merged\n" + std::to_string(memberKeys.size()) + "\n";
  for (const std::string &k : memberKeys)
    in += k + "\n";
  return cachekey::sha256(in);
}

Plan optimise(const Program &program, Level level, const ShellLookup &shellAt) {
  Plan plan;
  plan.level = level;
  std::vector<size_t> run;
  if (level == Level::O0) {
    for (size_t s = 0; s < program.stages.size(); ++s)
      run.push_back(s);
  } else {
    run = program.reachableStages();
    std::vector<bool> needed(program.stages.size());
    for (size_t s : run)
      needed[s] = true;
    for (size_t s = 0; s < program.stages.size(); ++s)
      if (!needed[s])
        plan.dropped.push_back(s);
  }
  for (size_t s : run)
    plan.stages.push_back({s, unitsOf(program, program.stages[s], level, shellAt, plan.refusals)});

  if (level == Level::O0) {
    for (size_t s : run)
      plan.waves.push_back({s});
    return plan;
  }
  // Wave of a stage = 1 + the latest wave of what it needs (its base stage, COPY --from and
  // RUN --mount=from stages); stages only ever depend on earlier ones.
  std::map<size_t, size_t> wave;
  size_t maxWave = 0;
  for (size_t s : run) {
    const Stage &st = program.stages[s];
    size_t w = 0;
    auto need = [&](size_t d) {
      auto it = wave.find(d);
      if (it != wave.end())
        w = std::max(w, it->second + 1);
    };
    if (const auto *ref = std::get_if<StageRef>(&st.base))
      need(ref->index);
    for (const StageDependency &d : st.dependencies)
      need(d.stage);
    wave[s] = w;
    maxWave = std::max(maxWave, w);
  }
  plan.waves.assign(run.empty() ? 0 : maxWave + 1, {});
  for (size_t s : run)
    plan.waves[wave[s]].push_back(s);
  return plan;
}

} // namespace dfc::opt
