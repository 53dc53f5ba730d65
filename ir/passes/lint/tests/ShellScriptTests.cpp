// The RUN-body reader: commands, connectors, nesting, quoting and source ranges.
#include "ir/Build.h"
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/ShellScript.h"

#include <catch2/catch.hpp>

using namespace dfc;
using namespace dfc::lint;

namespace {
ShellScript parse(const std::string &s, SourceText &src) {
  src = SourceText(s);
  return parseShellScript(s, src, [](uint32_t o) { return o; });
}
std::vector<std::string> names(const ShellScript &s) {
  std::vector<std::string> out;
  for (const ShellCommand &c : s.commands)
    out.push_back(c.name().str());
  return out;
}
} // namespace

TEST_CASE("commands, connectors and argv", "[lint][shell]") {
  SourceText src;
  ShellScript s = parse("set -e; cd /x && apt-get install -y 'a b' \"c\" >/dev/null 2>&1 || true | tee f", src);
  CHECK(names(s) == std::vector<std::string>{"set", "cd", "apt-get", "true", "tee"});
  const ShellCommand &apt = s.commands[2];
  REQUIRE(apt.argv.size() == 5);
  CHECK(apt.argv[3].text == "a b");
  CHECK(apt.argv[3].quoted);
  CHECK(apt.argv[4].text == "c");
  CHECK(apt.hasFlag("-y"));
  CHECK(s.commands[1].next == Connector::And);
  CHECK(apt.next == Connector::Or);
  CHECK(s.commands[3].next == Connector::Pipe);
  CHECK(src.text().slice(apt.argv[1].range.begin.offset, apt.argv[1].range.end.offset) == "install");
}

TEST_CASE("compound commands, substitutions and wrappers flatten", "[lint][shell]") {
  SourceText src;
  ShellScript s = parse("if [ -f x ]; then FOO=1 pip install a; fi\n"
                        "for p in a b; do echo $p; done\n"
                        "X=$(curl -s http://x | sh) && (cd y; make)\n"
                        "sudo apt-get update # comment\n",
                        src);
  CHECK(names(s) == std::vector<std::string>{"[", "pip", "echo", "", "curl", "sh", "cd", "make", "sudo"});
  CHECK(s.commands[1].assignments.size() == 1);
  CHECK(s.commands[4].depth == 1);
  CHECK(s.find("apt-get").empty());
  CHECK(s.commands.back().argv[1].text == "apt-get");
  CHECK_FALSE(s.setsPipefail);
  CHECK(parse("set -o pipefail && a | b", src).setsPipefail);
}

TEST_CASE("words: text unquoted, raw as written, both views that outlive a move", "[lint][shell]") {
  SourceText src;
  ShellScript parsed =
      parse("echo plain a'b'c \"x\\\"y\" p\\ q $(date -u) ${A:-b c} `id -u` pre$(x)post \"in $(y) q\" 'it''s'", src);
  ShellScript s = std::move(parsed); // words are slices: they must survive the script moving
  REQUIRE(s.commands.size() >= 1);
  const ShellCommand &echo = s.commands[0];
  std::vector<std::pair<std::string, std::string>> want = {
      {"echo", "echo"},         {"plain", "plain"},
      {"abc", "a'b'c"},         {"x\"y", "\"x\\\"y\""},
      {"p q", "p\\ q"},         {"$(date -u)", "$(date -u)"},
      {"${A:-b c}", "${A:-b c}"}, // the reader takes ${...} whole, blanks included
      {"`id -u`", "`id -u`"},   {"pre$(x)post", "pre$(x)post"},
      {"in $(y) q", "\"in $(y) q\""}, {"its", "'it''s'"}};
  REQUIRE(echo.argv.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("word " << i << ": " << want[i].second);
    CHECK(echo.argv[i].text == want[i].first);
    CHECK(echo.argv[i].raw == want[i].second);
    CHECK(src.text().slice(echo.argv[i].range.begin.offset, echo.argv[i].range.end.offset) == want[i].second);
  }
  CHECK(echo.range.begin.offset == 0);
  CHECK(echo.range.end.offset == echo.argv.back().range.end.offset);
  // $(date -u), `id -u`, $(x) and $(y) are read as commands of their own, one level down.
  CHECK(names(s) == std::vector<std::string>{"echo", "date", "id", "x", "y"});
  CHECK(s.commands[1].depth == 1);
}

TEST_CASE("RUN words map to the source through the instruction's offset map", "[lint][shell]") {
  // Continuation lines (with the escape token and a comment line between), nested $(...) and
  // backticks that send the reader back to earlier offsets: every word's range must be what
  // OffsetMap::toPosition says for its offset.
  SyntaxTree tree = parseDockerfile("FROM busybox\n"
                                    "RUN apt-get update && \\\n"
                                    "    # a comment line inside the continuation\n"
                                    "    x=$(cat /etc/os-release | grep ID) \\\n"
                                    "      apt-get install -y `echo a` b\\\n"
                                    "c && echo \"done $(date)\"\n");
  Program program = buildProgram(tree);
  lint::Config config;
  lint::Context ctx(tree, program, config);
  REQUIRE(ctx.runs().size() == 1);
  const RunInstruction &run = *ctx.runs()[0].run;
  const ShellScript *s = ctx.script(run);
  REQUIRE(s);
  const Instruction &syn = *run.syntax;
  size_t words = 0;
  for (const ShellCommand &c : s->commands)
    for (const auto *list : {&c.assignments, &c.argv})
      for (const ShellWord &w : *list) {
        INFO("word '" << w.raw.str() << "' at script offset " << w.begin);
        CHECK(w.range.begin == syn.map.toPosition(syn.argsOffset + w.begin));
        CHECK(w.range.end == syn.map.toPosition(syn.argsOffset + w.end));
        ++words;
      }
  CHECK(words >= 14);
  CHECK(names(*s) == std::vector<std::string>{"apt-get", "apt-get", "cat", "grep", "echo", "echo", "date"});
}

TEST_CASE("the program index past a few programs (scanned, then hashed)", "[lint][shell]") {
  SourceText src;
  ShellScript s = parse("a 1; b; c; d; e; f; /usr/bin/g; h; sudo -u x i; j; k; a 2; l; /bin/a 3; sudo m", src);
  CHECK(s.find("a").size() == 3);
  CHECK(s.calls("a").size() == 3);
  for (llvm::StringRef p : {"b", "c", "d", "e", "f", "g", "h", "j", "k", "l"}) {
    INFO(p.str());
    CHECK(s.find(p).size() == 1);
    CHECK(s.calls(p).size() == 1);
  }
  CHECK(s.find("i").empty()); // named sudo, calls i
  REQUIRE(s.calls("i").size() == 1);
  CHECK(s.calls("i")[0].program == 3);
  CHECK(s.find("sudo").size() == 2);
  CHECK(s.calls("m").size() == 1);
  CHECK(s.calls("zz").empty());
  CHECK(s.find("zz").empty());
  CHECK(s.programs().size() == 14); // a..l, sudo, m
}
