// Runs the ANTLR grammars (grammar/ExecForm.g4, grammar/Words.g4) over one instruction's argument
// text, reusing one lexer/parser pair per thread, and turns parse trees into spans with byte offsets.
// The parser reads both languages directly (DirectReaders.cpp); these are the reference it is
// tested against.
#include "frontend/LineParsers.h"

#include "ExecFormLexer.h"
#include "ExecFormParser.h"
#include "WordsLexer.h"
#include "WordsParser.h"

#include <llvm/Support/ConvertUTF.h>

#include <antlr4-runtime.h>

namespace dfc {
namespace {

// ANTLR works on code points; we report byte offsets. Decoding also replaces invalid UTF-8 with
// U+FFFD exactly as Go does for JSON strings and parseWords, so ANTLR never sees bad input.
struct CodePoints {
  std::u32string text;
  std::vector<uint32_t> byteOffset; // per code point, plus one for the end
  bool ascii = true;

  explicit CodePoints(llvm::StringRef s) {
    text.reserve(s.size());
    byteOffset.reserve(s.size() + 1);
    const auto *p = reinterpret_cast<const llvm::UTF8 *>(s.data());
    const auto *end = p + s.size();
    while (p < end) {
      byteOffset.push_back(static_cast<uint32_t>(reinterpret_cast<const char *>(p) - s.data()));
      if (*p < 0x80) {
        text.push_back(*p++);
        continue;
      }
      ascii = false;
      llvm::UTF32 cp = 0;
      const llvm::UTF8 *start = p;
      unsigned len = llvm::getNumBytesForUTF8(*p);
      if (len <= static_cast<unsigned>(end - p) && llvm::isLegalUTF8Sequence(p, p + len)) {
        llvm::UTF32 *out = &cp;
        llvm::ConvertUTF8toUTF32(&p, p + len, &out, out + 1, llvm::strictConversion);
        if (p == start) { // should not happen, but never loop forever
          cp = 0xFFFD;
          ++p;
        }
      } else {
        cp = 0xFFFD;
        ++p;
      }
      text.push_back(cp);
    }
    byteOffset.push_back(static_cast<uint32_t>(s.size()));
  }
};

// A JSON string token (quotes included, already validated by the lexer) -> its value, as Go
// decodes it: unpaired surrogates become U+FFFD.
std::string decodeJsonString(const std::u32string &text, size_t begin, size_t end) {
  std::string out;
  out.reserve(end - begin);
  auto hex4 = [&](size_t i) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      char32_t c = text[i + k];
      v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
  };
  for (size_t i = begin + 1; i + 1 < end; ++i) {
    char32_t c = text[i];
    if (c != '\\') {
      appendUtf8(out, c);
      continue;
    }
    char32_t e = text[++i];
    switch (e) {
    case 'b': out.push_back('\b'); break;
    case 'f': out.push_back('\f'); break;
    case 'n': out.push_back('\n'); break;
    case 'r': out.push_back('\r'); break;
    case 't': out.push_back('\t'); break;
    case 'u': {
      uint32_t cp = hex4(i + 1);
      i += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < end && text[i + 1] == '\\' && text[i + 2] == 'u') {
        uint32_t lo = hex4(i + 3);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        } else {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xD800 && cp < 0xE000) {
        cp = 0xFFFD;
      }
      appendUtf8(out, cp);
      break;
    }
    default: // '"', '\\', '/'
      appendUtf8(out, e);
    }
  }
  return out;
}

class SilentErrors : public antlr4::BaseErrorListener {
public:
  bool Failed = false;
  void syntaxError(antlr4::Recognizer *, antlr4::Token *, size_t, size_t, const std::string &,
                   std::exception_ptr) override {
    Failed = true;
  }
};

// One lexer + parser per grammar and thread: building ANTLR objects costs more than parsing a line.
template <typename LexerT, typename ParserT> struct Session {
  antlr4::ANTLRInputStream Input;
  LexerT Lexer{&Input};
  antlr4::CommonTokenStream Tokens{&Lexer};
  ParserT Parser{&Tokens};
  SilentErrors Errors;

  Session() {
    // SLL prediction: both grammars are SLL, and it keeps every decision in ANTLR's DFA cache.
    Parser.template getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    Lexer.removeErrorListeners();
    Parser.removeErrorListeners();
    Lexer.addErrorListener(&Errors);
    Parser.addErrorListener(&Errors);
  }
};

template <typename LexerT, typename ParserT>
void loadInto(Session<LexerT, ParserT> &s, llvm::StringRef original, const CodePoints &cp) {
  // The 4.9 runtime decodes UTF-8 itself; hand it valid UTF-8 re-encoded from our code points so
  // invalid input was already replaced (it would throw otherwise).
  std::string utf8;
  if (cp.ascii) {
    utf8 = original.str();
  } else {
    utf8.reserve(cp.text.size() * 2);
    for (char32_t c : cp.text)
      appendUtf8(utf8, c);
  }
  s.Parser.getTreeTracker().reset(); // free the previous call's parse tree
  s.Input.load(utf8);
  s.Lexer.setInputStream(&s.Input);
  s.Tokens.setTokenSource(&s.Lexer);
  s.Parser.setTokenStream(&s.Tokens);
  s.Errors.Failed = false;
}

using ExecSession = Session<grammar::ExecFormLexer, grammar::ExecFormParser>;
using WordsSession = Session<grammar::WordsLexer, grammar::WordsParser>;

bool onlyStrings(grammar::ExecFormParser::ArrayContext *array) {
  for (auto *v : array->value())
    if (!v->STRING())
      return false;
  return true;
}

} // namespace

JsonArray parseJsonArrayWithGrammar(llvm::StringRef text) {
  JsonArray result;
  if (!startsJsonArray(text))
    return result;
  thread_local ExecSession session;
  CodePoints cp(text);
  loadInto(session, text, cp);
  session.Parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  grammar::ExecFormParser::ExecFormContext *tree = nullptr;
  try {
    tree = session.Parser.execForm();
  } catch (const antlr4::ParseCancellationException &) {
    return result;
  } catch (const antlr4::RecognitionException &) {
    return result;
  }
  if (session.Errors.Failed || !tree)
    return result;
  // The bytes before the '[' that Go's TrimLeft skipped may include Unicode spaces that JSON does
  // not allow; the grammar's WS covers only JSON whitespace, so such input already failed above.
  result.isJson = true;
  auto *array = tree->array();
  if (!onlyStrings(array)) {
    result.notStrings = true;
    return result;
  }
  for (auto *v : array->value()) {
    antlr4::Token *t = v->STRING()->getSymbol();
    size_t b = t->getStartIndex(), e = t->getStopIndex() + 1;
    result.elements.push_back({decodeJsonString(cp.text, b, e), cp.byteOffset[b], cp.byteOffset[e]});
  }
  return result;
}

std::vector<Span> parseWordsWithGrammar(llvm::StringRef text, char escape) {
  std::vector<Span> words;
  if (text.empty())
    return words;
  thread_local WordsSession session;
  CodePoints cp(text);
  loadInto(session, text, cp);
  if (escape == '`')
    session.Lexer.setMode(grammar::WordsLexer::BT);
  grammar::WordsParser::WordsContext *tree = nullptr;
  try {
    tree = session.Parser.words();
  } catch (const std::exception &) {
    return words;
  }
  for (auto *w : tree->word()) {
    size_t b = w->getStart()->getStartIndex();
    size_t e = w->getStop()->getStopIndex() + 1;
    // A trailing escape token with nothing to escape is dropped (BuildKit's parseWords); the
    // lexer only produces ESC_END at the very end of the input.
    size_t valueEnd = w->getStop()->getType() == grammar::WordsLexer::ESC_END ? e - 1 : e;
    std::string value;
    if (cp.ascii) {
      value.assign(text.data() + b, valueEnd - b);
    } else {
      for (size_t i = b; i < valueEnd; ++i)
        appendUtf8(value, cp.text[i]);
    }
    words.push_back({std::move(value), cp.byteOffset[b], cp.byteOffset[e]});
  }
  return words;
}

} // namespace dfc
