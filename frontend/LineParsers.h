// BuildKit's argument parsers for one instruction line (parser/line_parsers.go): JSON exec form,
// parseWords, heredoc markers, builder flags. JSON and words are read directly (DirectReaders.cpp);
// the ANTLR grammars in grammar/ are their reference in tests.
#pragma once

#include "frontend/SyntaxTree.h"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <string>
#include <vector>

namespace dfc {

// A piece of an input string: [begin, end) are byte offsets into that input.
struct Span {
  std::string value;
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct JsonArray {
  bool isJson = false;     // the (left-trimmed) text is exactly one valid JSON array
  bool notStrings = false; // valid JSON, but some element is not a string (BuildKit's hard error)
  std::vector<Span> elements;
};

// BuildKit's error for a JSON array with a non-string element.
inline constexpr const char *NotStringArrayError =
    "when using JSON array syntax, arrays must be comprised of strings only";

JsonArray parseJsonArray(llvm::StringRef text);
// The reader behind parseJsonArray, without copies: each top-level string element's [begin, end)
// (quotes included) and its decoded value, a slice of `text` when the string has no escape and
// only printable ASCII, else of `scratch` (valid until the next element). Elements are reported
// as they are read, so a caller drops them unless the result is Strings.
enum class JsonForm { NotJson, NotStrings, Strings };
using JsonElementFn = llvm::function_ref<void(uint32_t begin, uint32_t end, llvm::StringRef value)>;
JsonForm readJsonArray(llvm::StringRef text, std::string &scratch, JsonElementFn element);
// The same through the ANTLR grammar (the reference: parseJsonArray reads the text directly).
JsonArray parseJsonArrayWithGrammar(llvm::StringRef text);

// parseWords: split on unquoted whitespace, quotes and escapes kept (ARG, ENV, LABEL).
std::vector<Span> parseWords(llvm::StringRef text, char escape);
// The same as offsets, with no copy: a word's value is text[begin, valueEnd) (valueEnd < end
// when a trailing escape was dropped) as wordValue gives it.
struct WordBounds {
  uint32_t begin = 0, valueEnd = 0, end = 0;
};
// True when the text is ASCII: then every value is its bytes (replaceInvalidUtf8 has nothing to do).
bool splitWords(llvm::StringRef text, char escape, llvm::SmallVectorImpl<WordBounds> &out);
// A word's value from its bytes: each byte that does not start a valid UTF-8 sequence becomes
// U+FFFD in `replaced`, and the result says so; false means the value is `raw` itself.
bool replaceInvalidUtf8(llvm::StringRef raw, std::string &replaced);
// The same through the ANTLR grammar (the reference: parseWords reads the text directly).
std::vector<Span> parseWordsWithGrammar(llvm::StringRef text, char escape);

// A heredoc marker word such as `<<-'EOF'`; `isHeredoc` false for words that are not markers.
struct HeredocWord {
  bool isHeredoc = false;
  std::string error; // e.g. an unbalanced quote in the delimiter
  Heredoc heredoc;
};
HeredocWord parseHeredocWord(llvm::StringRef word);
// Heredoc markers of a whole logical line, in order (bodies empty).
std::vector<Heredoc> heredocsFromLine(llvm::StringRef line);

// BuildKit's extractBuilderFlags: leading `--words` (quotes removed, escapes processed).
// Returns the offset in `text` where the arguments start; `flags` get offsets into `text`.
uint32_t extractBuilderFlags(llvm::StringRef text, char escape, std::vector<Span> &flags);

// Whitespace as Go's unicode.IsSpace, for one decoded code point.
bool isUnicodeSpace(uint32_t cp);

// Whether `text` may be a JSON exec form: '[' after leading ASCII white space. A cheap exit for
// shell form, shared by the direct reader and the grammar reference.
bool startsJsonArray(llvm::StringRef text);

// Appends `cp` as UTF-8 bytes, surrogates included as three bytes (what the readers decoded from
// `\u` escapes is written back unchanged; llvm::ConvertCodePointToUTF8 refuses surrogates).
void appendUtf8(std::string &out, uint32_t cp);

} // namespace dfc
