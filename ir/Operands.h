// Parsers for the small languages inside instructions: builder flags (BuildKit's BFlags),
// Go durations, RUN --mount / --device CSV, EXPOSE port specs and heredoc marker words.
#pragma once

#include "ir/Program.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/STLFunctionalExtras.h>
#include <llvm/ADT/SmallVector.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc {

// BuildKit's BFlags: declare the flags an instruction takes, then parse its flag words.
// An instruction declares at most seven flags, with short names: a flat array searched linearly
// costs less than a map's nodes (this runs for every instruction of every file).
class BuilderFlags {
public:
  enum class Type : uint8_t { Bool, String, Strings };
  struct Value {
    Type type = Type::String;
    std::string value;               // bool: "true"/"false"; string: the value or default
    std::vector<std::string> values; // Strings
    llvm::SmallVector<uint32_t, 1> indexes; // which input words set it
    bool used = false;
  };

  void addBool(llvm::StringRef name, bool def = false);
  void addString(llvm::StringRef name, llvm::StringRef def = "");
  void addStrings(llvm::StringRef name);

  // Parses `--name[=value]` words; returns BuildKit's message for the first bad word and sets
  // *badIndex to it. A bare "--" ends the flags.
  std::optional<std::string> parse(llvm::ArrayRef<llvm::StringRef> words, size_t *badIndex = nullptr);
  std::optional<std::string> parse(const std::vector<std::string> &words, size_t *badIndex = nullptr);

  const Value *get(llvm::StringRef name) const;
  bool isUsed(llvm::StringRef name) const;
  std::vector<std::string> used() const;  // sorted names
  std::vector<std::string> names() const; // every declared flag, sorted

private:
  Value &declare(llvm::StringRef name);
  llvm::SmallVector<std::pair<std::string, Value>, 7> Flags;
};

// "did you mean X?" as BuildKit's suggest package: closest option by Levenshtein distance.
std::optional<std::string> suggestClosest(llvm::StringRef value, const std::vector<std::string> &options,
                                          bool caseSensitive);

// Go's time.ParseDuration, in nanoseconds; nullopt + message on error.
std::optional<int64_t> parseGoDuration(llvm::StringRef s, std::string *error);

// Go's encoding/csv reading one record (quotes, doubled quotes). nullopt on bad quoting.
std::optional<std::vector<std::string>> splitCsv(llvm::StringRef line, std::string *error);

struct DeviceSpec {
  std::string name;
  bool required = false;
};
std::optional<DeviceSpec> parseDevice(llvm::StringRef csv, std::string *error);

// RUN --mount. With `expand` unset only the instruction-level check runs (`from` may not hold
// a variable) and nothing is returned on success; with it, every value is expanded and the
// mount is validated as BuildKit's dispatch does.
// Expands one value into `out`; false (with *error set) on failure.
using WordExpander = llvm::function_ref<bool(llvm::StringRef word, std::string &out, std::string *error)>;
std::optional<Mount> parseMount(llvm::StringRef csv, const WordExpander *expand, std::string *error);

// One EXPOSE entry: `[ip:][hostPort:]port[-end][/proto]`.
std::optional<PortSpec> parsePortSpec(llvm::StringRef entry, std::string *error);

// A heredoc marker word (`<<EOF`, `3<<-'E'`) as BuildKit's ParseHeredoc sees it; nullopt when
// the word is not a heredoc.
struct HeredocMarker {
  std::string name;
  bool expand = true;
  bool chomp = false;
  unsigned fileDescriptor = 0;
};
std::optional<HeredocMarker> parseHeredocMarker(llvm::StringRef word);

// `(?m)^\t+` removed, as BuildKit's ChompHeredocContent.
std::string chompHeredocContent(llvm::StringRef content);

} // namespace dfc
