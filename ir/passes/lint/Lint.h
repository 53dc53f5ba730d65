// The linter's core: rule metadata as data, findings with ranges and fixes, configuration, and
// the entry point that runs every enabled rule over a parsed and built program. No IO.
#pragma once

#include "frontend/SyntaxTree.h"
#include "ir/Program.h"

#include <llvm/ADT/SmallVector.h>

#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace dfc::lint {

enum class RuleSource : uint8_t { Hadolint, BuildKit, DockerfileUtils, Dfc };
llvm::StringRef ruleSourceName(RuleSource s);

struct RuleInfo {
  const char *id;                   // dfc's id, BuildKit-style CamelCase: "StageNameCasing"
  std::vector<const char *> aliases; // "DL3006", BuildKit's name when it differs, ...
  Severity severity;                // default severity
  RuleSource source;
  const char *summary;              // one line, for --list and SARIF shortDescription
};

// A finding's text: static text (a string literal: kept by pointer, nothing allocated or copied) or
// a string it owns (a message built for this finding). Most findings' messages are literals.
// Read it as a StringRef (implicit, no copy); str() or an explicit std::string conversion copies it.
class Message {
public:
  Message() = default;
  // A string literal (a char array: it must have static storage, as literals do).
  template <size_t N> Message(const char (&literal)[N]) : Static(literal), Size(N - 1) {}
  // A writable char array is a buffer, not a literal (it would bind to the overload above):
  // copied up to its terminator.
  template <size_t N> Message(char (&buffer)[N]) : Owned(buffer, ::strnlen(buffer, N)) {}
  // A `const char *` whose storage is not known: copied (overloads: arrays pick the one above).
  template <typename T, typename = std::enable_if_t<std::is_same_v<T, const char *> || std::is_same_v<T, char *>>>
  Message(T text) : Owned(text ? text : "") {}
  Message(std::string text) : Owned(std::move(text)) {}
  // Text that outlives every finding (a literal picked at run time: `a ? "x" : "yy"`).
  static Message fromStatic(const char *text) {
    Message m;
    m.Static = text;
    m.Size = static_cast<uint32_t>(std::char_traits<char>::length(text));
    return m;
  }

  llvm::StringRef ref() const { return Static ? llvm::StringRef(Static, Size) : llvm::StringRef(Owned); }
  // Whether the text is a literal (static storage): the same data() and size() are the same text,
  // so a report renders it once.
  bool isStatic() const { return Static != nullptr; }
  operator llvm::StringRef() const { return ref(); }
  explicit operator std::string() const { return ref().str(); }
  std::string str() const { return ref().str(); }
  const char *data() const { return ref().data(); }
  size_t size() const { return ref().size(); }
  bool empty() const { return ref().empty(); }
  friend bool operator==(const Message &a, llvm::StringRef b) { return a.ref() == b; }
  friend bool operator!=(const Message &a, llvm::StringRef b) { return a.ref() != b; }
  friend std::string operator+(const std::string &a, const Message &b) { return a + b.ref().str(); }
  friend std::string operator+(std::string &&a, const Message &b) { return std::move(a.append(b.data(), b.size())); }

private:
  const char *Static = nullptr; // the literal, when not owned
  uint32_t Size = 0;            // the literal's length
  std::string Owned;
};

// A fix's title and text are Messages too: most are literals, kept by pointer. One edit is the
// usual fix: held inline (the corpus's ~2 fixes per file each cost a vector, a title and a text
// copied out of an initializer_list: ~6 of lint's 20 mallocs per file).
struct TextEdit {
  Range range;
  Message newText;
};

struct Fix {
  Message title;
  llvm::SmallVector<TextEdit, 1> edits; // non-overlapping

  // SmallVector's move is not declared noexcept (it never throws for one element type): said here,
  // so a growing std::vector<Finding> moves its findings instead of copying every string.
  Fix() = default;
  Fix(const Fix &) = default;
  Fix(Fix &&) noexcept = default;
  Fix &operator=(const Fix &) = default;
  Fix &operator=(Fix &&) noexcept = default;
};

struct Finding {
  const RuleInfo *rule = nullptr;
  Range range;
  Severity severity = Severity::Warning; // after configuration overrides
  Message message;
  std::optional<Fix> fix;
};
static_assert(std::is_nothrow_move_constructible_v<Finding>, "a growing vector<Finding> must move, not copy");

struct Config {
  std::set<std::string> ignored;                // ids or aliases
  std::map<std::string, Severity> overrides;    // id or alias -> severity
  std::set<std::string> disabledSeverities;     // unused for now; see failure threshold
  std::vector<std::string> trustedRegistries;   // empty = any
  std::map<std::string, std::string> labelSchema; // label -> type (text, url, semver, hash, rfc3339, spdx, email)
  bool strictLabels = false;
  bool disableIgnorePragma = false;
  bool shellcheck = true; // run ShellCheck on RUN bodies when installed (done by the caller)
  // The build context's .dockerignore patterns, one per line as written (comments and blank
  // lines dropped by the caller). Read by CopyIgnoredFile; empty = no .dockerignore. The linter
  // does no IO, so the CLI and the language server fill this from the context directory.
  std::vector<std::string> dockerignore;
};

class Context;
using CheckFn = void (*)(Context &);

struct Rule {
  RuleInfo info;
  CheckFn check;
};

// How an editor may mark a rule's findings (LSP's DiagnosticTag): Unnecessary code is faded,
// a Deprecated form struck through. Data in rules/Rules.def, beside each rule's name.
enum class RuleTag : uint8_t { None, Unnecessary, Deprecated };
RuleTag ruleTag(const RuleInfo &r);

// Every rule, in a stable order (ids unique). Defined in Registry.cpp from rules/*.cpp.
const std::vector<const Rule *> &allRules();
// Finds a rule by id or alias (case-insensitive); nullptr if none.
const Rule *findRule(llvm::StringRef idOrAlias);

struct Result {
  std::vector<Finding> findings; // sorted by position
};

// Runs the enabled rules. `program` must have been built from `tree`.
Result lint(const SyntaxTree &tree, const Program &program, const Config &config = {});

} // namespace dfc::lint
