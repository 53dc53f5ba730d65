// Code actions for lint findings touching the requested range: the rule's own fix, and comments
// that suppress the rule for this instruction (`# dfc ignore=`) or the whole file.
#include "lsp-server/Features.h"

namespace dfc::lsp {

namespace {

Diagnostic diagnosticOf(const Document &doc, const lint::Finding &f, const std::string &ruleDocsUrl) {
  Diagnostic d;
  d.range = doc.toLsp(f.range);
  d.severity = f.severity == Severity::Error     ? DiagnosticSeverity::Error
               : f.severity == Severity::Warning ? DiagnosticSeverity::Warning
               : f.severity == Severity::Info    ? DiagnosticSeverity::Information
                                                 : DiagnosticSeverity::Hint;
  d.code = f.rule->id;
  if (!ruleDocsUrl.empty())
    d.codeHref = ruleDocsUrl + f.rule->id + ".md";
  d.message = f.message.str();
  return d;
}

// The instruction a finding belongs to: the one whose range holds the finding's start.
const Instruction *instructionOf(const Document &doc, const lint::Finding &f) {
  std::optional<InstructionSite> s = doc.instructionAt(f.range.begin.offset);
  return s ? s->syntax : nullptr;
}

} // namespace

std::vector<CodeAction> codeActions(const Document &doc, const Range &range, const std::string &ruleDocsUrl) {
  std::vector<CodeAction> out;
  const SourceText &src = doc.tree().source;
  for (const lint::Finding &f : doc.findings()) {
    if (!f.rule)
      continue;
    Diagnostic d = diagnosticOf(doc, f, ruleDocsUrl);
    if (!d.range.overlaps(range))
      continue;
    if (f.fix) {
      CodeAction a;
      a.title = f.fix->title.empty() ? "Fix " + std::string(f.rule->id) : f.fix->title.str();
      a.kind = "quickfix";
      a.diagnostics = {d};
      a.isPreferred = true;
      for (const lint::TextEdit &e : f.fix->edits)
        a.edit.changes[doc.uri()].push_back({doc.toLsp(e.range), e.newText.str()});
      out.push_back(std::move(a));
    }
    if (const Instruction *ins = instructionOf(doc, f)) {
      CodeAction a;
      a.title = "Ignore " + std::string(f.rule->id) + " for this instruction";
      a.kind = "quickfix";
      a.diagnostics = {d};
      uint32_t line = ins->range.begin.line;
      llvm::StringRef above = line > 0 ? src.line(line - 1).rtrim() : llvm::StringRef();
      llvm::StringRef body = above.ltrim();
      if (body.consume_front("#") && body.ltrim().startswith("dfc") &&
          body.ltrim().drop_front(3).ltrim().startswith("ignore=")) {
        // Extend the existing `# dfc ignore=A` comment: `# dfc ignore=A,B`.
        uint32_t end = src.lineStart(line - 1) + static_cast<uint32_t>(above.size());
        a.edit.changes[doc.uri()].push_back({doc.toLsp(end, end), "," + std::string(f.rule->id)});
      } else {
        uint32_t start = src.lineStart(line);
        llvm::StringRef lineText = src.line(line);
        std::string indent = lineText.substr(0, lineText.find_first_not_of(" \t")).str();
        a.edit.changes[doc.uri()].push_back(
            {doc.toLsp(start, start), indent + "# dfc ignore=" + f.rule->id + "\n"});
      }
      out.push_back(std::move(a));
    }
    CodeAction g;
    g.title = "Ignore " + std::string(f.rule->id) + " in this file";
    g.kind = "quickfix";
    g.diagnostics = {d};
    // After the directives: a comment above them would turn them into plain comments.
    uint32_t line = 0;
    for (const Directive &dir : doc.tree().directives)
      line = std::max(line, dir.range.end.line + 1);
    uint32_t at = line < src.lineCount() ? src.lineStart(line) : static_cast<uint32_t>(src.text().size());
    std::string prefix =
        at == src.text().size() && !src.text().empty() && src.text().back() != '\n' ? "\n" : "";
    g.edit.changes[doc.uri()].push_back(
        {doc.toLsp(at, at), prefix + "# dfc global ignore=" + f.rule->id + "\n"});
    out.push_back(std::move(g));
  }
  return out;
}

} // namespace dfc::lsp
