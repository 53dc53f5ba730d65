// Hand-written pieces of BuildKit's line parsers that need no grammar: builder-flag extraction
// (a prefix scan) and heredoc markers (which reuse the shell lexer, as BuildKit does).
#include "frontend/LineParsers.h"

#include "frontend/shell/ShellLex.h"

#include <llvm/ADT/StringExtras.h>

#include <algorithm>

namespace dfc {

bool startsJsonArray(llvm::StringRef text) {
  size_t lead = 0;
  while (lead < text.size() && (text[lead] == ' ' || (text[lead] >= '\t' && text[lead] <= '\r')))
    ++lead;
  return lead < text.size() && text[lead] == '[';
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool isUnicodeSpace(uint32_t cp) {
  switch (cp) {
  case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
  case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

namespace {
bool isFlagSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

class EmptyEnvironment : public shell::Environment {
public:
  const std::string *lookup(llvm::StringRef) const override { return nullptr; }
};

size_t countQuotes(llvm::StringRef s) { return s.count('\'') + s.count('"'); }
} // namespace

uint32_t extractBuilderFlags(llvm::StringRef line, char escape, std::vector<Span> &flags) {
  enum { InSpaces, InWord, InQuote } phase = InSpaces;
  std::string word;
  uint32_t wordBegin = 0;
  char quote = 0;
  bool blankOk = false;
  const uint32_t n = static_cast<uint32_t>(line.size());
  auto push = [&](uint32_t end) {
    flags.push_back({word, wordBegin, end});
  };
  for (uint32_t pos = 0; pos <= n; ++pos) {
    char ch = pos < n ? line[pos] : 0;
    if (phase == InSpaces) {
      if (pos == n)
        break;
      if (isFlagSpace(ch))
        continue;
      if (ch != '-' || pos + 1 == n || line[pos + 1] != '-')
        return pos;
      phase = InWord;
      wordBegin = pos;
    }
    if (pos == n) {
      if (word != "--" && (blankOk || !word.empty()))
        push(pos);
      break;
    }
    if (phase == InWord) {
      if (isFlagSpace(ch)) {
        phase = InSpaces;
        if (word == "--")
          return pos;
        if (blankOk || !word.empty())
          push(pos);
        word.clear();
        blankOk = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blankOk = true;
        phase = InQuote;
        continue;
      }
      if (ch == escape) {
        if (pos + 1 == n)
          continue; // a trailing escape is skipped
        ch = line[++pos];
      }
      word.push_back(ch);
      continue;
    }
    // InQuote
    if (ch == quote) {
      phase = InWord;
      continue;
    }
    if (ch == escape) {
      if (pos + 1 == n) {
        phase = InWord;
        continue;
      }
      ch = line[++pos];
    }
    word.push_back(ch);
  }
  return n;
}

HeredocWord parseHeredocWord(llvm::StringRef src) {
  HeredocWord out;
  // ^(\d*)<<(-?)\s*([^<]*)$
  size_t i = 0;
  while (i < src.size() && llvm::isDigit(src[i]))
    ++i;
  llvm::StringRef digits = src.take_front(i);
  llvm::StringRef rest = src.drop_front(i);
  if (!rest.consume_front("<<"))
    return out;
  bool chomp = rest.consume_front("-");
  rest = rest.ltrim(" \t\n\f\r");
  if (rest.contains('<') || rest.empty())
    return out;
  EmptyEnvironment env;
  shell::LexOptions opts;
  opts.skipUnsetEnv = true;
  shell::WordsResult words = shell::processWords(rest, env, opts);
  if (!words.ok()) {
    out.isHeredoc = true;
    out.error = words.error;
    return out;
  }
  if (words.words.size() != 1)
    return out;
  opts.rawQuotes = true;
  shell::WordsResult raw = shell::processWords(rest, env, opts);
  if (!raw.ok() || raw.words.size() != 1) {
    out.isHeredoc = true;
    out.error = "internal lexing of heredoc produced inconsistent results: " + rest.str();
    return out;
  }
  out.isHeredoc = true;
  out.heredoc.name = words.words[0];
  out.heredoc.chomp = chomp;
  out.heredoc.expand = countQuotes(words.words[0]) == countQuotes(raw.words[0]);
  unsigned long long fd = 0;
  if (!digits.empty() && digits.getAsInteger(10, fd))
    fd = 0;
  out.heredoc.fileDescriptor = static_cast<unsigned>(fd);
  return out;
}

std::vector<Heredoc> heredocsFromLine(llvm::StringRef line) {
  std::vector<Heredoc> out;
  EmptyEnvironment env;
  shell::LexOptions opts;
  opts.rawQuotes = true;
  opts.rawEscapes = true;
  opts.skipUnsetEnv = true;
  shell::WordsResult words = shell::processWords(line, env, opts);
  for (const std::string &w : words.words) {
    HeredocWord h = parseHeredocWord(w);
    if (h.isHeredoc && h.error.empty())
      out.push_back(std::move(h.heredoc));
  }
  return out;
}

} // namespace dfc
