// dockerfile-utils' JSON-in-single-quotes check: `CMD ['a', 'b']` is not JSON, so BuildKit
// silently takes it as shell form and runs `/bin/sh -c "['a', 'b']"`.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

// `['a', "b"]` with at least one single-quoted string, rewritten with double quotes; "" when the
// text is not such an array.
static std::string doubleQuoted(llvm::StringRef t) {
  if (!t.consume_front("[") || !t.consume_back("]"))
    return "";
  std::string out = "[";
  bool sawSingle = false;
  t = t.trim();
  while (!t.empty()) {
    char q = t[0];
    if (q != '\'' && q != '"')
      return "";
    size_t close = t.find(q, 1);
    if (close == llvm::StringRef::npos)
      return "";
    llvm::StringRef body = t.slice(1, close);
    if (body.contains('\\') || (q == '\'' && body.contains('"')))
      return "";
    sawSingle |= q == '\'';
    out += "\"" + body.str() + "\"";
    t = t.drop_front(close + 1).ltrim();
    if (t.empty())
      break;
    if (!t.consume_front(","))
      return "";
    t = t.ltrim();
    if (t.empty())
      return "";
    out += ", ";
  }
  return sawSingle ? out + "]" : "";
}

static void check(Context &ctx) {
  auto visit = [&](const Instruction &ins) {
    switch (ins.kind) {
    case InstructionKind::Run:
    case InstructionKind::Cmd:
    case InstructionKind::Entrypoint:
    case InstructionKind::Shell:
    case InstructionKind::Volume:
    case InstructionKind::Copy:
    case InstructionKind::Add:
    case InstructionKind::Healthcheck:
      break;
    default:
      return;
    }
    if (ins.json)
      return;
    llvm::StringRef args = ins.argsText();
    // Only an array with a single-quoted string is rewritten: no `'`, nothing to trim or test.
    if (args.find('\'') == llvm::StringRef::npos)
      return;
    uint32_t begin = ins.argsOffset + static_cast<uint32_t>(args.size() - args.ltrim().size());
    args = args.trim();
    if (ins.kind == InstructionKind::Healthcheck) {
      if (!args.startswith_insensitive("CMD"))
        return;
      llvm::StringRef rest = args.drop_front(3);
      begin += static_cast<uint32_t>(args.size() - rest.ltrim().size());
      args = rest.ltrim();
    }
    std::string json = doubleQuoted(args);
    if (json.empty())
      return;
    Range r = ins.rangeOf(ctx.source(), begin, begin + static_cast<uint32_t>(args.size()));
    ctx.report(r, "JSON arrays must use double quotes: this " + instructionName(ins.kind).str() +
                      " is taken as a shell command",
               Context::replace("Use double quotes", r, std::move(json)));
  };
  for (const Instruction &ins : ctx.tree().instructions) {
    visit(ins);
    if (ins.trigger)
      visit(*ins.trigger);
  }
}

const Rule &JsonInSingleQuotes() {
  static const Rule r{{"JsonInSingleQuotes", {}, Severity::Error, RuleSource::DockerfileUtils,
                       "JSON (exec) form must use double quotes"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
