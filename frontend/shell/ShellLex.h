// BuildKit's shell lexer (frontend/dockerfile/shell/lex.go): quoting, escapes and $VAR /
// ${VAR...} expansion for the instructions the builder expands, with the escape token as a
// runtime parameter. Pure: text and an environment in, words or an error message out.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dfc::shell {

// Variable lookup used during expansion. Returns nullptr when the variable is unset
// (set-but-empty returns a pointer to an empty string).
class Environment {
public:
  virtual ~Environment() = default;
  virtual const std::string *lookup(llvm::StringRef name) const = 0;
};

// An ordered list of NAME=value pairs; a later entry wins. Case-insensitive names when asked
// (Windows semantics).
class ListEnvironment : public Environment {
public:
  explicit ListEnvironment(bool caseInsensitive = false) : CaseInsensitive(caseInsensitive) {}
  void set(std::string name, std::string value);
  // "NAME=value" (a missing '=' sets an empty value).
  void setPair(llvm::StringRef kv);
  const std::string *lookup(llvm::StringRef name) const override;
  const std::vector<std::pair<std::string, std::string>> &entries() const { return Entries; }

private:
  bool CaseInsensitive;
  std::vector<std::pair<std::string, std::string>> Entries;
};

struct LexOptions {
  char escape = '\\';
  bool rawQuotes = false;         // keep quote characters in the result
  bool rawEscapes = false;        // keep escape characters in the result
  bool skipUnsetEnv = false;      // leave `$UNSET` / `${UNSET}` as written
  bool skipProcessQuotes = false; // do not treat quotes specially at all
};

struct WordResult {
  std::string word;
  std::vector<std::string> matched;   // variables referenced and set (sorted, unique)
  std::vector<std::string> unmatched; // variables referenced and unset (sorted, unique)
  std::string error;                  // BuildKit's message, e.g. `failed to process "${a": ...`
  bool ok() const { return error.empty(); }
};

struct WordsResult {
  std::vector<std::string> words;
  std::vector<std::string> matched;
  std::vector<std::string> unmatched;
  std::string error;
  bool ok() const { return error.empty(); }
};

// ProcessWord: the whole input expands to one string.
WordResult processWord(llvm::StringRef input, const Environment &env, const LexOptions &opts = {});
// ProcessWords: expands, then splits on unquoted whitespace.
WordsResult processWords(llvm::StringRef input, const Environment &env, const LexOptions &opts = {});

} // namespace dfc::shell
