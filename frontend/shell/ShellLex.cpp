// BuildKit's shell lexer: quote and escape processing, $VAR / ${VAR...} expansion and word
// splitting, reproducing frontend/dockerfile/shell/lex.go including its error texts and quirks.
#include "frontend/shell/ShellLex.h"

#include "frontend/shell/UnicodeTables.h"

#include <algorithm>
#include <cstdint>

namespace dfc::shell {

namespace {

constexpr int32_t EndOfInput = -1;
constexpr int32_t ReplacementRune = 0xFFFD;
// Deeper `${a:-${b:-...}}` nesting than this is refused instead of exhausting the stack; real
// Dockerfiles nest two or three levels.
constexpr unsigned MaxNesting = 200;

struct DecodedRune {
  int32_t rune;
  unsigned width;
};

// utf8.DecodeRune: an invalid or truncated sequence reads as U+FFFD with width 1.
DecodedRune decodeRune(llvm::StringRef s, size_t pos) {
  auto byte = [&](size_t i) -> unsigned { return static_cast<unsigned char>(s[i]); };
  size_t left = s.size() - pos;
  unsigned b0 = byte(pos);
  if (b0 < 0x80)
    return {static_cast<int32_t>(b0), 1};
  const DecodedRune invalid{ReplacementRune, 1};
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < left && byte(pos + i) >= lo && byte(pos + i) <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1))
      return invalid;
    return {static_cast<int32_t>(((b0 & 0x1F) << 6) | (byte(pos + 1) & 0x3F)), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2))
      return invalid;
    return {static_cast<int32_t>(((b0 & 0x0F) << 12) | ((byte(pos + 1) & 0x3F) << 6) |
                                 (byte(pos + 2) & 0x3F)),
            3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3))
      return invalid;
    return {static_cast<int32_t>(((b0 & 0x07) << 18) | ((byte(pos + 1) & 0x3F) << 12) |
                                 ((byte(pos + 2) & 0x3F) << 6) | (byte(pos + 3) & 0x3F)),
            4};
  }
  return invalid;
}

// Go's string(rune): anything that is not a valid code point encodes as U+FFFD.
void appendRune(std::string &out, int32_t r) {
  if (r >= 0 && r < 0x80) {
    out.push_back(static_cast<char>(r));
    return;
  }
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
    r = ReplacementRune;
  if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
  }
  out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
}

std::string runeString(int32_t r) {
  std::string s;
  appendRune(s, r);
  return s;
}

// Go's `for _, r := range s` followed by re-encoding: invalid bytes become U+FFFD.
std::vector<int32_t> decodeAll(llvm::StringRef s) {
  std::vector<int32_t> runes;
  runes.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    DecodedRune d = decodeRune(s, pos);
    runes.push_back(d.rune);
    pos += d.width;
  }
  return runes;
}

bool isGoSpace(int32_t r) {
  switch (r) {
  case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
  case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    return true;
  default:
    return r >= 0x2000 && r <= 0x200A;
  }
}

bool isLetter(int32_t r) {
  if (r < 0x80)
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  return unicode::isLetter(static_cast<char32_t>(r));
}

bool isDigit(int32_t r) {
  if (r < 0x80)
    return r >= '0' && r <= '9';
  return unicode::isDigit(static_cast<char32_t>(r));
}

// text/scanner as lex.go drives it: Peek/Next over runes, EndOfInput at the end, and a byte
// order mark skipped when it is the very first character.
class RuneScanner {
public:
  explicit RuneScanner(llvm::StringRef text) : Text(text) {
    if (Text.startswith("\xEF\xBB\xBF"))
      Pos = 3;
  }
  int32_t peek() const { return Pos < Text.size() ? decodeRune(Text, Pos).rune : EndOfInput; }
  // The longest run of ASCII bytes from here for which `plain` holds, consumed.
  template <typename Pred> llvm::StringRef takeAscii(Pred plain) {
    size_t start = Pos;
    while (Pos < Text.size() && static_cast<unsigned char>(Text[Pos]) < 0x80 && plain(Text[Pos]))
      ++Pos;
    return Text.slice(start, Pos);
  }
  int32_t next() {
    if (Pos >= Text.size())
      return EndOfInput;
    DecodedRune d = decodeRune(Text, Pos);
    Pos += d.width;
    return d.rune;
  }

private:
  llvm::StringRef Text;
  size_t Pos = 0;
};

// strconv.Quote, used by the `failed to process %q` wrapping.
std::string goQuote(llvm::StringRef s) {
  static const char Hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t pos = 0; pos < s.size();) {
    DecodedRune d = decodeRune(s, pos);
    int32_t r = d.rune;
    if (d.width == 1 && r == ReplacementRune) {
      unsigned b = static_cast<unsigned char>(s[pos]);
      out += "\\x";
      out.push_back(Hex[b >> 4]);
      out.push_back(Hex[b & 0xF]);
    } else if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (r >= 0x20 && r != 0x7F && (r < 0x80 || unicode::isPrint(static_cast<char32_t>(r)))) {
      out.append(s.data() + pos, d.width);
    } else {
      switch (r) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default: {
        int digits = r < 0x20 || r == 0x7F ? 2 : r < 0x10000 ? 4 : 8;
        out += digits == 2 ? "\\x" : digits == 4 ? "\\u" : "\\U";
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
          out.push_back(Hex[(r >> shift) & 0xF]);
      }
      }
    }
    pos += d.width;
  }
  out.push_back('"');
  return out;
}

// ---- Shell patterns (${v#p}, ${v%p}, ${v/p/r}) ----------------------------------------------
// lex.go turns the pattern into a Go regexp; the same language (literal runes, `?` = any rune
// but newline, `*` = any run of them) is matched here directly with a Pike VM, keeping the
// regexp's leftmost-first priorities in O(pattern * value) time.

struct PatternToken {
  enum Kind { Literal, AnyRune, AnyRun } kind;
  int32_t rune = 0;
};

// convertShellPatternToRegex's validation: the escape inside patterns is always a backslash.
bool compilePattern(llvm::StringRef pattern, std::vector<PatternToken> &tokens, std::string &err) {
  RuneScanner scan(pattern);
  for (int32_t tok = scan.next(); tok != EndOfInput; tok = scan.next()) {
    if (tok == '*') {
      // Adjacent stars accept the same match ends in the same priority order as one star.
      if (tokens.empty() || tokens.back().kind != PatternToken::AnyRun)
        tokens.push_back({PatternToken::AnyRun});
      continue;
    }
    if (tok == '?') {
      tokens.push_back({PatternToken::AnyRune});
      continue;
    }
    if (tok == '\\') {
      // `\}` and `\/` only keep the character from ending the ${} / the pattern.
      if (scan.peek() == '}' || scan.peek() == '/')
        continue;
      tok = scan.next();
      if (tok != '*' && tok != '?' && tok != '\\') {
        err = "invalid escape '\\" + runeString(tok) + "'";
        return false;
      }
    }
    tokens.push_back({PatternToken::Literal, tok});
  }
  return true;
}

struct Span {
  size_t begin, end; // rune indexes
};

class PatternMatcher {
public:
  PatternMatcher(const std::vector<PatternToken> &tokens, bool greedy)
      : Tokens(tokens), Greedy(greedy), Seen(tokens.size() + 1, 0) {}

  // The regexp's FindIndex from `from`: the leftmost match, and among matches starting there the
  // one a backtracking matcher would find first.
  std::optional<Span> find(const std::vector<int32_t> &text, size_t from, bool anchored) {
    std::vector<Thread> current, following;
    std::optional<Span> best;
    ++Generation;
    for (size_t pos = from;; ++pos) {
      if (!best && (!anchored || pos == from))
        addThread(current, 0, pos);
      if (current.empty())
        break;
      ++Generation;
      following.clear();
      for (const Thread &t : current) {
        if (t.state == Tokens.size()) {
          best = Span{t.start, pos};
          break; // lower-priority threads lose to this match
        }
        if (pos >= text.size())
          continue;
        const PatternToken &tok = Tokens[t.state];
        int32_t r = text[pos];
        if (tok.kind == PatternToken::Literal ? r == tok.rune : r != '\n')
          addThread(following, tok.kind == PatternToken::AnyRun ? t.state : t.state + 1, t.start);
      }
      std::swap(current, following);
      if (pos >= text.size())
        break;
    }
    return best;
  }

private:
  struct Thread {
    size_t state, start;
  };

  void addThread(std::vector<Thread> &list, size_t state, size_t start) {
    if (Seen[state] == Generation)
      return;
    Seen[state] = Generation;
    if (state < Tokens.size() && Tokens[state].kind == PatternToken::AnyRun) {
      if (Greedy) {
        list.push_back({state, start});
        addThread(list, state + 1, start); // never another star: adjacent stars were merged
      } else {
        addThread(list, state + 1, start);
        list.push_back({state, start});
      }
      return;
    }
    list.push_back({state, start});
  }

  const std::vector<PatternToken> &Tokens;
  bool Greedy;
  std::vector<uint64_t> Seen;
  uint64_t Generation = 0;
};

std::string encodeRunes(const std::vector<int32_t> &runes, size_t from = 0) {
  std::string out;
  out.reserve(runes.size() - from);
  for (size_t i = from; i < runes.size(); ++i)
    appendRune(out, runes[i]);
  return out;
}

// reversePattern: reverse the runes but keep each `\x` pair in order.
std::string reversePattern(llvm::StringRef pattern) {
  std::vector<int32_t> in = decodeAll(pattern), out(in.size());
  size_t n = in.size();
  for (size_t i = 0; i < n;) {
    size_t outIdx = n - 1 - i;
    if (in[i] == '\\' && i + 1 < n) {
      out[outIdx - 1] = in[i];
      out[outIdx] = in[i + 1];
      i += 2;
    } else {
      out[outIdx] = in[i];
      ++i;
    }
  }
  return encodeRunes(out);
}

bool invalidPattern(llvm::StringRef pattern, const std::string &why, std::string &err) {
  err = "invalid pattern (" + pattern.str() + ") in substitution: " + why;
  return false;
}

// ${v#p} / ${v##p}.
bool trimPrefix(llvm::StringRef pattern, llvm::StringRef value, bool greedy, std::string &out,
                std::string &err) {
  std::vector<PatternToken> tokens;
  std::string why;
  if (!compilePattern(pattern, tokens, why))
    return invalidPattern(pattern, why, err);
  std::vector<int32_t> runes = decodeAll(value);
  std::optional<Span> m = PatternMatcher(tokens, greedy).find(runes, 0, true);
  if (!m) {
    out = value.str();
    return true;
  }
  size_t byte = 0;
  for (size_t i = 0; i < m->end; ++i)
    byte += decodeRune(value, byte).width;
  out = value.substr(byte).str();
  return true;
}

// ${v%p} / ${v%%p}: lex.go reverses pattern and value (as runes, so invalid UTF-8 in the value
// comes back as U+FFFD) and trims a prefix.
bool trimSuffix(llvm::StringRef pattern, llvm::StringRef value, bool greedy, std::string &out,
                std::string &err) {
  std::string reversed = reversePattern(pattern);
  std::vector<PatternToken> tokens;
  std::string why;
  if (!compilePattern(reversed, tokens, why))
    return invalidPattern(reversed, why, err);
  std::vector<int32_t> runes = decodeAll(value);
  std::reverse(runes.begin(), runes.end());
  std::optional<Span> m = PatternMatcher(tokens, greedy).find(runes, 0, true);
  std::vector<int32_t> rest(runes.begin() + (m ? m->end : 0), runes.end());
  std::reverse(rest.begin(), rest.end());
  out = encodeRunes(rest);
  return true;
}

// Regexp.ReplaceAllString's template: `$$` is a dollar, `$name` / `${name}` a capture group.
// The pattern has no groups, so only `$0` (the whole match) is non-empty.
void expandTemplate(llvm::StringRef tmpl, llvm::StringRef match, std::string &out) {
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == llvm::StringRef::npos)
      break;
    out += tmpl.substr(0, dollar).str();
    tmpl = tmpl.substr(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl = tmpl.substr(1);
      continue;
    }
    llvm::StringRef str = tmpl;
    bool brace = !str.empty() && str[0] == '{';
    if (brace)
      str = str.substr(1);
    size_t i = 0;
    while (i < str.size()) {
      DecodedRune d = decodeRune(str, i);
      if (!isLetter(d.rune) && !isDigit(d.rune) && d.rune != '_')
        break;
      i += d.width;
    }
    if (i == 0 || (brace && (i >= str.size() || str[i] != '}'))) {
      out.push_back('$'); // malformed: the dollar is literal text
      continue;
    }
    llvm::StringRef name = str.substr(0, i);
    if (brace)
      ++i;
    if (name == "0")
      out += match.str();
    tmpl = str.substr(i);
  }
  out += tmpl.str();
}

// ${v/p/r} and ${v//p/r}.
bool replacePattern(llvm::StringRef pattern, llvm::StringRef replacement, llvm::StringRef value,
                    bool all, std::string &out, std::string &err) {
  std::vector<PatternToken> tokens;
  std::string why;
  if (!compilePattern(pattern, tokens, why))
    return invalidPattern(pattern, why, err);
  std::vector<int32_t> runes;
  std::vector<size_t> offsets; // byte offset of each rune, plus the end
  for (size_t pos = 0; pos < value.size();) {
    DecodedRune d = decodeRune(value, pos);
    runes.push_back(d.rune);
    offsets.push_back(pos);
    pos += d.width;
  }
  offsets.push_back(value.size());
  PatternMatcher matcher(tokens, true);
  if (!all) {
    std::optional<Span> m = matcher.find(runes, 0, false);
    if (!m) {
      out = value.str();
      return true;
    }
    out = value.substr(0, offsets[m->begin]).str();
    out += replacement.str();
    out += value.substr(offsets[m->end]).str();
    return true;
  }
  // Regexp.ReplaceAllString: an empty match right after a match is not replaced, and the
  // search always moves on by at least one rune.
  out.clear();
  size_t searchPos = 0, lastMatchEnd = 0;
  while (searchPos <= runes.size()) {
    std::optional<Span> m = matcher.find(runes, searchPos, false);
    if (!m)
      break;
    out += value.slice(offsets[lastMatchEnd], offsets[m->begin]).str();
    if (m->end > lastMatchEnd || m->begin == 0)
      expandTemplate(replacement, value.slice(offsets[m->begin], offsets[m->end]), out);
    lastMatchEnd = m->end;
    searchPos = m->end > searchPos ? m->end : searchPos + 1;
  }
  out += value.substr(offsets[lastMatchEnd]).str();
  return true;
}

// ---- The lexer -------------------------------------------------------------------------------

class ShellWord {
public:
  ShellWord(llvm::StringRef input, const Environment &env, const LexOptions &opts)
      : Scan(input), Env(env), Opts(opts), Escape(static_cast<unsigned char>(opts.escape)) {}

  // Top-level processStopOn(EOF): the expanded text plus the whitespace-split words.
  bool processAll(std::string &result, std::vector<std::string> &words) {
    bool ok = processStopOn(EndOfInput, Opts.rawEscapes, result, &words);
    TopWords = nullptr;
    return ok;
  }

  // The same expansion without splitting into words (the words are not wanted).
  bool processWord(std::string &result) { return processStopOn(EndOfInput, Opts.rawEscapes, result, nullptr); }

  std::string Error;
  std::vector<std::string> Matched, Unmatched;

private:
  bool fail(std::string message) {
    Error = std::move(message);
    return false;
  }

  // The whitespace-split words of the top-level call. lex.go keeps the word in progress in one
  // buffer shared by every processStopOn and each call resets it, so a nested ${v:-...} inside a
  // word drops what preceded it in that word (ProcessWords("a${x:-b}c") is ["bc"]). Reproduced
  // on purpose: it decides what BuildKit sees, e.g. for EXPOSE and heredoc detection.
  struct Words {
    std::string Current;
    bool InWord = false;
    std::vector<std::string> *List = nullptr;

    void addChar(int32_t ch) {
      if (isGoSpace(ch)) {
        if (InWord && !Current.empty()) {
          List->push_back(std::move(Current));
          Current.clear();
          InWord = false;
        }
        return;
      }
      addRawChar(ch);
    }
    void addRawChar(int32_t ch) {
      appendRune(Current, ch);
      InWord = true;
    }
    void addString(llvm::StringRef s) {
      for (size_t pos = 0; pos < s.size();) {
        DecodedRune d = decodeRune(s, pos);
        addChar(d.rune);
        pos += d.width;
      }
    }
    void addRawString(llvm::StringRef s) {
      Current.append(s.data(), s.size());
      InWord = true;
    }
    void finish() {
      if (!Current.empty()) {
        List->push_back(std::move(Current));
        Current.clear();
        InWord = false;
      }
    }
  };

  bool processStopOn(int32_t stopChar, bool rawEscapes, std::string &result,
                     std::vector<std::string> *wordList) {
    Words words;
    words.List = wordList;
    if (wordList)
      TopWords = &words;
    else if (TopWords)
      TopWords->Current.clear(); // the shared-buffer reset described above
    bool processQuotes = !Opts.skipProcessQuotes;
    // Bytes that need no decision of their own (ASCII, not a quote, `$`, `<`, the escape, the
    // stop character nor, when splitting words, a space) are copied as one run.
    auto plain = [&](char c) {
      return c != '$' && c != '<' && c != Escape && c != stopChar &&
             !(processQuotes && (c == '\'' || c == '"')) &&
             !(wordList && (c == ' ' || (c >= '\t' && c <= '\r')));
    };
    while (true) {
      llvm::StringRef run = Scan.takeAscii(plain);
      if (!run.empty()) {
        result.append(run.data(), run.size());
        if (wordList)
          words.addRawString(run);
      }
      int32_t ch = Scan.peek();
      if (ch == EndOfInput)
        break;
      if (stopChar != EndOfInput && ch == stopChar) {
        Scan.next();
        if (!wordList && TopWords)
          TopWords->Current.clear();
        return true;
      }
      if (ch == '$' || ch == '<' || (processQuotes && (ch == '\'' || ch == '"'))) {
        std::string piece;
        bool ok = ch == '$'    ? processDollar(piece)
                  : ch == '<'  ? processPossibleHeredoc(piece)
                  : ch == '\'' ? processSingleQuote(piece)
                               : processDoubleQuote(rawEscapes, piece);
        if (!ok)
          return false;
        result += piece;
        if (wordList) {
          if (ch == '$')
            words.addString(piece);
          else
            words.addRawString(piece);
        }
        continue;
      }
      ch = Scan.next();
      if (ch == Escape) {
        if (rawEscapes) {
          if (wordList)
            words.addRawChar(ch);
          appendRune(result, ch);
        }
        // The escape token escapes the next character; a trailing one is dropped.
        ch = Scan.next();
        if (ch == EndOfInput)
          break;
        if (wordList)
          words.addRawChar(ch);
      } else if (wordList) {
        words.addChar(ch);
      }
      appendRune(result, ch);
    }
    if (stopChar != EndOfInput)
      return fail("unexpected end of statement while looking for matching " + runeString(stopChar));
    if (wordList) {
      words.finish();
      TopWords = nullptr;
    }
    return true;
  }

  bool processSingleQuote(std::string &result) {
    int32_t ch = Scan.next();
    if (Opts.rawQuotes)
      appendRune(result, ch);
    for (;;) {
      ch = Scan.next();
      if (ch == EndOfInput)
        return fail("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') {
        if (Opts.rawQuotes)
          appendRune(result, ch);
        return true;
      }
      appendRune(result, ch);
    }
  }

  bool processDoubleQuote(bool rawEscapes, std::string &result) {
    int32_t ch = Scan.next();
    if (Opts.rawQuotes)
      appendRune(result, ch);
    for (;;) {
      int32_t next = Scan.peek();
      if (next == EndOfInput)
        return fail("unexpected end of statement while looking for matching double-quote");
      if (next == '"') {
        Scan.next();
        if (Opts.rawQuotes)
          result.push_back('"');
        return true;
      }
      if (next == '$') {
        std::string value;
        if (!processDollar(value))
          return false;
        result += value;
        continue;
      }
      ch = Scan.next();
      if (ch == Escape) {
        if (rawEscapes)
          appendRune(result, ch);
        int32_t escaped = Scan.peek();
        if (escaped == EndOfInput)
          continue; // the closing-quote error follows
        // Only ", $ and the escape itself are escapable; otherwise the escape stays (and with
        // raw escapes it is written twice, as lex.go does).
        if (escaped == '"' || escaped == '$' || escaped == Escape)
          ch = Scan.next();
      }
      appendRune(result, ch);
    }
  }

  // `<<` (or `<<-`) followed by blanks stays one word, so `<<  EOF` and `<<- EOF` split like
  // `<<EOF` and `<<-EOF` (BuildKit's heredoc tests expect both).
  bool processPossibleHeredoc(std::string &result) {
    Scan.next();
    if (Scan.peek() != '<') {
      result = "<";
      return true;
    }
    Scan.next();
    result = "<<";
    if (Scan.peek() == '-')
      appendRune(result, Scan.next());
    for (int32_t ch = Scan.peek(); ch == '\t' || ch == '\r' || ch == ' '; ch = Scan.peek())
      appendRune(result, Scan.next());
    return true;
  }

  // A name: letters, digits and `_`; a leading digit takes just the digits; a special parameter
  // is a name of its own.
  std::string processName() {
    std::string name;
    for (int32_t ch = Scan.peek(); ch != EndOfInput; ch = Scan.peek()) {
      if (name.empty() && isDigit(ch)) {
        while (Scan.peek() != EndOfInput && isDigit(Scan.peek()))
          appendRune(name, Scan.next());
        return name;
      }
      if (name.empty()) {
        switch (ch) {
        case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
          return runeString(Scan.next());
        default:
          break;
        }
      }
      if (!isLetter(ch) && !isDigit(ch) && ch != '_')
        break;
      appendRune(name, Scan.next());
    }
    return name;
  }

  const std::string *getEnv(const std::string &name) {
    const std::string *value = Env.lookup(name);
    (value ? Matched : Unmatched).push_back(name);
    return value;
  }

  struct NestingGuard {
    unsigned &Depth;
    explicit NestingGuard(unsigned &depth) : Depth(depth) { ++Depth; }
    ~NestingGuard() { --Depth; }
  };

  bool processDollar(std::string &result) {
    NestingGuard guard(Depth);
    if (Depth > MaxNesting)
      return fail("syntax error: substitutions nested too deeply");
    Scan.next();
    if (Scan.peek() != '{') {
      std::string name = processName();
      if (name.empty()) {
        result = "$";
        return true;
      }
      const std::string *value = getEnv(name);
      if (!value && Opts.skipUnsetEnv)
        result = "$" + name;
      else
        result = value ? *value : std::string();
      return true;
    }

    Scan.next();
    switch (Scan.peek()) {
    case EndOfInput:
      return fail("syntax error: missing '}'");
    case '{': case '}': case ':':
      return fail("syntax error: bad substitution");
    default:
      break;
    }
    std::string name = processName();
    int32_t ch = Scan.next();
    std::string chs = runeString(ch);
    bool nullIsUnset = false;

    switch (ch) {
    case '}': {
      const std::string *value = getEnv(name);
      if (!value && Opts.skipUnsetEnv)
        result = "${" + name + "}";
      else
        result = value ? *value : std::string();
      return true;
    }
    case ':':
      nullIsUnset = true;
      ch = Scan.next();
      chs += runeString(ch);
      [[fallthrough]];
    case '+': case '-': case '?': case '#': case '%':
      return processModifier(name, ch, chs, nullIsUnset, result);
    case '/':
      return processReplace(name, result);
    default:
      return fail("unsupported modifier (" + chs + ") in substitution");
    }
  }

  bool processModifier(const std::string &name, int32_t ch, const std::string &chs,
                       bool nullIsUnset, std::string &result) {
    bool patternWord = ch == '#' || ch == '%';
    if (nullIsUnset && patternWord)
      return fail("unsupported modifier (" + chs + ") in substitution");
    std::string word;
    if (!processStopOn('}', patternWord, word, nullptr)) {
      if (Scan.peek() == EndOfInput)
        return fail("syntax error: missing '}'");
      return false;
    }
    const std::string *value = getEnv(name);
    if (!value && Opts.skipUnsetEnv) {
      result = "${" + name + chs + word + "}";
      return true;
    }
    bool unsetOrNull = !value || (nullIsUnset && value->empty());
    switch (ch) {
    case '-':
      result = unsetOrNull ? word : *value;
      return true;
    case '+':
      result = unsetOrNull ? std::string() : word;
      return true;
    case '?':
      if (!value)
        return fail(name + ": " + (word.empty() ? "is not allowed to be unset" : word));
      if (nullIsUnset && value->empty())
        return fail(name + ": " + (word.empty() ? "is not allowed to be empty" : word));
      result = *value;
      return true;
    case '#':
    case '%': {
      // One marker is the shortest match, a doubled one the longest.
      bool greedy = !word.empty() && static_cast<unsigned char>(word[0]) == ch;
      llvm::StringRef pattern = llvm::StringRef(word).drop_front(greedy ? 1 : 0);
      llvm::StringRef subject = value ? llvm::StringRef(*value) : llvm::StringRef();
      return ch == '%' ? trimSuffix(pattern, subject, greedy, result, Error)
                       : trimPrefix(pattern, subject, greedy, result, Error);
    }
    default:
      return fail("unsupported modifier (" + chs + ") in substitution");
    }
  }

  bool processReplace(const std::string &name, std::string &result) {
    bool all = Scan.peek() == '/';
    if (all)
      Scan.next();
    std::string pattern, replacement;
    if (!processStopOn('/', true, pattern, nullptr)) {
      if (Scan.peek() == EndOfInput)
        return fail("syntax error: missing '/' in ${}");
      return false;
    }
    if (!processStopOn('}', true, replacement, nullptr)) {
      if (Scan.peek() == EndOfInput)
        return fail("syntax error: missing '}'");
      return false;
    }
    const std::string *value = getEnv(name);
    if (!value && Opts.skipUnsetEnv) {
      result = "${" + name + "/" + pattern + "/" + replacement + "}";
      return true;
    }
    llvm::StringRef subject = value ? llvm::StringRef(*value) : llvm::StringRef();
    return replacePattern(pattern, replacement, subject, all, result, Error);
  }

  RuneScanner Scan;
  const Environment &Env;
  const LexOptions &Opts;
  int32_t Escape;
  unsigned Depth = 0;
  Words *TopWords = nullptr;
};

void sortUnique(std::vector<std::string> &names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

bool equalKeys(llvm::StringRef a, llvm::StringRef b, bool caseInsensitive) {
  return caseInsensitive ? a.equals_insensitive(b) : a == b;
}

} // namespace

void ListEnvironment::set(std::string name, std::string value) {
  for (auto &entry : Entries)
    if (equalKeys(entry.first, name, CaseInsensitive)) {
      entry.second = std::move(value);
      return;
    }
  Entries.emplace_back(std::move(name), std::move(value));
}

void ListEnvironment::setPair(llvm::StringRef kv) {
  auto [name, value] = kv.split('=');
  set(name.str(), value.str());
}

const std::string *ListEnvironment::lookup(llvm::StringRef name) const {
  for (auto it = Entries.rbegin(); it != Entries.rend(); ++it)
    if (equalKeys(it->first, name, CaseInsensitive))
      return &it->second;
  return nullptr;
}

WordResult processWord(llvm::StringRef input, const Environment &env, const LexOptions &opts) {
  ShellWord sw(input, env, opts);
  WordResult out;
  out.word.reserve(input.size());
  if (!sw.processWord(out.word)) {
    out.word.clear();
    out.error = "failed to process " + goQuote(input) + ": " + sw.Error;
  }
  out.matched = std::move(sw.Matched);
  out.unmatched = std::move(sw.Unmatched);
  sortUnique(out.matched);
  sortUnique(out.unmatched);
  return out;
}

WordsResult processWords(llvm::StringRef input, const Environment &env, const LexOptions &opts) {
  ShellWord sw(input, env, opts);
  WordsResult out;
  std::string word;
  if (!sw.processAll(word, out.words)) {
    out.words.clear();
    out.error = "failed to process " + goQuote(input) + ": " + sw.Error;
  }
  out.matched = std::move(sw.Matched);
  out.unmatched = std::move(sw.Unmatched);
  sortUnique(out.matched);
  sortUnique(out.unmatched);
  return out;
}

} // namespace dfc::shell
