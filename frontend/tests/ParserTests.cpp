// Parser behaviour beyond the BuildKit corpus: exact ranges through continuations, error recovery
// (every error reported, parsing resumes), and hostile input that must not crash or hang.
#include "frontend/LineParsers.h"
#include "frontend/SyntaxTree.h"

#include <catch2/catch.hpp>

using namespace dfc;

namespace {
std::string textAt(const SyntaxTree &t, const Range &r) {
  return t.source.text().slice(r.begin.offset, r.end.offset).str();
}
std::vector<std::string> errors(const SyntaxTree &t) {
  std::vector<std::string> out;
  for (const Diagnostic &d : t.diagnostics)
    if (d.severity == Severity::Error)
      out.push_back(std::to_string(d.range.begin.line + 1) + ":" + std::to_string(d.range.begin.column + 1) +
                    " " + d.message);
  return out;
}
} // namespace

TEST_CASE("ranges of keyword, flags and words map back through continuations") {
  SyntaxTree t = parseDockerfile("FROM busybox AS base\n"
                                 "  COPY --from=base \\\n"
                                 "     /src \\\n"
                                 "  # a comment inside\n"
                                 "     /dst\n");
  REQUIRE(t.instructions.size() == 2);
  const Instruction &copy = t.instructions[1];
  CHECK(copy.keyword == "COPY");
  CHECK(copy.keywordRange.begin.line == 1);
  CHECK(copy.keywordRange.begin.column == 2);
  REQUIRE(copy.flags.size() == 1);
  CHECK(textAt(t, copy.flags[0].range) == "--from=base");
  CHECK(copy.flags[0].name() == "from");
  CHECK(copy.flags[0].value() == "base");
  REQUIRE(copy.args.size() == 2);
  CHECK(copy.args[0].value == "/src");
  CHECK(copy.args[0].range.begin.line == 2);
  CHECK(copy.args[0].range.begin.column == 5);
  CHECK(textAt(t, copy.args[0].range) == "/src");
  CHECK(copy.args[1].range.begin.line == 4);
  CHECK(textAt(t, copy.args[1].range) == "/dst");
  CHECK(copy.startLine == 2);
  CHECK(copy.endLine == 5);
  CHECK(copy.range.end.line == 4);
}

TEST_CASE("ENV and LABEL triples carry key and value ranges") {
  SyntaxTree t = parseDockerfile("FROM a\nENV A=1 B=\"two words\"\nLABEL legacy value with spaces\n");
  const Instruction &env = t.instructions[1];
  REQUIRE(env.args.size() == 6);
  CHECK(textAt(t, env.args[0].range) == "A");
  CHECK(textAt(t, env.args[1].range) == "1");
  CHECK(env.args[4].value == "\"two words\"");
  CHECK(textAt(t, env.args[4].range) == "\"two words\"");
  const Instruction &label = t.instructions[2];
  REQUIRE(label.args.size() == 3);
  CHECK(label.args[0].value == "legacy");
  CHECK(label.args[1].value == "value with spaces");
  CHECK(label.args[2].value == "");
}

TEST_CASE("exec form element ranges cover the JSON strings") {
  SyntaxTree t = parseDockerfile("FROM a\nCMD [\"echo\", \"h\\u00e9llo\"]\n");
  const Instruction &cmd = t.instructions[1];
  CHECK(cmd.json);
  REQUIRE(cmd.args.size() == 2);
  CHECK(cmd.args[1].value == "h\xC3\xA9llo");
  CHECK(textAt(t, cmd.args[1].range) == "\"h\\u00e9llo\"");
}

TEST_CASE("every error of a file is reported and parsing resumes at the next instruction") {
  SyntaxTree t = parseDockerfile("FROM a\n"
                                 "ENV ONLYKEY\n"
                                 "CMD [\"a\", 1]\n"
                                 "LABEL a=b c\n"
                                 "RUN cat <<EOF\n"
                                 "body\n");
  CHECK(errors(t) == std::vector<std::string>{
                         "2:5 ENV must have two arguments",
                         "3:5 when using JSON array syntax, arrays must be comprised of strings only",
                         "4:11 Syntax error - can't find = in \"c\". Must be of the form: name=value",
                         "5:9 unterminated heredoc",
                     });
  CHECK(t.instructions.size() == 5);
}

TEST_CASE("directive errors and escape directive") {
  SyntaxTree bad = parseDockerfile("# escape=x\nFROM a\n");
  CHECK(errors(bad) == std::vector<std::string>{"1:1 invalid escape token 'x' does not match ` or \\"});
  SyntaxTree twice = parseDockerfile("# escape=`\n# Escape=`\nFROM a\n");
  CHECK(errors(twice) == std::vector<std::string>{"2:1 only one escape parser directive can be used"});
  SyntaxTree tick = parseDockerfile("# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo\n");
  CHECK(tick.escape == '`');
  REQUIRE(tick.instructions.size() == 2);
  CHECK(tick.instructions[1].args[0].value == "dir c:\\   && echo");
}

TEST_CASE("heredoc bodies, terminators and ranges") {
  SyntaxTree t = parseDockerfile("FROM a\nCOPY <<A <<-'B' /d\nbody a\nA\n\tbody b\n\tB\nRUN echo\n");
  REQUIRE(t.instructions.size() == 3);
  const Instruction &copy = t.instructions[1];
  REQUIRE(copy.heredocs.size() == 2);
  CHECK(copy.heredocs[0].content == "body a\n");
  CHECK(textAt(t, copy.heredocs[0].marker) == "<<A");
  CHECK(copy.heredocs[1].name == "B");
  CHECK_FALSE(copy.heredocs[1].expand);
  CHECK(copy.heredocs[1].chomp);
  CHECK(copy.heredocs[1].terminator.begin.line == 5);
  CHECK(copy.endLine == 6);
  CHECK(t.instructions[2].startLine == 7);
}

TEST_CASE("ONBUILD trigger keeps its own ranges") {
  SyntaxTree t = parseDockerfile("FROM a\nONBUILD RUN --mount=type=cache,target=/c echo hi\n");
  const Instruction &on = t.instructions[1];
  REQUIRE(on.trigger);
  CHECK(on.trigger->kind == InstructionKind::Run);
  CHECK(textAt(t, on.trigger->keywordRange) == "RUN");
  REQUIRE(on.trigger->flags.size() == 1);
  CHECK(textAt(t, on.trigger->flags[0].range) == "--mount=type=cache,target=/c");
  CHECK(dumpBuildkit(t) == "(from \"a\")\n(onbuild (run [\"--mount=type=cache,target=/c\"] \"echo hi\"))\n");
}

TEST_CASE("the tree's views survive a move: slices of its source, copies in its arena") {
  auto inside = [](llvm::StringRef outer, llvm::StringRef s) {
    return s.data() >= outer.data() && s.data() + s.size() <= outer.data() + outer.size();
  };
  SyntaxTree small;
  {
    // Shorter than std::string's inline buffer, yet the text must not move with the tree.
    SyntaxTree t = parseDockerfile("FROM a");
    small = std::move(t);
  }
  REQUIRE(small.instructions.size() == 1);
  CHECK(inside(small.source.text(), small.instructions[0].keyword));
  CHECK(small.instructions[0].args[0].value == "a");

  SyntaxTree t = parseDockerfile("# doc\nFROM a\nRUN echo \\\n  hi\nENV A=\"b c\" D=\xff\n");
  SyntaxTree tree = std::move(t);
  llvm::StringRef src = tree.source.text();
  REQUIRE(tree.instructions.size() == 3);
  const Instruction &from = tree.instructions[0], &run = tree.instructions[1], &env = tree.instructions[2];
  CHECK(inside(src, from.line)); // one physical line: a slice
  REQUIRE(from.comments.size() == 1);
  CHECK(from.comments[0] == "doc");
  CHECK(inside(src, from.comments[0]));
  CHECK(run.line == "RUN echo   hi"); // joined: a copy
  CHECK_FALSE(inside(src, run.line));
  CHECK(run.args[0].value == "echo   hi");
  REQUIRE(env.args.size() == 6);
  CHECK(env.args[1].value == "\"b c\""); // quotes kept: the text itself
  CHECK(inside(src, env.args[1].value));
  CHECK(env.args[4].value == "\xEF\xBF\xBD"); // invalid UTF-8 replaced: a copy
  CHECK_FALSE(inside(src, env.args[4].value));
  CHECK(
      dumpBuildkit(tree) ==
      "(from \"a\")\n(run \"echo   hi\")\n(env \"A\" \"\\\"b c\\\"\" \"=\" \"D\" \"\xEF\xBF\xBD\" \"=\")\n");
}

TEST_CASE("the line index finds every line ending, inside and across 16-byte blocks") {
  // Short texts with every spacing; then long ones, newline-dense, across the counter's 255-block
  // (4,080-byte) rounds, where a byte lane would overflow at 256.
  std::vector<std::pair<size_t, size_t>> cases;
  for (size_t n = 0; n < 40; ++n)
    for (size_t step = 1; step < 20; ++step)
      cases.push_back({n, step});
  for (size_t n : {4079, 4080, 4081, 4096, 4097, 8160, 8191, 20000})
    for (size_t step : {1, 2, 7})
      cases.push_back({n, step});
  for (auto [n, step] : cases) {
    std::string text(n, 'x');
    for (size_t i = step - 1; i < n; i += step)
      text[i] = '\n';
    SourceText src(text);
    size_t lines = 1;
    for (size_t i = 0; i < n; ++i)
      if (text[i] == '\n') {
        REQUIRE(lines < src.lineCount());
        CHECK(src.lineStart(static_cast<uint32_t>(lines)) == i + 1);
        ++lines;
      }
    CHECK(src.lineCount() == lines);
  }
}

TEST_CASE("every keyword is found in any case, and near misses are unknown") {
  for (int k = static_cast<int>(InstructionKind::Add); k <= static_cast<int>(InstructionKind::Workdir); ++k) {
    auto kind = static_cast<InstructionKind>(k);
    std::string lower = instructionLowerName(kind).str(), upper = instructionName(kind).str(), mixed = lower;
    for (size_t i = 0; i < mixed.size(); i += 2)
      mixed[i] = upper[i];
    for (const std::string &kw : {lower, upper, mixed}) {
      SyntaxTree t = parseDockerfile(kw + " x\n");
      INFO(kw);
      REQUIRE(t.instructions.size() == 1);
      CHECK(t.instructions[0].kind == kind);
      CHECK(t.instructions[0].lower == lower);
    }
    // One byte changed (a letter's neighbour, a control byte, a non-ASCII byte), one added, one dropped.
    for (std::string miss : {lower.substr(1), lower + "s", lower + "\x0e", "\xc1" + lower.substr(1)}) {
      INFO(miss);
      CHECK(parseDockerfile(miss + " x\n").instructions[0].kind == InstructionKind::Unknown);
    }
    std::string next = lower;
    next.back() = static_cast<char>(next.back() + 1);
    CHECK(parseDockerfile(next + " x\n").instructions[0].kind == InstructionKind::Unknown);
    std::string ctl = lower;
    ctl[0] = static_cast<char>(ctl[0] & 0x1f); // a control byte: the letter without bits 0x20 and 0x40
    CHECK(parseDockerfile(ctl + " x\n").instructions[0].kind == InstructionKind::Unknown);
  }
}

TEST_CASE("hostile input never crashes, hangs or loses the tree") {
  std::string nul("FROM a\nRUN \0\xff\xfe echo\n", 20);
  CHECK(parseDockerfile(nul).instructions.size() == 2);
  // Only escape characters: one empty instruction (BuildKit too); the IR rejects it.
  CHECK(parseDockerfile("\\\n\\\n\\").instructions.size() == 1);
  CHECK(parseDockerfile(std::string(200000, '\\')).instructions.size() <= 1);
  std::string deep = "FROM a\nENV X=" + std::string(10000, '"') + "\n";
  CHECK(parseDockerfile(deep).instructions.size() == 2);
  std::string manyHeredocs = "FROM a\nRUN";
  for (int i = 0; i < 2000; ++i)
    manyHeredocs += " <<E" + std::to_string(i);
  CHECK(parseDockerfile(manyHeredocs + "\n").hasErrors());
  CHECK(parseDockerfile("\xEF\xBB\xBF" "FROM a\n").instructions[0].keywordRange.begin.column == 3);
}

TEST_CASE("ranges stay ordered and inside the text for invalid UTF-8 (fuzz finding)") {
  SyntaxTree t = parseDockerfile("env \xbd=");
  for (const Instruction &ins : t.instructions)
    for (const Word &w : ins.args) {
      CHECK(w.range.begin.offset <= w.range.end.offset);
      CHECK(w.range.end.offset <= t.source.text().size());
    }
}

TEST_CASE("parseJsonArray agrees with the grammar") {
  const char *inputs[] = {"[]", "[ ]", " [\"a\"] ", "[\"a\",\"b c\"]", "[ \"a\" , \"b\" ]\n",
                          "[\"a\\\"b\", \"c\\\\d\", \"e\\/f\", \"\\b\\f\\n\\r\\t\"]",
                          "[\"\\u0041\", \"x\"]", "[\"\\ud83d\\ude00\"]", "[\"\\ud800\"]", "[\"a\", 1]",
                          "[\"a\", {\"k\": \"v\"}]", "[\"a\" \"b\"]", "[\"a\",]", "[,\"a\"]", "[\"a\"",
                          "[\"a\"] x", "[\"a\"]]", "[\"tab\there\"]", "[\"\\x\"]", "[\"caf\xc3\xa9\"]",
                          "[\"bad \xff\"]", "\v[\"a\"]", "[\"a\"]\v", "[true]", "[null, \"a\"]",
                          "[[\"a\"]]", "[\"\"]", "[\"a\" ,\t\"b\"\r\n]", "[\"\\\"", "[", "", "x [\"a\"]"};
  for (const char *in : inputs) {
    INFO("input '" << in << "'");
    JsonArray fast = parseJsonArray(in), slow = parseJsonArrayWithGrammar(in);
    CHECK(fast.isJson == slow.isJson);
    CHECK(fast.notStrings == slow.notStrings);
    REQUIRE(fast.elements.size() == slow.elements.size());
    for (size_t i = 0; i < fast.elements.size(); ++i) {
      CHECK(fast.elements[i].value == slow.elements[i].value);
      CHECK(fast.elements[i].begin == slow.elements[i].begin);
      CHECK(fast.elements[i].end == slow.elements[i].end);
    }
  }
  // Escapes are decoded, offsets are those of the source text.
  JsonArray a = parseJsonArray("[\"sh\", \"-c\", \"echo \\\"hi\\\"\"]");
  REQUIRE(a.isJson);
  REQUIRE(a.elements.size() == 3);
  CHECK(a.elements[2].value == "echo \"hi\"");
  CHECK(a.elements[2].begin == 13);
}

TEST_CASE("parseWords agrees with the grammar") {
  const char *inputs[] = {"a", "  a  b\tc ", "A=1 B=2", "x=y=z  k", "a\vb\fc\rd", "", "   ",
                          "PATH=/opt/bin:$PATH HOME=/root", "a=${B:-c} d", "k=v\t\tw=x",
                          // quotes: kept in the word, whitespace inside does not split
                          "a=\"b c\" d='e f'", "\"unterminated x", "'open y", "x\"a b\"y'c d'z w",
                          "\"\" ''", "k=\"it's\" v='say \"hi\"'", "a=\"\tb\"\tc", "\"a\"\"b\" 'c''d'",
                          // escape tokens of either kind, trailing ones, inside quotes
                          "a=\\\" b", "a=`\" b", "x=`", "y=\\", "\"a\\", "'a\\", "a\\ b c", "\\\\",
                          "k=caf\xc3\xa9 x", "bad\xff y", "u\xc2\xa0v\xe2\x80\x83w\xc2\x85x", "\\\xc3\xa9", "a\xe3\x80\x80" "b"};
  for (const char *in : inputs)
    for (char esc : {'\\', '`'}) {
      INFO("input '" << in << "' escape " << esc);
      std::vector<Span> fast = parseWords(in, esc), slow = parseWordsWithGrammar(in, esc);
      REQUIRE(fast.size() == slow.size());
      for (size_t i = 0; i < fast.size(); ++i) {
        CHECK(fast[i].value == slow[i].value);
        CHECK(fast[i].begin == slow[i].begin);
        CHECK(fast[i].end == slow[i].end);
      }
    }
}

namespace {
// Deterministic inputs built from the pieces that matter to each language, valid or not.
struct Generator {
  uint32_t state = 12345;
  uint32_t next() {
    state = state * 1103515245u + 12345u;
    return (state >> 8) & 0xFFFFFF;
  }
  std::string pick(std::initializer_list<const char *> pieces, size_t count) {
    std::vector<const char *> p(pieces);
    std::string out;
    for (size_t i = 0; i < count; ++i)
      out += p[next() % p.size()];
    return out;
  }
};
} // namespace

TEST_CASE("parseJsonArray agrees with the grammar on generated input") {
  Generator g;
  for (int n = 0; n < 4000; ++n) {
    std::string in;
    if (n % 2 == 0) { // mostly well formed: an array of strings and values, then maybe damaged
      in = g.pick({" ", "", "\t", "\n"}, 1) + "[";
      size_t count = g.next() % 4;
      for (size_t i = 0; i < count; ++i) {
        if (i)
          in += g.pick({",", " , ", ",\r\n"}, 1);
        in += g.next() % 5 ? "\"" + g.pick({"a", " ", "\\\"", "\\\\", "\\/", "\\n", "\\u0041", "\\ud83d\\ude00",
                                              "\\ud800", "\\udc00x", "\\uD800\\u0041", "\xc3\xa9", "\xff", "\xe2\x82",
                                              "\\x", "\x01", "'", "\\u12"},
                                             g.next() % 5) + "\""
                           : g.pick({"1", "-0", "0.5e+3", "01", "1.", "true", "null", "nul", "{}", "{\"k\":[1]}",
                                     "[\"a\"]", "[]", "{\"k\" 1}", "-", "1e", "2E-7"},
                                    1);
      }
      in += g.pick({"]", "] ", "]]", "", "],", "]x", "]\v"}, 1);
      if (g.next() % 4 == 0 && !in.empty())
        in.erase(g.next() % in.size(), 1);
    } else {
      in = g.pick({"[", "]", "\"", ",", " ", "\\", "u", "0", "1", "-", ".", "e", "{", "}", ":", "true", "null",
                   "a", "\xc3\xa9", "\xff", "d8", "\t", "\n"},
                  g.next() % 12);
    }
    INFO("input '" << in << "'");
    JsonArray fast = parseJsonArray(in), slow = parseJsonArrayWithGrammar(in);
    REQUIRE(fast.isJson == slow.isJson);
    REQUIRE(fast.notStrings == slow.notStrings);
    REQUIRE(fast.elements.size() == slow.elements.size());
    for (size_t i = 0; i < fast.elements.size(); ++i) {
      REQUIRE(fast.elements[i].value == slow.elements[i].value);
      REQUIRE(fast.elements[i].begin == slow.elements[i].begin);
      REQUIRE(fast.elements[i].end == slow.elements[i].end);
    }
  }
}

TEST_CASE("parseWords agrees with the grammar on generated input") {
  Generator g;
  for (int n = 0; n < 4000; ++n) {
    std::string in = g.pick({"a", "=", " ", "\t", "\"", "'", "\\", "`", "$", "\xc3\xa9", "\xc2\xa0", "\xc2\x85",
                             "\xe2\x80\x83", "\xe3\x80\x80", "\xff", "\xe2\x82", "\v", "\n"},
                            g.next() % 14);
    for (char esc : {'\\', '`'}) {
      INFO("input '" << in << "' escape " << esc);
      std::vector<Span> fast = parseWords(in, esc), slow = parseWordsWithGrammar(in, esc);
      REQUIRE(fast.size() == slow.size());
      for (size_t i = 0; i < fast.size(); ++i) {
        REQUIRE(fast[i].value == slow[i].value);
        REQUIRE(fast[i].begin == slow[i].begin);
        REQUIRE(fast[i].end == slow[i].end);
      }
    }
  }
}
