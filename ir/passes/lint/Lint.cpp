// Runs the rules: builds the context, applies configuration and inline suppressions
// (`# dfc ignore=`, `# hadolint ignore=`, `# hadolint global ignore=`, `# check=skip=`).
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/EveryRule.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/StringExtras.h>

#include <algorithm>

namespace dfc::lint {

llvm::StringRef ruleSourceName(RuleSource s) {
  switch (s) {
  case RuleSource::Hadolint: return "hadolint";
  case RuleSource::BuildKit: return "buildkit";
  case RuleSource::DockerfileUtils: return "dockerfile-utils";
  case RuleSource::Dfc: return "dfc";
  }
  return "dfc";
}

// Whether `id` names rule `r`: its id or one of its aliases, in any case.
static bool answersTo(llvm::StringRef id, const RuleInfo &r) {
  if (id.equals_insensitive(r.id))
    return true;
  for (const char *a : r.aliases)
    if (id.equals_insensitive(a))
      return true;
  return false;
}

const Rule *findRule(llvm::StringRef idOrAlias) {
  for (const Rule *r : allRules())
    if (answersTo(idOrAlias, r->info))
      return r;
  return nullptr;
}

namespace {
// The spare script arena of a thread's Contexts (one at a time holds it; see Context.h).
struct SpareArena {
  llvm::BumpPtrAllocator arena;
  bool taken = false;
};
thread_local SpareArena Spare;
} // namespace

Context::Context(const SyntaxTree &tree, const Program &program, const Config &config)
    : Tree(tree), Prog(program), Cfg(config), ScriptArena(Spare.taken ? OwnArena : Spare.arena) {
  if (&ScriptArena == &Spare.arena)
    Spare.taken = true;
}

Context::~Context() {
  if (&ScriptArena != &Spare.arena)
    return;
  // Nothing that points into the arena is read again: the scripts go first, then its slabs
  // (all but the first) are freed.
  Strays.clear();
  Scripts.clear();
  Spare.arena.Reset();
  Spare.taken = false;
}

void Context::report(Range range, Message message, std::optional<Fix> fix) {
  if (Findings.empty())
    Findings.reserve(std::max<size_t>(16, Tree.instructions.size())); // not moved again and again
  // Built whole and moved in: emplace_back() value-initialises a Finding, zeroing its 232 bytes
  // (a `rep stos`) before the fields are assigned: ~70% of report()'s time on the corpus.
  Findings.push_back(Finding{&Current->info, range, Current->info.severity, std::move(message), std::move(fix)});
}

bool Context::parseRun(const RunInstruction &run, ShellScript &out) const {
  const Instruction *syn = run.syntax;
  if (!syn)
    return false;
  if (!run.heredocs.empty() && run.cmd.args.size() == 1 &&
      llvm::StringRef(run.cmd.args[0].raw).trim().startswith("<<") && run.heredocs.size() == 1) {
    // `RUN <<EOF` runs the body as the script: map offsets into the body's source range.
    const HeredocFile &h = run.heredocs[0];
    uint32_t base = h.body.begin.offset;
    parseShellScript(out, h.content, Tree.source, [base](uint32_t off) { return base + off; });
    return true;
  }
  if (run.cmd.shellForm && !run.cmd.args.empty()) {
    parseShellScript(out, run.cmd.args[0].raw, Tree.source, syn->map, syn->argsOffset);
    return true;
  }
  return false;
}

uint32_t Context::entry(llvm::StringRef name) {
  Seen |= seenBit(name);
  if (!ProgramByName.empty()) {
    auto [it, added] = ProgramByName.try_emplace(name, Programs.size());
    if (added)
      Programs.push_back(ProgramIndex{name});
    return it->second;
  }
  for (uint32_t i = 0; i < Programs.size(); ++i)
    if (Programs[i].name == name)
      return i;
  Programs.push_back(ProgramIndex{name});
  if (Programs.size() > 16)
    for (uint32_t i = 0; i < Programs.size(); ++i)
      ProgramByName[Programs[i].name] = i;
  return static_cast<uint32_t>(Programs.size() - 1);
}

void Context::indexRuns() {
  RunsIndexed = true;
  size_t count = 0;
  for (const Stage &st : Prog.stages)
    for (const AnyInstruction &ins : st.instructions)
      count += ins.kind() == InstructionKind::Run;
  if (count == 0)
    return;
  Runs.reserve(count);
  Scripts.reserve(count); // never grows past this: Runs point into it
  bool spare = false;      // Scripts.back() is unused
  size_t entries = 0;      // the scripts' index entries
  for (const Stage &st : Prog.stages)
    for (size_t i = 0; i < st.instructions.size(); ++i)
      if (const RunInstruction *run = st.instructions[i].as<RunInstruction>()) {
        // Read in place, in the Context's arena; an exec-form RUN leaves its slot to the next.
        if (!spare)
          Scripts.emplace_back(&ScriptArena);
        spare = !parseRun(*run, Scripts.back());
        Runs.push_back(RunScript{&st, i, run, spare ? nullptr : &Scripts.back()});
        if (!spare)
          entries += Scripts.back().programs().size();
      }
  // One index for the program: each name's calls in RUN order, each RUN's in script order.
  // First the entries and their sizes (each script entry's one, in `ids`), then the lists.
  // Consecutive RUNs call the same programs: the last entry is tried before a lookup.
  // Entries are named by index (Programs may grow past its inline 16 meanwhile).
  llvm::SmallVector<uint32_t, 32> ids;
  ids.reserve(entries);
  uint32_t last = ~uint32_t(0);
  for (const RunScript &r : Runs) {
    if (!r.script)
      continue;
    for (const ShellScript::Calls &e : r.script->programs()) {
      if (last == ~uint32_t(0) || Programs[last].name != e.program)
        last = entry(e.program);
      ProgramIndex &into = Programs[last];
      into.named |= !e.named.empty();
      into.calls += static_cast<uint32_t>(e.called.size());
      ids.push_back(last);
    }
  }
  for (ProgramIndex &p : Programs) {
    p.called = p.calls ? ScriptArena.Allocate<ProgramCall>(p.calls) : nullptr;
    p.calls = 0; // counted again as filled
  }
  const uint32_t *id = ids.begin();
  for (uint32_t r = 0; r < Runs.size(); ++r) {
    if (!Runs[r].script)
      continue;
    for (const ShellScript::Calls &e : Runs[r].script->programs()) {
      ProgramIndex &into = Programs[*id++];
      for (const ShellCall &c : e.called)
        into.called[into.calls++] = ProgramCall{r, c.command, c.program};
    }
  }
}

const ShellScript *Context::script(const RunInstruction &run) {
  if (!RunsIndexed)
    indexRuns();
  // Rules ask in program order: the RUN after the last one asked is the usual answer.
  for (size_t k = 0; k < Runs.size(); ++k) {
    size_t i = ScriptCursor + k < Runs.size() ? ScriptCursor + k : ScriptCursor + k - Runs.size();
    if (Runs[i].run == &run) {
      ScriptCursor = i + 1 < Runs.size() ? i + 1 : 0;
      return Runs[i].script;
    }
  }
  // A RUN outside the program's stages (none today): parsed on its own, once, kept apart.
  for (const auto &[r, s] : Strays)
    if (r == &run)
      return s.get();
  auto s = std::make_unique<ShellScript>();
  bool parsed = parseRun(run, *s);
  Strays.emplace_back(&run, parsed ? std::move(s) : nullptr);
  return Strays.back().second.get();
}

llvm::ArrayRef<RunScript> Context::runs() {
  if (!RunsIndexed)
    indexRuns();
  return Runs;
}

llvm::ArrayRef<ProgramCall> Context::calls(llvm::StringRef name) {
  const ProgramIndex *p = program(name);
  return p ? llvm::ArrayRef<ProgramCall>(p->called, p->calls) : llvm::ArrayRef<ProgramCall>();
}

bool Context::names(llvm::StringRef name) {
  const ProgramIndex *p = program(name);
  return p && p->named;
}

bool Context::namesAny(llvm::ArrayRef<llvm::StringRef> list) {
  for (llvm::StringRef n : list)
    if (names(n))
      return true;
  return false;
}

bool Context::callsAny(llvm::ArrayRef<llvm::StringRef> list) {
  for (llvm::StringRef n : list)
    if (!calls(n).empty())
      return true;
  return false;
}

bool Context::namesPrefixed(llvm::StringRef prefix) {
  if (!RunsIndexed)
    indexRuns();
  for (const ProgramIndex &p : Programs)
    if (p.named && p.name.startswith(prefix))
      return true;
  return false;
}

bool Context::isReachable(size_t stage) const {
  // One stage (most files): reachable when it is the target; no list built (it was a malloc per file).
  if (Prog.stages.size() == 1)
    return Prog.targetStage && *Prog.targetStage == 0 && stage == 0;
  if (!Reachable)
    Reachable = Prog.reachableStages();
  return std::binary_search(Reachable->begin(), Reachable->end(), stage);
}

namespace {

// One ignore comment: what it names and, once findings are filtered, which of those names
// suppressed something (UselessSuppression reports the rest).
struct IgnoreComment {
  Range range;
  bool global = false;
  uint32_t line = 0; // the instruction it applies to (0-based start line); unused when global
  std::set<std::string> ids;
  std::set<std::string> used;
};

struct Suppressions {
  std::set<std::string> global;                      // lowercased ids/aliases, or "all"
  std::map<uint32_t, std::set<std::string>> byLine;  // 0-based instruction start line -> ids
  std::vector<IgnoreComment> comments;               // `# dfc|hadolint [global] ignore=` comments
};

void addIds(std::set<std::string> &into, llvm::StringRef list, bool lowercase = true) {
  llvm::SmallVector<llvm::StringRef, 8> parts;
  list.split(parts, ',', -1, false);
  for (llvm::StringRef p : parts) {
    p = p.trim();
    // `# hadolint ignore=DL3008 trailing words` -> take the first word only
    p = p.split(' ').first;
    if (!p.empty())
      into.insert(lowercase ? p.lower() : p.str());
  }
}

Suppressions collect(const SyntaxTree &tree) {
  Suppressions s;
  if (const Directive *check = tree.directive("check")) {
    llvm::SmallVector<llvm::StringRef, 4> opts;
    llvm::StringRef(check->value).split(opts, ';');
    for (llvm::StringRef o : opts) {
      o = o.trim();
      if (o.consume_front("skip="))
        addIds(s.global, o);
    }
  }
  // Instruction start lines in order, to attach a comment to the next instruction; filled at
  // the first ignore comment (most files have none).
  std::vector<uint32_t> starts;
  for (const Range &c : tree.comments) {
    llvm::StringRef text = tree.source.text().slice(c.begin.offset, c.end.offset);
    text = text.drop_front().trim(); // '#'
    bool global = false;
    llvm::StringRef ids;
    if (text.consume_front("hadolint") || text.consume_front("dfc")) {
      text = text.ltrim();
      if (text.consume_front("global")) {
        global = true;
        text = text.ltrim();
      }
      if (!text.consume_front("ignore="))
        continue;
      ids = text;
    } else if (text.consume_front("check=")) {
      // a `# check=skip=...` comment right above an instruction (not a directive)
      llvm::SmallVector<llvm::StringRef, 4> opts;
      text.split(opts, ';');
      for (llvm::StringRef o : opts)
        if (o.trim().consume_front("skip="))
          ids = o.trim().drop_front(5);
      if (ids.empty())
        continue;
    } else {
      continue;
    }
    IgnoreComment record;
    record.range = c;
    record.global = global;
    addIds(record.ids, ids, /*lowercase=*/false); // as written, for messages
    if (global) {
      addIds(s.global, ids);
      s.comments.push_back(std::move(record));
      continue;
    }
    if (starts.empty()) {
      starts.reserve(tree.instructions.size());
      for (const Instruction &ins : tree.instructions)
        starts.push_back(ins.keywordRange.begin.line);
    }
    auto next = std::upper_bound(starts.begin(), starts.end(), c.begin.line);
    if (next != starts.end()) {
      addIds(s.byLine[*next], ids);
      record.line = *next;
      s.comments.push_back(std::move(record));
    }
  }
  return s;
}

// Whether a list of configured ids (`--ignore`, `ignored:`) names rule `r`.
bool configured(const std::set<std::string> &ids, const RuleInfo &r) {
  for (const std::string &id : ids)
    if (answersTo(id, r))
      return true;
  return false;
}

// Whether a suppression list (ignore comments, `check=skip=`) covers rule `r`; "all" covers all.
bool matches(const std::set<std::string> &ids, const RuleInfo &r) {
  for (const std::string &id : ids)
    if (llvm::StringRef(id).equals_insensitive("all") || answersTo(id, r))
      return true;
  return false;
}

// Marks, in every ignore comment that applies to `f`, the names that match its rule.
void markUsed(std::vector<IgnoreComment> &comments, const RuleInfo &r, bool global, uint32_t line) {
  for (IgnoreComment &c : comments) {
    if (c.global != global || (!global && c.line != line))
      continue;
    for (const std::string &id : c.ids)
      if (llvm::StringRef(id).equals_insensitive("all") || answersTo(id, r))
        c.used.insert(id);
  }
}

// UselessSuppression: names in ignore comments that matched no finding. Only names of rules
// that ran can be judged: unknown ids (another tool's codes) and rules disabled by the
// configuration are left alone, since their findings were never computed.
void reportUselessSuppressions(Suppressions &sup, const Config &config, std::vector<Finding> &out) {
  if (sup.comments.empty())
    return;
  static const Rule *const self = findRule("UselessSuppression");
  if (!self || configured(config.ignored, self->info) || matches(sup.global, self->info))
    return;
  for (const IgnoreComment &c : sup.comments) {
    // `# dfc ignore=UselessSuppression,X` silences the report about X; `all` does not count,
    // or an unused `ignore=all` could never be reported.
    if (!c.global && sup.byLine.count(c.line)) {
      std::set<std::string> named = sup.byLine[c.line];
      named.erase("all");
      if (matches(named, self->info))
        continue;
    }
    for (const std::string &id : c.ids) {
      if (c.used.count(id))
        continue;
      if (!llvm::StringRef(id).equals_insensitive("all")) {
        const Rule *r = findRule(id);
        if (!r || r == self || configured(config.ignored, r->info))
          continue;
        // Their findings are added by the caller after lint() (external tool, IR diagnostics).
        llvm::StringRef rid(r->info.id);
        if (rid == "ShellCheck" || rid == "SyntaxError")
          continue;
      }
      Finding f;
      f.rule = &self->info;
      f.range = c.range;
      f.severity = self->info.severity;
      for (auto &[oid, sev] : config.overrides)
        if (answersTo(oid, self->info))
          f.severity = sev;
      f.message = "Suppression of '" + id + "' has no effect: " +
                  (c.global ? std::string("nothing in the file triggers it")
                            : std::string("the next instruction does not trigger it"));
      out.push_back(std::move(f));
    }
  }
}

} // namespace

// The rules that judge one of the kinds in `present`, in allRules() order:
// worked out once per kind set, per thread (files share a few sets), rather than 87 tests, each a
// branch that follows the file, before every file's rules.
static llvm::ArrayRef<const Rule *> rulesFor(uint32_t present) {
  thread_local llvm::DenseMap<uint32_t, std::vector<const Rule *>> bySet;
  auto [it, added] = bySet.try_emplace(present);
  if (added) {
    if (bySet.size() > 4096) { // a bound on what a long-running process keeps
      bySet.clear();
      it = bySet.try_emplace(present).first;
    }
    const std::vector<const Rule *> &rules = allRules();
    llvm::ArrayRef<uint32_t> reads = ruleReads();
    for (size_t i = 0; i < rules.size(); ++i)
      if (reads[i] & present)
        it->second.push_back(rules[i]);
  }
  return it->second;
}

// lint() and lintEveryRule(): `skipByKind` false runs every enabled rule whatever the file holds.
static Result run(const SyntaxTree &tree, const Program &program, const Config &config, bool skipByKind) {
  Context ctx(tree, program, config);
  // One walk for the kinds the file has; a rule none of whose kinds appear is not run.
  uint32_t present = 0;
  for (const Instruction &ins : tree.instructions)
    present |= kindBit(ins.kind);
  for (const Rule *r : skipByKind ? rulesFor(present) : llvm::ArrayRef<const Rule *>(allRules())) {
    if (!config.ignored.empty() && configured(config.ignored, r->info))
      continue;
    ctx.setRule(r);
    r->check(ctx);
  }
  Result result;
  result.findings = ctx.takeFindings();
  std::vector<Finding> &all = result.findings;
  Suppressions sup;
  if (!config.disableIgnorePragma)
    sup = collect(tree);
  // Instruction line spans, to map a finding to the instruction it lies in. Instructions do
  // not overlap and come in order, so the one holding a line is the last starting at or before it.
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  if (!sup.byLine.empty()) {
    spans.reserve(tree.instructions.size());
    for (const Instruction &ins : tree.instructions)
      spans.push_back({ins.keywordRange.begin.line, ins.range.end.line});
  }
  // Filtered in place: a finding moves only when one before it was suppressed.
  size_t kept = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    Finding &f = all[i];
    if (!sup.global.empty() && matches(sup.global, *f.rule)) {
      markUsed(sup.comments, *f.rule, true, 0);
      continue;
    }
    if (!sup.byLine.empty()) {
      uint32_t line = f.range.begin.line;
      auto after = std::upper_bound(spans.begin(), spans.end(), line,
                                    [](uint32_t l, const std::pair<uint32_t, uint32_t> &s) { return l < s.first; });
      if (after != spans.begin() && line <= std::prev(after)->second) {
        uint32_t start = std::prev(after)->first;
        auto it = sup.byLine.find(start);
        if (it != sup.byLine.end() && matches(it->second, *f.rule)) {
          markUsed(sup.comments, *f.rule, false, start);
          continue;
        }
      }
    }
    for (auto &[id, sev] : config.overrides)
      if (answersTo(id, *f.rule))
        f.severity = sev;
    if (kept != i)
      all[kept] = std::move(f);
    ++kept;
  }
  all.erase(all.begin() + kept, all.end());
  reportUselessSuppressions(sup, config, result.findings);
  // In source order, rules' order kept among equal offsets: (offset, index) keys sorted, then the
  // findings moved along the permutation's cycles in place (a new vector and a key vector were 2
  // of lint's ~10 mallocs per corpus file; most files' findings come out of order).
  std::vector<Finding> &fs = result.findings;
  if (!std::is_sorted(fs.begin(), fs.end(), [](const Finding &a, const Finding &b) {
        return a.range.begin.offset < b.range.begin.offset;
      })) {
    llvm::SmallVector<uint64_t, 64> keys(fs.size());
    for (size_t i = 0; i < fs.size(); ++i)
      keys[i] = uint64_t(fs[i].range.begin.offset) << 32 | i;
    std::sort(keys.begin(), keys.end());
    // from[p]: the finding that goes to p; p once it is there.
    llvm::SmallVector<uint32_t, 64> from(fs.size());
    for (size_t p = 0; p < fs.size(); ++p)
      from[p] = static_cast<uint32_t>(keys[p]);
    for (uint32_t start = 0; start < fs.size(); ++start) {
      if (from[start] == start)
        continue;
      Finding moving = std::move(fs[start]);
      uint32_t p = start;
      while (from[p] != start) {
        uint32_t q = from[p];
        fs[p] = std::move(fs[q]);
        from[p] = p;
        p = q;
      }
      fs[p] = std::move(moving);
      from[p] = p;
    }
  }
  return result;
}

Result lint(const SyntaxTree &tree, const Program &program, const Config &config) {
  return run(tree, program, config, true);
}

Result lintEveryRule(const SyntaxTree &tree, const Program &program, const Config &config) {
  return run(tree, program, config, false);
}

} // namespace dfc::lint
