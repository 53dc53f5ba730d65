// Diagnostics: every error or warning any layer reports, with a range, a code and a severity.
// Never exceptions: parsers and passes return these next to their results.
#pragma once

#include "frontend/Source.h"

#include <string>
#include <vector>

namespace dfc {

enum class Severity : uint8_t { Error, Warning, Info, Style };

llvm::StringRef severityName(Severity s); // "error", "warning", "info", "style"

struct Diagnostic {
  Range range;
  Severity severity = Severity::Error;
  std::string code;    // "syntax" for parse errors, a rule id for lint findings
  std::string message; // BuildKit's wording where BuildKit has one
};

// "file:line:col: error: message" (1-based line and column), as compilers print.
std::string formatDiagnostic(llvm::StringRef file, const Diagnostic &d);

} // namespace dfc
