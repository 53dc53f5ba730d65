// Diagnostics as the editor shows them: IR errors (as the `SyntaxError` rule, like `dfc lint`)
// and lint findings, with rule codes, links to the rule pages and unnecessary/deprecated tags.
#include "lsp-server/Features.h"

#include <algorithm>

namespace dfc::lsp {

namespace {

DiagnosticSeverity toLsp(Severity s) {
  switch (s) {
  case Severity::Error:
    return DiagnosticSeverity::Error;
  case Severity::Warning:
    return DiagnosticSeverity::Warning;
  case Severity::Info:
    return DiagnosticSeverity::Information;
  case Severity::Style:
    return DiagnosticSeverity::Hint;
  }
  return DiagnosticSeverity::Warning;
}

// Which findings mark code the editor should fade (unnecessary: it has no effect) or strike
// through (deprecated syntax): rule metadata (lint::ruleTag, from rules/Rules.def).
void addTags(const lint::RuleInfo &rule, std::vector<DiagnosticTag> &tags) {
  switch (lint::ruleTag(rule)) {
  case lint::RuleTag::Unnecessary: tags.push_back(DiagnosticTag::Unnecessary); break;
  case lint::RuleTag::Deprecated: tags.push_back(DiagnosticTag::Deprecated); break;
  case lint::RuleTag::None: break;
  }
}

Diagnostic fromFinding(const Document &doc, const lint::Finding &f, const std::string &ruleDocsUrl) {
  Diagnostic x;
  x.range = doc.toLsp(f.range);
  x.severity = toLsp(f.severity);
  if (f.rule) {
    x.code = f.rule->id;
    if (!ruleDocsUrl.empty())
      x.codeHref = ruleDocsUrl + f.rule->id + ".md";
    addTags(*f.rule, x.tags);
  }
  x.message = f.message.str();
  return x;
}

} // namespace

std::vector<Diagnostic> toDiagnostics(const Document &doc, const std::vector<lint::Finding> &findings,
                                      const std::string &ruleDocsUrl) {
  std::vector<Diagnostic> out;
  out.reserve(findings.size());
  for (const lint::Finding &f : findings)
    out.push_back(fromFinding(doc, f, ruleDocsUrl));
  return out;
}

std::vector<Diagnostic> diagnostics(const Document &doc, const std::string &ruleDocsUrl) {
  std::vector<Diagnostic> out;
  out.reserve(doc.findings().size() + 8);
  auto link = [&](llvm::StringRef id) {
    return ruleDocsUrl.empty() ? std::string() : ruleDocsUrl + id.str() + ".md";
  };
  bool syntaxIgnored = !doc.reportSyntaxErrors();
  for (const dfc::Diagnostic &d : doc.program().diagnostics) {
    if (d.severity != Severity::Error || syntaxIgnored)
      continue;
    Diagnostic x;
    x.range = doc.toLsp(d.range);
    x.severity = DiagnosticSeverity::Error;
    x.code = "SyntaxError";
    x.codeHref = link("SyntaxError");
    x.message = d.message;
    out.push_back(std::move(x));
  }
  for (const lint::Finding &f : doc.findings())
    out.push_back(fromFinding(doc, f, ruleDocsUrl));
  // Findings come sorted from lint(); only IR errors interleaved with them need a sort.
  auto byStart = [](const Diagnostic &a, const Diagnostic &b) { return a.range.start < b.range.start; };
  if (!std::is_sorted(out.begin(), out.end(), byStart))
    std::stable_sort(out.begin(), out.end(), byStart);
  return out;
}

} // namespace dfc::lsp
