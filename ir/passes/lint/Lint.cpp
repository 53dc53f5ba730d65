// Runs the rules: builds the context, applies configuration and inline suppressions
// (`# dfc ignore=`, `# hadolint ignore=`, `# hadolint global ignore=`, `# check=skip=`).
#include "ir/passes/lint/Context.h"

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

void Context::report(Range range, std::string message, std::optional<Fix> fix) {
  Finding f;
  f.rule = &Current->info;
  f.range = range;
  f.severity = Current->info.severity;
  f.message = std::move(message);
  f.fix = std::move(fix);
  Findings.push_back(std::move(f));
}

std::unique_ptr<ShellScript> Context::parseRun(const RunInstruction &run) const {
  const Instruction *syn = run.syntax;
  if (!syn)
    return nullptr;
  if (!run.heredocs.empty() && run.cmd.args.size() == 1 &&
      llvm::StringRef(run.cmd.args[0].raw).trim().startswith("<<") && run.heredocs.size() == 1) {
    // `RUN <<EOF` runs the body as the script: map offsets into the body's source range.
    const HeredocFile &h = run.heredocs[0];
    uint32_t base = h.body.begin.offset;
    return std::make_unique<ShellScript>(
        parseShellScript(h.content, Tree.source, [base](uint32_t off) { return base + off; }));
  }
  if (run.cmd.shellForm && !run.cmd.args.empty())
    return std::make_unique<ShellScript>(
        parseShellScript(run.cmd.args[0].raw, Tree.source, syn->map, syn->argsOffset));
  return nullptr;
}

void Context::indexRuns() {
  RunsIndexed = true;
  for (const Stage &st : Prog.stages)
    for (size_t i = 0; i < st.instructions.size(); ++i)
      if (const RunInstruction *run = st.instructions[i].as<RunInstruction>()) {
        std::unique_ptr<ShellScript> s = parseRun(*run);
        Runs.push_back(RunScript{&st, i, run, s.get()});
        ScriptOf[run] = s.get();
        if (s)
          Scripts.push_back(std::move(s));
      }
  // One index for the program: each name's calls in RUN order, each RUN's in script order.
  for (uint32_t r = 0; r < Runs.size(); ++r) {
    if (!Runs[r].script)
      continue;
    for (const ShellScript::Calls &entry : Runs[r].script->programs()) {
      ProgramIndex &into = Programs[entry.program];
      into.named |= !entry.named.empty();
      for (const ShellCall &c : entry.called)
        into.called.push_back(ProgramCall{r, c.command, c.program});
    }
  }
}

const ShellScript *Context::script(const RunInstruction &run) {
  if (!RunsIndexed)
    indexRuns();
  auto it = ScriptOf.find(&run);
  if (it != ScriptOf.end())
    return it->second;
  // A RUN outside the program's stages (none today): parsed on its own, kept with the others.
  std::unique_ptr<ShellScript> s = parseRun(run);
  const ShellScript *out = s.get();
  ScriptOf[&run] = out;
  if (s)
    Scripts.push_back(std::move(s));
  return out;
}

const std::vector<RunScript> &Context::runs() {
  if (!RunsIndexed)
    indexRuns();
  return Runs;
}

llvm::ArrayRef<ProgramCall> Context::calls(llvm::StringRef name) {
  if (!RunsIndexed)
    indexRuns();
  auto it = Programs.find(name);
  return it == Programs.end() ? llvm::ArrayRef<ProgramCall>() : llvm::ArrayRef<ProgramCall>(it->second.called);
}

bool Context::names(llvm::StringRef name) {
  if (!RunsIndexed)
    indexRuns();
  auto it = Programs.find(name);
  return it != Programs.end() && it->second.named;
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
  for (const auto &entry : Programs)
    if (entry.getValue().named && entry.getKey().startswith(prefix))
      return true;
  return false;
}

bool Context::isReachable(size_t stage) const {
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

Result lint(const SyntaxTree &tree, const Program &program, const Config &config) {
  Context ctx(tree, program, config);
  for (const Rule *r : allRules()) {
    if (configured(config.ignored, r->info))
      continue;
    ctx.setRule(r);
    r->check(ctx);
  }
  std::vector<Finding> all = ctx.takeFindings();
  Suppressions sup;
  if (!config.disableIgnorePragma)
    sup = collect(tree);
  // Instruction line spans, to map a finding to the instruction it lies in. Instructions do
  // not overlap and come in order, so the one holding a line is the last starting at or before it.
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  spans.reserve(tree.instructions.size());
  for (const Instruction &ins : tree.instructions)
    spans.push_back({ins.keywordRange.begin.line, ins.range.end.line});
  Result result;
  result.findings.reserve(all.size());
  for (Finding &f : all) {
    if (matches(sup.global, *f.rule)) {
      markUsed(sup.comments, *f.rule, true, 0);
      continue;
    }
    bool suppressed = false;
    uint32_t line = f.range.begin.line;
    auto after = std::upper_bound(spans.begin(), spans.end(), line,
                                  [](uint32_t l, const std::pair<uint32_t, uint32_t> &s) { return l < s.first; });
    if (!sup.byLine.empty() && after != spans.begin() && line <= std::prev(after)->second) {
      uint32_t start = std::prev(after)->first;
      auto it = sup.byLine.find(start);
      suppressed = it != sup.byLine.end() && matches(it->second, *f.rule);
      if (suppressed)
        markUsed(sup.comments, *f.rule, false, start);
    }
    if (suppressed)
      continue;
    for (auto &[id, sev] : config.overrides)
      if (answersTo(id, *f.rule))
        f.severity = sev;
    result.findings.push_back(std::move(f));
  }
  reportUselessSuppressions(sup, config, result.findings);
  // In source order, rules' order kept among equal offsets. Sorting indices moves each Finding
  // once instead of through stable_sort's buffer.
  auto offset = [&](uint32_t i) { return result.findings[i].range.begin.offset; };
  std::vector<uint32_t> order(result.findings.size());
  for (uint32_t i = 0; i < order.size(); ++i)
    order[i] = i;
  if (!std::is_sorted(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return offset(a) < offset(b); })) {
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return offset(a) < offset(b); });
    std::vector<Finding> sorted;
    sorted.reserve(order.size());
    for (uint32_t i : order)
      sorted.push_back(std::move(result.findings[i]));
    result.findings = std::move(sorted);
  }
  return result;
}

} // namespace dfc::lint
