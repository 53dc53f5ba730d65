// Printing of diagnostics in the compiler-style one-line form.
#include "frontend/Diagnostic.h"

namespace dfc {

llvm::StringRef severityName(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Info:
    return "info";
  case Severity::Style:
    return "style";
  }
  return "error";
}

std::string formatDiagnostic(llvm::StringRef file, const Diagnostic &d) {
  std::string out = file.str();
  out += ':' + std::to_string(d.range.begin.line + 1) + ':' + std::to_string(d.range.begin.column + 1) +
         ": " + severityName(d.severity).str() + ": " + d.message;
  return out;
}

} // namespace dfc
