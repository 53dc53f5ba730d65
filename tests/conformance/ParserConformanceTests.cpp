// BuildKit's parser corpus, run in place: testfiles (AST dumps byte for byte), negative cases,
// line numbers, and the parser-level tables (parser_units.json, heredoc.json).
#include "Corpus.h"

#include "frontend/LineParsers.h"
#include "frontend/SyntaxTree.h"

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace dfc;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
json table(const char *name) { return json::parse(corpus::readFile(corpus::root() / "tables" / name)); }

std::vector<fs::path> caseDirs(const char *sub) {
  std::vector<fs::path> dirs;
  for (auto &e : fs::directory_iterator(corpus::root() / "parser" / sub))
    if (e.is_directory())
      dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string firstError(const SyntaxTree &t) {
  for (const Diagnostic &d : t.diagnostics)
    if (d.severity == Severity::Error)
      return d.message;
  return "";
}
} // namespace

TEST_CASE("testfiles: AST dump matches BuildKit's result byte for byte", "[conformance][parser]") {
  if (!corpus::available())
    return;
  auto dirs = caseDirs("testfiles");
  CHECK(dirs.size() == 33);
  for (const fs::path &dir : dirs) {
    DYNAMIC_SECTION(dir.filename().string()) {
      SyntaxTree tree = parseDockerfile(corpus::readFile(dir / "Dockerfile"));
      INFO("case " << dir.filename().string());
      CHECK(firstError(tree) == "");
      CHECK(dumpBuildkit(tree) == corpus::readFile(dir / "result"));
    }
  }
}

TEST_CASE("testfiles-negative: an error with a location", "[conformance][parser]") {
  if (!corpus::available())
    return;
  const std::map<std::string, std::string> expected = {
      {"empty_dockerfile", "file with no instructions"},
      {"only_comments", "file with no instructions"},
      {"env_no_value", "ENV must have two arguments"},
      {"shykes-nested-json", NotStringArrayError},
  };
  auto dirs = caseDirs("testfiles-negative");
  CHECK(dirs.size() == 4);
  for (const fs::path &dir : dirs) {
    DYNAMIC_SECTION(dir.filename().string()) {
      SyntaxTree tree = parseDockerfile(corpus::readFile(dir / "Dockerfile"));
      REQUIRE(tree.hasErrors());
      CHECK(firstError(tree) == expected.at(dir.filename().string()));
    }
  }
}

TEST_CASE("testfile-line: instruction line ranges", "[conformance][parser]") {
  if (!corpus::available())
    return;
  json t = table("parser_units.json")["line_numbers"];
  SyntaxTree tree = parseDockerfile(corpus::readFile(corpus::root() / t["file"].get<std::string>()));
  REQUIRE(tree.instructions.size() == t["children"].size());
  for (size_t i = 0; i < tree.instructions.size(); ++i) {
    INFO("child " << i);
    CHECK(tree.instructions[i].startLine == t["children"][i][0].get<uint32_t>());
    CHECK(tree.instructions[i].endLine == t["children"][i][1].get<uint32_t>());
  }
  CHECK(tree.instructions.front().startLine == t["root"][0].get<uint32_t>());
  CHECK(tree.instructions.back().endLine == t["root"][1].get<uint32_t>());
}

TEST_CASE("parser_units.json", "[conformance][parser]") {
  if (!corpus::available())
    return;
  json t = table("parser_units.json");
  SECTION("parse_words") {
    for (auto &c : t["parse_words"]["cases"]) {
      std::string input = c["input"];
      DYNAMIC_SECTION("parseWords " << input) {
        std::vector<std::string> got;
        for (Span &s : parseWords(input, '\\'))
          got.push_back(s.value);
        CHECK(got == c["expect"].get<std::vector<std::string>>());
      }
    }
  }
  SECTION("json_arrays") {
    for (auto &c : t["json_arrays"]["valid"]) {
      std::string input = c["input"];
      DYNAMIC_SECTION("valid " << input) {
        JsonArray a = parseJsonArray(input);
        REQUIRE(a.isJson);
        REQUIRE_FALSE(a.notStrings);
        std::vector<std::string> got;
        for (Span &s : a.elements)
          got.push_back(s.value);
        CHECK(got == c["expect"].get<std::vector<std::string>>());
      }
    }
    for (auto &c : t["json_arrays"]["invalid_not_string_array"]) {
      std::string input = c;
      DYNAMIC_SECTION("not strings " << input) {
        JsonArray a = parseJsonArray(input);
        CHECK(a.isJson);
        CHECK(a.notStrings);
      }
    }
  }
  SECTION("directives parse_all") {
    for (auto &c : t["directives"]["parse_all"]["cases"]) {
      std::string dt = c["dt"];
      DYNAMIC_SECTION("ParseAll " << dt) {
        std::string text = dt + "FROM a\n";
        SyntaxTree tree = parseDockerfile(text);
        REQUIRE(tree.directives.size() == c["directives"].size());
        for (size_t i = 0; i < tree.directives.size(); ++i) {
          CHECK(tree.directives[i].key == c["directives"][i]["Name"]);
          CHECK(tree.directives[i].value == c["directives"][i]["Value"]);
        }
      }
    }
  }
  for (const char *section : {"detect_syntax", "parse_directive_check"}) {
    std::string key = std::string(section) == "detect_syntax" ? "syntax" : "check";
    for (auto &c : t["directives"][section]["cases"]) {
      std::string dt = c["dt"];
      DYNAMIC_SECTION(section << " " << dt) {
        DetectedDirective d = detectDirective(dt, key);
        CHECK(d.found == c["ok"].get<bool>());
        if (c.contains("ref"))
          CHECK(d.ref == c["ref"]);
        if (c.contains("cmdline"))
          CHECK(d.cmdline == c["cmdline"]);
        if (c.contains("line") && d.found)
          CHECK(d.line == c["line"].get<uint32_t>());
      }
    }
  }
  SECTION("empty continuation warnings") {
    json c = t["empty_continuation_warnings"];
    SyntaxTree tree = parseDockerfile(c["dockerfile"]);
    CHECK_FALSE(tree.hasErrors());
    std::vector<std::string> warnings;
    for (const Diagnostic &d : tree.diagnostics)
      if (d.severity == Severity::Warning)
        warnings.push_back(d.message);
    REQUIRE(warnings.size() == c["warning_short_contains"].size());
    for (size_t i = 0; i < warnings.size(); ++i) {
      CHECK_THAT(warnings[i], Catch::Contains("Empty continuation line found in"));
      CHECK_THAT(warnings[i], Catch::Contains(c["warning_short_contains"][i].get<std::string>()));
    }
  }
  SECTION("line too long") {
    std::string text = "FROM busybox\nRUN echo " + std::string(65536, 'a') + "\n";
    SyntaxTree tree = parseDockerfile(text);
    CHECK(firstError(tree) == t["line_too_long"]["error"]);
    std::string ok = "FROM busybox\nRUN " + std::string(65531, 'a') + "\n";
    CHECK_FALSE(parseDockerfile(ok).hasErrors());
  }
  SECTION("name_val") {
    for (auto &c : t["name_val"]["cases"]) {
      std::string line = c["cmd"].get<std::string>() + " " + c["input"].get<std::string>();
      DYNAMIC_SECTION("name_val " << line) {
        SyntaxTree tree = parseDockerfile("FROM a\n" + line + "\n");
        if (c.contains("error")) {
          CHECK(firstError(tree) == c["error"]);
        } else {
          REQUIRE(tree.instructions.size() == 2);
          std::vector<std::string> got;
          for (const Word &w : tree.instructions[1].args)
            got.push_back(w.value.str());
          CHECK(got == c["nodes"].get<std::vector<std::string>>());
        }
      }
    }
  }
}

TEST_CASE("heredoc.json (parser level)", "[conformance][parser][heredoc]") {
  if (!corpus::available())
    return;
  json t = table("heredoc.json");
  SECTION("parse extracts heredocs") {
    json c = t["parse_extracts_heredoc"];
    SyntaxTree tree = parseDockerfile(c["dockerfile"]);
    CHECK_FALSE(tree.hasErrors());
    json expected = c["expected_heredocs_by_child_index_from_1"];
    REQUIRE(tree.instructions.size() == expected.size() + 1);
    for (size_t i = 0; i < expected.size(); ++i) {
      const Instruction &ins = tree.instructions[i + 1];
      DYNAMIC_SECTION("child " << i + 1 << ": " << ins.line.str()) {
        json want = expected[i];
        if (want.is_null()) {
          CHECK(ins.heredocs.empty());
          continue;
        }
        REQUIRE(ins.heredocs.size() == want.size());
        for (size_t k = 0; k < want.size(); ++k) {
          const Heredoc &h = ins.heredocs[k];
          CHECK(h.name == want[k]["Name"]);
          CHECK(h.content == want[k]["Content"]);
          CHECK(h.expand == want[k]["Expand"].get<bool>());
          CHECK(h.chomp == want[k]["Chomp"].get<bool>());
          CHECK(h.fileDescriptor == want[k]["FileDescriptor"].get<unsigned>());
        }
      }
    }
  }
  SECTION("exec form never has heredocs") {
    SyntaxTree tree = parseDockerfile(t["parse_json_heredoc"]["dockerfile"]);
    REQUIRE(tree.instructions.size() == 4);
    for (size_t i = 1; i < 4; ++i)
      CHECK(tree.instructions[i].heredocs.empty());
  }
  SECTION("ParseHeredoc words") {
    json c = t["parse_heredoc_helpers"];
    for (auto &w : c["valid_name_EOF"]) {
      std::string word = w;
      DYNAMIC_SECTION("valid " << word) {
        HeredocWord h = parseHeredocWord(word);
        CHECK(h.isHeredoc);
        CHECK(h.error == "");
        CHECK(h.heredoc.name == "EOF");
      }
    }
    for (auto &w : c["invalid_error"]) {
      std::string word = w;
      DYNAMIC_SECTION("invalid " << word) { CHECK(parseHeredocWord(word).error != ""); }
    }
    for (auto &w : c["not_heredocs"]) {
      std::string word = w;
      DYNAMIC_SECTION("not a heredoc " << word) { CHECK_FALSE(parseHeredocWord(word).isHeredoc); }
    }
  }
  SECTION("heredocsFromLine") {
    for (auto &c : t["heredocs_from_line"]["cases"]) {
      std::string line = c["line"];
      DYNAMIC_SECTION("line " << line) {
        std::vector<std::string> got;
        for (Heredoc &h : heredocsFromLine(line))
          got.push_back(h.name);
        std::vector<std::string> want;
        if (!c["heredocNames"].is_null())
          want = c["heredocNames"].get<std::vector<std::string>>();
        CHECK(got == want);
      }
    }
  }
}
