// The JSON exec form and BuildKit's parseWords read directly, byte by byte, for every input: the
// ANTLR grammars (GrammarDriver.cpp) stay the reference, and FrontendTests compare both on fixed
// and generated inputs. Driving ANTLR cost more per file than all the rest of the parse.
#include "frontend/LineParsers.h"

#include <llvm/Support/ConvertUTF.h>

#include <array>
#include <cstring>

namespace dfc {
namespace {

// One code point at `p` as GrammarDriver's CodePoints decodes it: a legal UTF-8 sequence, else
// one byte read as U+FFFD. Returns its length in bytes.
unsigned decodeAt(const char *p, const char *end, uint32_t &cp) {
  const auto *u = reinterpret_cast<const llvm::UTF8 *>(p);
  if (*u < 0x80) {
    cp = *u;
    return 1;
  }
  unsigned len = llvm::getNumBytesForUTF8(*u);
  if (len <= static_cast<unsigned>(end - p) && llvm::isLegalUTF8Sequence(u, u + len)) {
    const llvm::UTF8 *s = u;
    llvm::UTF32 out = 0, *o = &out;
    llvm::ConvertUTF8toUTF32(&s, u + len, &o, o + 1, llvm::strictConversion);
    if (s != u) {
      cp = out;
      return static_cast<unsigned>(s - u);
    }
  }
  cp = 0xFFFD;
  return 1;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// ExecForm.g4 is strict JSON (whitespace: space, tab, LF, CR) with an array at the top, read
// here without recursion. Element strings are decoded as Go does (unpaired surrogates and
// invalid UTF-8 become U+FFFD).
class JsonReader {
public:
  JsonReader(llvm::StringRef text, std::string &scratch) : T(text), N(text.size()), Scratch(scratch) {}

  JsonForm read(JsonElementFn element) {
    ws();
    if (I >= N || T[I] != '[')
      return JsonForm::NotJson;
    bool strings = true;
    // Open containers: '[' or '{'. The top array's elements are the ones kept.
    std::string open;
    open.push_back('[');
    ++I;
    ws();
    if (I < N && T[I] == ']') {
      ++I;
      open.pop_back();
    }
    while (!open.empty()) {
      bool inObject = open.back() == '{';
      if (inObject) { // a pair: STRING ':' value
        if (!string(nullptr))
          return JsonForm::NotJson;
        ws();
        if (I >= N || T[I] != ':')
          return JsonForm::NotJson;
        ++I;
        ws();
      }
      // A value.
      if (I >= N)
        return JsonForm::NotJson;
      char c = T[I];
      bool top = open.size() == 1 && !inObject;
      if (c == '"') {
        uint32_t begin = static_cast<uint32_t>(I);
        llvm::StringRef value;
        if (!string(top ? &value : nullptr))
          return JsonForm::NotJson;
        if (top && strings)
          element(begin, static_cast<uint32_t>(I), value);
      } else if (c == '[' || c == '{') {
        strings = strings && !top;
        open.push_back(c);
        ++I;
        ws();
        if (I < N && T[I] == (c == '[' ? ']' : '}')) {
          ++I;
          open.pop_back();
        } else {
          continue; // the first element or pair of the new container
        }
      } else {
        strings = strings && !top;
        if (!literal())
          return JsonForm::NotJson;
      }
      // After a value: ',' and the next one, or the container's end (maybe several).
      while (true) {
        ws();
        if (I >= N)
          return JsonForm::NotJson;
        char close = open.back() == '[' ? ']' : '}';
        if (T[I] == ',') {
          ++I;
          ws();
          break;
        }
        if (T[I] != close)
          return JsonForm::NotJson;
        ++I;
        open.pop_back();
        if (open.empty())
          break;
      }
    }
    ws();
    if (I != N)
      return JsonForm::NotJson;
    return strings ? JsonForm::Strings : JsonForm::NotStrings;
  }

private:
  llvm::StringRef T;
  size_t N;
  size_t I = 0;
  std::string &Scratch; // a decoded value that differs from its raw text

  void ws() {
    while (I < N && (T[I] == ' ' || T[I] == '\t' || T[I] == '\n' || T[I] == '\r'))
      ++I;
  }

  bool hex4(size_t at, uint32_t &v) {
    if (at + 4 > N)
      return false;
    v = 0;
    for (size_t k = 0; k < 4; ++k) {
      int h = hexValue(T[at + k]);
      if (h < 0)
        return false;
      v = v * 16 + static_cast<uint32_t>(h);
    }
    return true;
  }

  // STRING at I (a '"'); its decoded value into *value when given: a slice of the text while it
  // is printable ASCII without escapes (nearly every exec form), else decoded into Scratch.
  bool string(llvm::StringRef *value) {
    if (I >= N || T[I] != '"')
      return false;
    static constexpr auto Plain = [] {
      std::array<bool, 256> t{};
      for (unsigned c = 0x20; c < 0x80; ++c)
        t[c] = c != '"' && c != '\\';
      return t;
    }();
    size_t start = ++I;
    const char *data = T.data();
    while (I < N && Plain[static_cast<unsigned char>(data[I])])
      ++I;
    if (I < N && T[I] == '"') {
      if (value)
        *value = T.slice(start, I);
      ++I;
      return true;
    }
    std::string *out = nullptr;
    if (value) {
      Scratch.assign(T.data() + start, I - start);
      out = &Scratch;
    }
    if (!decodeRest(out))
      return false;
    if (value)
      *value = Scratch;
    return true;
  }

  // The rest of a string from I, decoded into *value when given; I ends after the closing quote.
  bool decodeRest(std::string *value) {
    while (true) {
      if (I >= N)
        return false;
      unsigned char c = static_cast<unsigned char>(T[I]);
      if (c == '"') {
        ++I;
        return true;
      }
      if (c < 0x20)
        return false;
      if (c >= 0x80) {
        uint32_t cp;
        unsigned len = decodeAt(T.data() + I, T.data() + N, cp);
        if (value)
          appendUtf8(*value, cp);
        I += len;
        continue;
      }
      if (c != '\\') {
        if (value)
          value->push_back(static_cast<char>(c));
        ++I;
        continue;
      }
      if (I + 1 >= N)
        return false;
      char e = T[I + 1];
      char plain = 0;
      switch (e) {
      case '"': plain = '"'; break;
      case '\\': plain = '\\'; break;
      case '/': plain = '/'; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': break;
      default: return false;
      }
      if (plain) {
        if (value)
          value->push_back(plain);
        I += 2;
        continue;
      }
      uint32_t cp;
      if (!hex4(I + 2, cp))
        return false;
      I += 6;
      if (cp >= 0xD800 && cp < 0xDC00 && I + 1 < N && T[I] == '\\' && T[I + 1] == 'u') {
        uint32_t lo;
        if (!hex4(I + 2, lo))
          return false;
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          I += 6;
        } else {
          cp = 0xFFFD; // the second escape is read on its own next
        }
      } else if (cp >= 0xD800 && cp < 0xE000) {
        cp = 0xFFFD;
      }
      if (value)
        appendUtf8(*value, cp);
    }
  }

  // NUMBER, true, false or null at I.
  bool literal() {
    llvm::StringRef rest = T.substr(I);
    for (llvm::StringRef word : {"true", "false", "null"})
      if (rest.startswith(word)) {
        I += word.size();
        return true;
      }
    size_t k = I;
    if (k < N && T[k] == '-')
      ++k;
    if (k >= N || !(T[k] >= '0' && T[k] <= '9'))
      return false;
    if (T[k] == '0')
      ++k;
    else
      while (k < N && T[k] >= '0' && T[k] <= '9')
        ++k;
    if (k + 1 < N && T[k] == '.' && T[k + 1] >= '0' && T[k + 1] <= '9') {
      k += 2;
      while (k < N && T[k] >= '0' && T[k] <= '9')
        ++k;
    }
    if (k < N && (T[k] == 'e' || T[k] == 'E')) {
      size_t x = k + 1;
      if (x < N && (T[x] == '+' || T[x] == '-'))
        ++x;
      if (x < N && T[x] >= '0' && T[x] <= '9') {
        while (x < N && T[x] >= '0' && T[x] <= '9')
          ++x;
        k = x;
      }
    }
    I = k;
    return true;
  }
};

} // namespace

JsonForm readJsonArray(llvm::StringRef text, std::string &scratch, JsonElementFn element) {
  if (!startsJsonArray(text))
    return JsonForm::NotJson;
  return JsonReader(text, scratch).read(element);
}

JsonArray parseJsonArray(llvm::StringRef text) {
  JsonArray result;
  std::string scratch;
  std::vector<Span> elements;
  JsonForm form = readJsonArray(text, scratch, [&](uint32_t begin, uint32_t end, llvm::StringRef value) {
    elements.push_back({value.str(), begin, end});
  });
  if (form == JsonForm::NotJson)
    return result;
  result.isJson = true;
  if (form == JsonForm::NotStrings)
    result.notStrings = true;
  else
    result.elements = std::move(elements);
  return result;
}

namespace {
// One instance for ASCII text (nearly all), where a byte is a code point and no white space is
// outside ASCII: the per-byte decode test and Unicode space lookup compile away.
template <bool Ascii>
void splitWordsIn(llvm::StringRef text, char escape, llvm::SmallVectorImpl<WordBounds> &words) {
  // WordsLexer.g4: words are the runs between whitespace (Unicode's, as Go's unicode.IsSpace)
  // outside quotes; the escape token takes the next code point along, even a space or a quote;
  // a double quote runs to its partner with escapes inside, a single quote to its partner with
  // none; an unclosed quote runs to the end. A trailing escape with nothing to escape is dropped
  // from the value (BuildKit's parseWords) but stays in the range.
  const char *base = text.data(), *end = base + text.size();
  auto next = [&](const char *p, uint32_t &cp) -> const char * {
    if (Ascii) {
      cp = static_cast<unsigned char>(*p);
      return p + 1;
    }
    return p + decodeAt(p, end, cp);
  };
  // ASCII white space first: the only kind an ASCII text has.
  auto isSpace = [](uint32_t cp) {
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || (!Ascii && cp >= 0x80 && isUnicodeSpace(cp));
  };
  // ASCII bytes that are neither white space, a quote nor an escape token run on without the
  // branches below (most of a word). The table knows both escape tokens (the only ones the
  // directive allows); another escape takes the branches.
  static constexpr auto Special = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'\t', '\n', '\v', '\f', '\r', ' ', '"', '\'', '\\', '`'})
      t[c] = true;
    return t;
  }();
  const bool skipPlain = Ascii && (escape == '\\' || escape == '`');
  const char *p = base;
  while (p < end) {
    uint32_t cp;
    const char *after = next(p, cp);
    if (isSpace(cp)) {
      p = after;
      continue;
    }
    const char *b = p;
    bool escEnd = false;
    // One code point after an escape, or the escape alone at the very end.
    auto escaped = [&](const char *at) {
      if (at >= end) {
        escEnd = true;
        return at;
      }
      uint32_t ignored;
      return next(at, ignored);
    };
    while (p < end) {
      if (skipPlain) {
        while (p < end && !Special[static_cast<unsigned char>(*p)])
          ++p;
        if (p == end)
          break;
      }
      after = next(p, cp);
      if (isSpace(cp))
        break;
      if (cp == static_cast<unsigned char>(escape)) {
        p = escaped(after);
      } else if (cp == '"') {
        p = after;
        while (p < end) {
          after = next(p, cp);
          if (cp == '"')
            break;
          p = cp == static_cast<unsigned char>(escape) ? escaped(after) : after;
        }
        if (p < end)
          p = after; // the closing quote
      } else if (cp == '\'') {
        p = after;
        while (p < end) {
          after = next(p, cp);
          if (cp == '\'')
            break;
          p = after;
        }
        if (p < end)
          p = after;
      } else {
        p = after;
      }
    }
    const char *valueEnd = escEnd ? p - 1 : p;
    words.push_back({static_cast<uint32_t>(b - base), static_cast<uint32_t>(valueEnd - base),
                     static_cast<uint32_t>(p - base)});
  }
}
} // namespace

bool splitWords(llvm::StringRef text, char escape, llvm::SmallVectorImpl<WordBounds> &words) {
  // ASCII or not, 8 bytes a step.
  const char *q = text.data(), *end = q + text.size();
  uint64_t bits = 0;
  for (; end - q >= 8; q += 8) {
    uint64_t w;
    std::memcpy(&w, q, 8);
    bits |= w;
  }
  for (; q < end; ++q)
    bits |= static_cast<unsigned char>(*q);
  if (bits & 0x8080808080808080ull) {
    splitWordsIn<false>(text, escape, words);
    return false;
  }
  splitWordsIn<true>(text, escape, words);
  return true;
}

bool replaceInvalidUtf8(llvm::StringRef raw, std::string &value) {
  const char *q = raw.data(), *end = raw.data() + raw.size();
  // Fast path: ASCII up to the first byte >= 0x80.
  while (q < end && static_cast<unsigned char>(*q) < 0x80)
    ++q;
  bool replaced = false;
  while (q < end) {
    uint32_t cp;
    unsigned len = decodeAt(q, end, cp);
    if (cp == 0xFFFD && len == 1) {
      if (!replaced) {
        value.assign(raw.data(), static_cast<size_t>(q - raw.data()));
        replaced = true;
      }
      appendUtf8(value, cp);
    } else if (replaced) {
      value.append(q, len);
    }
    q += len;
  }
  return replaced;
}

std::vector<Span> parseWords(llvm::StringRef text, char escape) {
  llvm::SmallVector<WordBounds, 8> bounds;
  splitWords(text, escape, bounds);
  std::vector<Span> words;
  words.reserve(bounds.size());
  for (const WordBounds &w : bounds) {
    llvm::StringRef raw = text.slice(w.begin, w.valueEnd);
    std::string value;
    if (!replaceInvalidUtf8(raw, value))
      value = raw.str();
    words.push_back({std::move(value), w.begin, w.end});
  }
  return words;
}

} // namespace dfc
