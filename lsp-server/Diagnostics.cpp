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

// Which findings mark code the editor should fade (unnecessary) or strike through (deprecated).
void addTags(llvm::StringRef rule, std::vector<DiagnosticTag> &tags) {
  static const char *const unnecessary[] = {"RedundantTargetPlatform", "NoEmptyContinuation"};
  static const char *const deprecated[] = {"MaintainerDeprecated", "LegacyKeyValueFormat"};
  for (const char *id : unnecessary)
    if (rule == id)
      tags.push_back(DiagnosticTag::Unnecessary);
  for (const char *id : deprecated)
    if (rule == id)
      tags.push_back(DiagnosticTag::Deprecated);
}

} // namespace

std::vector<Diagnostic> diagnostics(const Document &doc, const std::string &ruleDocsUrl) {
  std::vector<Diagnostic> out;
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
  for (const lint::Finding &f : doc.findings()) {
    Diagnostic x;
    x.range = doc.toLsp(f.range);
    x.severity = toLsp(f.severity);
    if (f.rule) {
      x.code = f.rule->id;
      x.codeHref = link(f.rule->id);
      addTags(f.rule->id, x.tags);
    }
    x.message = f.message;
    out.push_back(std::move(x));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Diagnostic &a, const Diagnostic &b) { return a.range.start < b.range.start; });
  return out;
}

} // namespace dfc::lsp
