// Unit tests for the BuildKit shell lexer port: quoting, escapes (backslash and backtick), raw
// modes used by heredoc detection, nesting, patterns, exact error texts and hostile input.
#include "frontend/shell/ShellLex.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <random>

using namespace dfc::shell;

namespace {

ListEnvironment makeEnv(std::initializer_list<const char *> pairs, bool windows = false) {
  ListEnvironment env(windows);
  for (const char *kv : pairs)
    env.setPair(kv);
  return env;
}

struct WordCase {
  const char *input;
  const char *expected;
};

void checkWords(const Environment &env, const LexOptions &opts,
                std::initializer_list<WordCase> cases) {
  for (const WordCase &c : cases) {
    INFO("input: " << c.input);
    WordResult r = processWord(c.input, env, opts);
    CHECK(r.error == "");
    CHECK(r.word == c.expected);
  }
}

void checkError(const Environment &env, const char *input, const std::string &message,
                const LexOptions &opts = {}) {
  INFO("input: " << input);
  WordResult r = processWord(input, env, opts);
  CHECK(r.word == "");
  CHECK(r.error == message);
}

} // namespace

TEST_CASE("quotes and the default escape", "[shell]") {
  ListEnvironment env = makeEnv({"A=x y", "EMPTY="});
  checkWords(env, {},
             {{"plain", "plain"},
              {"'$A \\n'", "$A \\n"},
              {"\"$A \\n \\\" \\$ \\\\\"", "x y \\n \" $ \\"},
              {"a\\ b\\", "a b"},
              {"\\$A", "$A"},
              {"$", "$"},
              {"$.", "$."},
              {"$\"A\"", "$A"},
              {"he$1x", "hex"},
              {"$@$*$#$?$-$$$!$0", ""},
              {"${EMPTY:-d}${EMPTY-d}", "d"},
              {"\xEF\xBB\xBF" "bom", "bom"},      // a leading BOM is skipped, as text/scanner does
              {"a\xFF" "b", "a\xEF\xBF\xBD" "b"}}); // invalid UTF-8 reads as U+FFFD
}

TEST_CASE("escape token backtick", "[shell]") {
  ListEnvironment env = makeEnv({"V=val"});
  LexOptions opts;
  opts.escape = '`';
  checkWords(env, opts,
             {{"a`$V", "a$V"},
              {"C:\\dir\\$V", "C:\\dir\\val"},
              {"\"a`\"b`$V\\\"", "a\"b$V\\"},
              {"\"keep`n\"", "keep`n"},
              {"a` b`", "a b"}});
  WordsResult w = processWords("x` y z", env, opts);
  CHECK(w.error == "");
  CHECK(w.words == std::vector<std::string>{"x y", "z"});
}

TEST_CASE("variable names", "[shell]") {
  ListEnvironment env = makeEnv({"변수=k", "_a1=u", "1=one"});
  checkWords(env, {},
             {{"$변수!", "k!"}, {"${변수}", "k"}, {"$_a1.", "u."}, {"$12", ""}, {"${1}", "one"}});
  ListEnvironment windows = makeEnv({"Path=C:\\bin"}, true);
  checkWords(windows, {}, {{"$PATH;${path}", "C:\\bin;C:\\bin"}});
  windows.set("PATH", "D:\\");
  CHECK(windows.entries().size() == 1);
  CHECK(*windows.lookup("path") == "D:\\");
  ListEnvironment unix = makeEnv({"Path=x"});
  CHECK(unix.lookup("PATH") == nullptr);
  CHECK(*makeEnv({"A=1", "A=2"}).lookup("A") == "2");
  CHECK(*makeEnv({"NOVALUE"}).lookup("NOVALUE") == "");
}

TEST_CASE("modifiers and nesting", "[shell]") {
  ListEnvironment env = makeEnv({"SET=s", "EMPTY=", "PATHV=/usr/local/bin/tool.tar.gz"});
  checkWords(env, {},
             {{"${UNSET:-${EMPTY:-${SET:+[$SET]}}}", "[s]"},
              {"${UNSET:-\"q ${SET}\"}", "q s"},
              {"${SET:+'${x}'}", "${x}"},
              {"${PATHV##*/}", "tool.tar.gz"},
              {"${PATHV#*/}", "usr/local/bin/tool.tar.gz"},
              {"${PATHV%.*}", "/usr/local/bin/tool.tar"},
              {"${PATHV%%.*}", "/usr/local/bin/tool"},
              {"${PATHV/\\/usr/}", "/local/bin/tool.tar.gz"},
              {"${PATHV//\\//:}", ":usr:local:bin:tool.tar.gz"},
              {"${PATHV/?/X}", "Xusr/local/bin/tool.tar.gz"},
              {"${UNSET/a/b}", ""}});

  // `*` and `?` do not cross newlines (they are Go regexp dots).
  ListEnvironment lines = makeEnv({"V=ab\ncd", "E=", "R=[$0]", "AB=bab"});
  checkWords(lines, {},
             {{"${V##*}", "\ncd"},
              {"${V%%*}", "ab\n"},
              {"${V#??}", "\ncd"},
              {"${V#???}", "ab\ncd"},
              // replace-all of an empty pattern inserts between runes, like Regexp.ReplaceAll
              {"${AB//$E/-}", "-b-a-b-"},
              // only replace-all expands `$0` in the replacement (Regexp.ReplaceAllString)
              {"${AB//a/$R}", "b[a]b"},
              {"${AB/a/$R}", "b[$0]b"}});

  // Deep but sane nesting works; beyond the bound it is an error, never a crash.
  std::string nested, closing;
  for (int i = 0; i < 50; ++i) {
    nested += "${U" + std::to_string(i) + ":-";
    closing += "}";
  }
  checkWords(env, {}, {{(nested + "deep" + closing).c_str(), "deep"}});
  std::string tooDeep;
  for (int i = 0; i < 100000; ++i)
    tooDeep += "${a:-";
  WordResult r = processWord(tooDeep + "x" + std::string(100000, '}'), env);
  CHECK_THAT(r.error, Catch::EndsWith(": syntax error: substitutions nested too deeply"));
  r = processWord(tooDeep, env);
  CHECK_FALSE(r.ok());
}

TEST_CASE("matched and unmatched variables", "[shell]") {
  ListEnvironment env = makeEnv({"B=1", "A="});
  WordResult r = processWord("$B${A}${C:-$B}$D$C ${A:+x}", env);
  CHECK(r.error == "");
  CHECK(r.word == "11 ");
  CHECK(r.matched == std::vector<std::string>{"A", "B"});
  CHECK(r.unmatched == std::vector<std::string>{"C", "D"});
}

TEST_CASE("exact error messages", "[shell]") {
  ListEnvironment env = makeEnv({"FOO=x", "EMPTY="});
  checkError(env, "he${}", "failed to process \"he${}\": syntax error: bad substitution");
  checkError(env, "${:-a}", "failed to process \"${:-a}\": syntax error: bad substitution");
  checkError(env, "${{a}", "failed to process \"${{a}\": syntax error: bad substitution");
  checkError(env, "${", "failed to process \"${\": syntax error: missing '}'");
  checkError(env, "${a:-b", "failed to process \"${a:-b\": syntax error: missing '}'");
  checkError(env, "${a:-${b:?m}", "failed to process \"${a:-${b:?m}\": syntax error: missing '}'");
  checkError(env, "${a:-${b:?m}}", "failed to process \"${a:-${b:?m}}\": b: m");
  // Unclosed right after the name: lex.go reports the end of input as a modifier.
  checkError(env, "${FOO", "failed to process \"${FOO\": unsupported modifier (\xEF\xBF\xBD) in substitution");
  checkError(env, "'abc", "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote");
  checkError(env, "\"abc\\\"", "failed to process \"\\\"abc\\\\\\\"\": unexpected end of statement while looking for matching double-quote");
  checkError(env, "${U:?}", "failed to process \"${U:?}\": U: is not allowed to be unset");
  checkError(env, "${EMPTY:?}", "failed to process \"${EMPTY:?}\": EMPTY: is not allowed to be empty");
  checkError(env, "${EMPTY:?say $FOO}", "failed to process \"${EMPTY:?say $FOO}\": EMPTY: say x");
  checkError(env, "${FOO=a}", "failed to process \"${FOO=a}\": unsupported modifier (=) in substitution");
  checkError(env, "${FOO:=a}", "failed to process \"${FOO:=a}\": unsupported modifier (:=) in substitution");
  checkError(env, "${FOO:#a}", "failed to process \"${FOO:#a}\": unsupported modifier (:#) in substitution");
  checkError(env, "${FOO//}", "failed to process \"${FOO//}\": syntax error: missing '/' in ${}");
  checkError(env, "${FOO#\\x}", "failed to process \"${FOO#\\\\x}\": invalid pattern (\\x) in substitution: invalid escape '\\x'");
  checkError(env, "${FOO%a\\x}", "failed to process \"${FOO%a\\\\x}\": invalid pattern (\\xa) in substitution: invalid escape '\\x'");
  // The word is quoted like Go's %q.
  checkError(env, "\t\xFF\x01\u00a0'", "failed to process \"\\t\\xff\\x01\\u00a0'\": unexpected end of statement while looking for matching single-quote");
}

TEST_CASE("words: splitting after expansion", "[shell]") {
  ListEnvironment env = makeEnv({"S=a  b"});
  auto words = [&](const char *input, const LexOptions &opts = {}) {
    INFO("input: " << input);
    WordsResult r = processWords(input, env, opts);
    CHECK(r.error == "");
    return r.words;
  };
  using V = std::vector<std::string>;
  CHECK(words("x$S y") == V{"xa", "b", "y"});
  CHECK(words("\"$S\" '' \"\" z") == V{"a  b", "z"});
  CHECK(words("<<  EOF x") == V{"<<  EOF", "x"});
  // lex.go shares one word buffer with nested ${...} words, which resets it: the text before
  // the expansion in the same word is lost. Reproduced deliberately.
  CHECK(words("a${x:-b}c d") == V{"bc", "d"});
  CHECK(words("a${S}c") == V{"aa", "bc"});
  WordsResult bad = processWords("a 'b", env);
  CHECK(bad.words.empty());
  CHECK(bad.error == "failed to process \"a 'b\": unexpected end of statement while looking for matching single-quote");
}

TEST_CASE("raw modes used by heredoc detection", "[shell]") {
  ListEnvironment empty;
  LexOptions line;
  line.rawQuotes = true;
  line.rawEscapes = true;
  line.skipUnsetEnv = true;
  using V = std::vector<std::string>;
  WordsResult r = processWords("RUN --mount=a cat <<\"EOF\" <<-'E2' << X 'a b' \\\"c $V ${W:-x} 3<<EOF", empty, line);
  CHECK(r.error == "");
  CHECK(r.words == V{"RUN", "--mount=a", "cat", "<<\"EOF\"", "<<-'E2'", "<< X", "'a b'", "\\\"c",
                     "$V", "${W:-x}", "3<<EOF"});
  // Raw escapes keep a backslash inside double quotes twice when it escapes nothing (as lex.go).
  CHECK(processWord("\"a\\tb\"", empty, line).word == "\"a\\\\tb\"");
  CHECK_FALSE(processWords("RUN <<'EOF", empty, line).ok());

  LexOptions delimiter;
  delimiter.skipUnsetEnv = true;
  checkWords(empty, delimiter,
             {{"$EOF", "$EOF"},
              {"${EOF}", "${EOF}"},
              {"'E'O\"F\"", "EOF"},
              {"e\\'o", "e'o"},
              {"${A/x/y}${B//x/y}${C:-d}", "${A/x/y}${B/x/y}${C:-d}"}});
  delimiter.rawQuotes = true;
  checkWords(empty, delimiter, {{"'E'O\"F\"", "'E'O\"F\""}});

  LexOptions noQuotes;
  noQuotes.skipProcessQuotes = true;
  ListEnvironment env = makeEnv({"V=v"});
  checkWords(env, noQuotes, {{"'$V' \"$V\" \\$V", "'v' \"v\" $V"}});
}

TEST_CASE("hostile input neither crashes nor hangs", "[shell]") {
  ListEnvironment env = makeEnv({"A=aaaa", "B=*", "C=\\", "D="});
  const std::string alphabet = "${}:-+?#%/*\\'\"`ABCD <a\n\xFF\xEF\xBB\xBF";
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    size_t len = rng() % 24;
    for (size_t k = 0; k < len; ++k)
      input += alphabet[rng() % alphabet.size()];
    LexOptions opts;
    opts.escape = (i & 1) ? '`' : '\\';
    opts.rawQuotes = i & 2;
    opts.rawEscapes = i & 4;
    opts.skipUnsetEnv = i & 8;
    opts.skipProcessQuotes = i & 16;
    WordResult r = processWord(input, env, opts);
    WordsResult w = processWords(input, env, opts);
    INFO("input: " << input);
    CHECK((r.ok() ? r.error.empty() : r.word.empty()));
    CHECK(r.ok() == w.ok());
  }

  // Large values and patterns stay roughly linear per match attempt.
  ListEnvironment big;
  big.set("V", std::string(200000, 'a') + "b");
  big.set("P", std::string(200, '*') + "a?*b");
  auto start = std::chrono::steady_clock::now();
  WordResult r = processWord("${V##$P}${V%%$P}${V//a/}", big);
  CHECK(r.error == "");
  CHECK(r.word == "b");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
