// Renders lint findings for people (tty) and for tools (json, sarif, checkstyle, gnu, codeclimate,
// gitlab, junit, github annotations), and applies fixes to text. No IO: callers print and write.
#pragma once

#include "ir/passes/lint/Lint.h"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <optional>
#include <string>
#include <vector>

namespace dfc::lint {

enum class OutputFormat : uint8_t { Tty, Json, Sarif, Checkstyle, Gnu, CodeClimate, GitLab, JUnit, GitHub };

// "tty", "json", ... -> format; nullopt for an unknown name.
std::optional<OutputFormat> parseOutputFormat(llvm::StringRef name);
// Every format name, in the order --help lists them.
const std::vector<std::string> &outputFormatNames();

// One linted file: its name as shown to the user, its text (for source lines in tty output) and
// its findings in position order.
struct FileReport {
  std::string file;
  const SourceText *source = nullptr;
  std::vector<Finding> findings;
};

struct FormatOptions {
  bool color = false; // ANSI colours in tty output; the caller decides (isatty, NO_COLOR)
  std::string toolVersion = "0.0.0";
  // Prefix of a rule's documentation page; the page is <docsBase><ID>.md.
  std::string docsBase = "https://github.com/dfc-build/dfc/blob/main/docs/rules/";
};

// Receives a report in pieces as it is rendered; a piece is valid only during the call.
using ReportSink = llvm::function_ref<void(llvm::StringRef)>;

// The whole report for every file, in the given format. Machine formats are one document for all
// files (a JSON array, one SARIF run, one checkstyle file...); tty and gnu are line oriented.
std::string formatReport(OutputFormat format, const std::vector<FileReport> &files,
                         const FormatOptions &options = {});
// The same text, handed to `sink` in pieces of up to 64 KiB as it is rendered: no string of the
// whole report is built (`dfc lint` writes each piece to stdout).
void formatReport(OutputFormat format, const std::vector<FileReport> &files, const FormatOptions &options,
                  ReportSink sink);

// Applies the fixes of `findings` to `text`. A fix is taken whole or not at all: one whose edits
// overlap an already taken fix's edits is skipped (a later re-lint can pick it up). Edits must lie
// inside `text`. Returns the new text; `applied` (if given) counts the fixes taken.
std::string applyFixes(llvm::StringRef text, const std::vector<Finding> &findings, size_t *applied = nullptr);

// Severity from its name ("error", "warning", "info", "style"); nullopt otherwise.
std::optional<Severity> parseSeverity(llvm::StringRef name);

} // namespace dfc::lint
