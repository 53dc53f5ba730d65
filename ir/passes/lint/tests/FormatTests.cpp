// Tests of the lint report formats, applyFixes and the ShellCheck mapping, on findings from real
// Dockerfiles (MaintainerDeprecated and StageNameCasing give ranges and fixes).
#include "ir/Build.h"
#include "ir/passes/lint/Format.h"
#include "ir/passes/lint/ShellCheck.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace dfc::lint {
namespace {

struct Linted {
  SyntaxTree tree;
  std::vector<Finding> findings;
};

// Lints `text` keeping only the findings of `rules` (the other rules change as rules are added).
Linted lintOnly(const std::string &text, std::initializer_list<const char *> rules) {
  Linted l{parseDockerfile(text), {}};
  Program p = buildProgram(l.tree);
  for (Finding &f : lint(l.tree, p).findings)
    for (const char *r : rules)
      if (llvm::StringRef(f.rule->id) == r)
        l.findings.push_back(std::move(f));
  return l;
}

Finding edit(const SourceText &src, uint32_t b, uint32_t e, std::string text, const char *rule = "StageNameCasing") {
  Finding f;
  f.rule = &findRule(rule)->info;
  f.range = src.range(b, e);
  f.fix = Fix{"t", {TextEdit{src.range(b, e), std::move(text)}}};
  return f;
}

const char *const Bad = "FROM busybox:1.36 AS Build\nMAINTAINER Jane \"J\" <j@x.org>\nRUN true\n";

} // namespace

TEST_CASE("applyFixes applies every non-overlapping fix", "[lint][fix]") {
  Linted l = lintOnly(Bad, {"StageNameCasing", "MaintainerDeprecated"});
  REQUIRE(l.findings.size() == 2);
  size_t applied = 0;
  std::string out = applyFixes(l.tree.source.text(), l.findings, &applied);
  CHECK(applied == 2);
  CHECK(out == "FROM busybox:1.36 AS build\nLABEL org.opencontainers.image.authors=\"Jane \\\"J\\\" <j@x.org>\"\n"
               "RUN true\n");
}

TEST_CASE("applyFixes skips a fix that overlaps one already taken, whole", "[lint][fix]") {
  SourceText src("abcdefgh");
  std::vector<Finding> fs;
  fs.push_back(edit(src, 0, 3, "X"));
  Finding two = edit(src, 6, 7, "Y"); // would be fine alone...
  two.fix->edits.push_back(TextEdit{src.range(2, 4), "Z"}); // ...but this edit overlaps [0,3)
  fs.push_back(two);
  fs.push_back(edit(src, 4, 5, "W"));
  fs.push_back(edit(src, 8, 8, "!"));  // insertion at the end
  fs.push_back(edit(src, 8, 8, "?"));  // a second insertion at the same point: order unknown
  size_t applied = 0;
  CHECK(applyFixes(src.text(), fs, &applied) == "Xd" "W" "fgh!");
  CHECK(applied == 3);
}

TEST_CASE("applyFixes with no fixes returns the text", "[lint][fix]") {
  SourceText src("FROM a\n");
  size_t applied = 7;
  CHECK(applyFixes(src.text(), {}, &applied) == "FROM a\n");
  CHECK(applied == 0);
}

TEST_CASE("format names and severities parse", "[lint][format]") {
  for (const std::string &name : outputFormatNames()) {
    INFO(name);
    CHECK(parseOutputFormat(name));
  }
  CHECK_FALSE(parseOutputFormat("xml"));
  CHECK(parseSeverity("Warning") == Severity::Warning);
  CHECK(parseSeverity("style") == Severity::Style);
  CHECK_FALSE(parseSeverity("loud"));
}

TEST_CASE("json report has 1-based ranges, aliases and fixes", "[lint][format]") {
  Linted l = lintOnly(Bad, {"StageNameCasing", "MaintainerDeprecated"});
  auto v = nlohmann::json::parse(formatReport(OutputFormat::Json, {{"Dockerfile", &l.tree.source, l.findings}}));
  REQUIRE(v.size() == 2);
  CHECK(v[0]["rule"] == "StageNameCasing");
  CHECK(v[0]["line"] == 1);
  CHECK(v[0]["column"] == 22);
  CHECK(v[0]["endColumn"] == 27);
  CHECK(v[0]["fix"]["edits"][0]["text"] == "build");
  CHECK(v[1]["aliases"] == nlohmann::json::array({"DL4000"}));
  CHECK(v[1]["line"] == 2);
  CHECK(v[1]["severity"] == "warning");
}

// The json writer renders directly; this is the document it must equal, byte for byte, as
// nlohmann's dump(2) of the same values (what dfc printed before, and what tools already parse).
static std::string referenceJson(const std::vector<FileReport> &files) {
  nlohmann::json out = nlohmann::json::array();
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      nlohmann::json fix = nullptr;
      if (f.fix) {
        nlohmann::json edits = nlohmann::json::array();
        for (const TextEdit &e : f.fix->edits)
          edits.push_back({{"line", e.range.begin.line + 1},
                           {"column", e.range.begin.column + 1},
                           {"endLine", e.range.end.line + 1},
                           {"endColumn", e.range.end.column + 1},
                           {"text", e.newText.str()}});
        fix = {{"title", f.fix->title.str()}, {"edits", edits}};
      }
      nlohmann::json aliases = nlohmann::json::array();
      for (const char *a : f.rule->aliases)
        aliases.push_back(a);
      out.push_back({{"file", r.file},
                     {"line", f.range.begin.line + 1},
                     {"column", f.range.begin.column + 1},
                     {"endLine", f.range.end.line + 1},
                     {"endColumn", f.range.end.column + 1},
                     {"rule", f.rule->id},
                     {"aliases", aliases},
                     {"severity", severityName(f.severity).str()},
                     {"message", f.message.str()},
                     {"fix", fix}});
    }
  return out.dump(2) + "\n";
}

TEST_CASE("json report is byte for byte nlohmann's rendering", "[lint][format]") {
  // Fixes with and without edits, aliases or none, quotes, backslashes, tabs, control bytes and
  // UTF-8 in messages and file names.
  Linted l = lintOnly("FROM busybox:1.36 AS Build\nMAINTAINER \"J\\o\te\" <j\x01@\xc3\xa9.org>\n"
                      "run apt-get install -y curl\nWORKDIR rel\n",
                      {"StageNameCasing", "MaintainerDeprecated", "ConsistentInstructionCasing",
                       "AptGetNoInstallRecommends", "WorkdirRelativePath", "AptGetYes"});
  REQUIRE(l.findings.size() >= 4);
  Finding bare = l.findings[0];
  bare.fix = Fix{"nothing to edit", {}};
  l.findings.push_back(bare);
  std::vector<FileReport> files = {{"dir/Dockerfile \"\xe2\x82\xac\"", &l.tree.source, l.findings},
                                   {"empty", &l.tree.source, {}},
                                   {"b\\c", &l.tree.source, {l.findings[1]}}};
  CHECK(formatReport(OutputFormat::Json, files) == referenceJson(files));
  CHECK(formatReport(OutputFormat::Json, {}) == referenceJson({}));
  CHECK(formatReport(OutputFormat::Json, {{"x", &l.tree.source, {}}}) == "[]\n");
  // Invalid UTF-8 (which nlohmann refuses with an exception) is replaced, never passed on.
  Finding bad = l.findings[0];
  bad.message = "x\xff\xc3y";
  std::string out = formatReport(OutputFormat::Json, {{"f", &l.tree.source, {bad}}});
  CHECK(nlohmann::json::parse(out)[0]["message"] == "x\xef\xbf\xbd\xef\xbf\xbdy");
}

TEST_CASE("a report bigger than the writer's buffer comes in pieces that add up to it", "[lint][format]") {
  // 2,000 findings (~600 KB of JSON) and a message longer than the 64 KiB buffer, so pieces end
  // mid-finding and one piece skips the buffer; every format, joined, equals the whole string.
  Linted l = lintOnly(Bad, {"StageNameCasing", "MaintainerDeprecated"});
  REQUIRE(l.findings.size() == 2);
  std::vector<Finding> many;
  for (int i = 0; i < 1000; ++i)
    for (const Finding &f : l.findings)
      many.push_back(f);
  many[777].message = std::string(100000, 'm') + "\"<&>%\n";
  std::vector<FileReport> files = {{"a \"b\" <c>", &l.tree.source, many}, {"e", &l.tree.source, {}}};
  CHECK(formatReport(OutputFormat::Json, files) == referenceJson(files));
  for (const std::string &name : outputFormatNames()) {
    INFO(name);
    OutputFormat format = *parseOutputFormat(name);
    std::string joined;
    size_t pieces = 0, largest = 0;
    formatReport(format, files, {}, [&](llvm::StringRef piece) {
      joined += piece.str();
      ++pieces;
      largest = std::max(largest, piece.size());
    });
    CHECK(joined == formatReport(format, files));
    CHECK(largest >= 100000); // the long message went out whole, past the buffer
    CHECK(pieces > 1);
  }
}

TEST_CASE("sarif report lists each fired rule once and points results at it", "[lint][format]") {
  Linted a = lintOnly(Bad, {"MaintainerDeprecated"});
  Linted b = lintOnly(Bad, {"MaintainerDeprecated", "StageNameCasing"});
  auto v = nlohmann::json::parse(formatReport(
      OutputFormat::Sarif, {{"a", &a.tree.source, a.findings}, {"b", &b.tree.source, b.findings}}));
  CHECK(v["version"] == "2.1.0");
  auto &run = v["runs"][0];
  REQUIRE(run["tool"]["driver"]["rules"].size() == 2);
  REQUIRE(run["results"].size() == 3);
  for (auto &r : run["results"]) {
    INFO(r.dump());
    CHECK(run["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()]["id"] == r["ruleId"]);
  }
  CHECK(run["tool"]["driver"]["rules"][0]["helpUri"].get<std::string>().find("docs/rules/MaintainerDeprecated.md") !=
        std::string::npos);
  CHECK(run["results"][0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] == "a");
}

TEST_CASE("sarif, codeclimate and gitlab are laid out as nlohmann's dump(2)", "[lint][format]") {
  // Written directly: parsing the text and dumping it again must give it back byte for byte
  // (sorted keys, two-space indent, empty containers), for findings with and without fixes,
  // edits, aliases or a rule, and strings that need escaping.
  Linted l = lintOnly("FROM busybox:1.36 AS Build\nMAINTAINER \"J\\o\te\" <j\x01@\xc3\xa9.org>\n"
                      "run apt-get install -y curl\n",
                      {"StageNameCasing", "MaintainerDeprecated", "ConsistentInstructionCasing",
                       "AptGetNoInstallRecommends"});
  REQUIRE(l.findings.size() >= 3);
  Finding bare = l.findings[0];
  bare.fix = Fix{"nothing to edit", {}};
  Finding ruleless = l.findings[1];
  ruleless.rule = nullptr;
  l.findings.push_back(bare);
  l.findings.push_back(ruleless);
  std::vector<FileReport> files = {{"dir/\"D\"\tf \xe2\x82\xac", &l.tree.source, l.findings},
                                   {"empty", &l.tree.source, {}}};
  for (OutputFormat format : {OutputFormat::Sarif, OutputFormat::CodeClimate, OutputFormat::GitLab}) {
    for (const std::vector<FileReport> &input : {files, std::vector<FileReport>{}}) {
      std::string text = formatReport(format, input);
      INFO(text);
      CHECK(nlohmann::json::parse(text).dump(2) + "\n" == text);
    }
  }
  // Invalid UTF-8 (nlohmann's dump threw on it and dfc aborted) becomes U+FFFD, as in json.
  Finding bad = l.findings[0];
  bad.message = "x\xff\xc3y";
  for (OutputFormat format : {OutputFormat::Sarif, OutputFormat::CodeClimate, OutputFormat::GitLab}) {
    std::string text = formatReport(format, {{"f\xfe", &l.tree.source, {bad}}});
    CHECK(text.find("x\xef\xbf\xbd\xef\xbf\xbdy") != std::string::npos);
    CHECK(nlohmann::json::parse(text).dump(2) + "\n" == text);
  }
  auto sarif = nlohmann::json::parse(formatReport(OutputFormat::Sarif, files));
  auto &results = sarif["runs"][0]["results"];
  REQUIRE(results.size() == l.findings.size());
  CHECK(results.back()["ruleId"] == "unknown");
  CHECK(sarif["runs"][0]["tool"]["driver"]["rules"][results.back()["ruleIndex"].get<size_t>()]["id"] == "unknown");
}

TEST_CASE("tty report shows the line and a caret under the range", "[lint][format]") {
  Linted l = lintOnly("FROM busybox:1.36 AS Build\n", {"StageNameCasing"});
  std::string plain = formatReport(OutputFormat::Tty, {{"D", &l.tree.source, l.findings}});
  CHECK(plain == "D:1:22: warning: Stage name 'Build' should be lowercase [StageNameCasing] (fixable)\n"
                 "  FROM busybox:1.36 AS Build\n"
                 "                       ^~~~~\n"
                 "1 problem (0 errors, 1 warnings, 0 info, 0 style)\n");
  FormatOptions color;
  color.color = true;
  std::string painted = formatReport(OutputFormat::Tty, {{"D", &l.tree.source, l.findings}}, color);
  CHECK(painted.find("\033[") != std::string::npos);
  CHECK(formatReport(OutputFormat::Tty, {{"D", &l.tree.source, {}}}).empty());
}

TEST_CASE("json strings: a byte that needs a look anywhere in an 8-byte chunk", "[lint][format]") {
  // The escaper skips eight plain bytes at a time; each special byte, at each offset of a
  // message longer than two chunks, must still come out as nlohmann writes it.
  Linted l = lintOnly("FROM busybox:1.36 AS Build\n", {"StageNameCasing"});
  REQUIRE(l.findings.size() == 1);
  const std::string specials[] = {"\x01", "\x1f", "\"", "\\", "\x7f", " ", "~", "\xc3\xa9", "\xe2\x82\xac", "\t"};
  for (const std::string &special : specials)
    for (size_t at = 0; at <= 18; ++at) {
      Finding f = l.findings[0];
      f.message = std::string(at, 'a') + special + std::string(20 - at, 'b');
      std::vector<FileReport> files = {{"d/" + std::string(at, 'f') + special, &l.tree.source, {f}}};
      INFO("special byte " << static_cast<unsigned>(static_cast<unsigned char>(special[0])) << " at " << at);
      CHECK(formatReport(OutputFormat::Json, files) == referenceJson(files));
    }
}

TEST_CASE("xml and annotation formats escape what they must", "[lint][format]") {
  Linted l = lintOnly(Bad, {"MaintainerDeprecated"});
  l.findings[0].message = "a <b> & \"c\", 100%\nnext: line";
  std::string cs = formatReport(OutputFormat::Checkstyle, {{"x&y", &l.tree.source, l.findings}});
  CHECK(cs.find("name=\"x&amp;y\"") != std::string::npos);
  CHECK(cs.find("message=\"a &lt;b&gt; &amp; &quot;c&quot;, 100%\nnext: line\"") != std::string::npos);
  std::string gh = formatReport(OutputFormat::GitHub, {{"a,b:c", &l.tree.source, l.findings}});
  CHECK(gh == "::warning file=a%2Cb%3Ac,line=2,col=1,endLine=2,endColumn=11,title=MaintainerDeprecated::"
              "a <b> & \"c\", 100%25%0Anext: line [MaintainerDeprecated]\n");
  std::string junit = formatReport(OutputFormat::JUnit, {{"f", &l.tree.source, l.findings}});
  CHECK(junit.find("tests=\"1\" failures=\"1\"") != std::string::npos);
}

TEST_CASE("codeclimate fingerprints are stable and distinct", "[lint][format]") {
  Linted l = lintOnly(Bad, {"MaintainerDeprecated", "StageNameCasing"});
  auto once = nlohmann::json::parse(formatReport(OutputFormat::CodeClimate, {{"f", &l.tree.source, l.findings}}));
  auto again = nlohmann::json::parse(formatReport(OutputFormat::CodeClimate, {{"f", &l.tree.source, l.findings}}));
  REQUIRE(once.size() == 2);
  CHECK(once[0]["fingerprint"] == again[0]["fingerprint"]);
  CHECK(once[0]["fingerprint"] != once[1]["fingerprint"]);
  auto gitlab = nlohmann::json::parse(formatReport(OutputFormat::GitLab, {{"f", &l.tree.source, l.findings}}));
  CHECK(gitlab[0]["location"]["lines"]["begin"] == 1);
}

TEST_CASE("shellBodies: shell form, heredoc, SHELL dialects", "[lint][shellcheck]") {
  SyntaxTree tree = parseDockerfile("FROM a\nRUN echo hi && \\\n  echo $X\nRUN [\"echo\", \"x\"]\nRUN <<EOF\nls\nEOF\n"
                                    "SHELL [\"/bin/bash\", \"-c\"]\nRUN echo b\n"
                                    "SHELL [\"powershell\", \"-c\"]\nRUN Write-Host\n");
  Program p = buildProgram(tree);
  std::vector<ShellBody> bodies = shellBodies(tree, p);
  REQUIRE(bodies.size() == 3);
  CHECK(bodies[0].dialect == "sh");
  CHECK(bodies[1].script == "ls\n");
  CHECK(bodies[2].dialect == "bash");
  CHECK(bodies[2].script == "echo b");
}

TEST_CASE("ShellCheck positions map back through continuations and tabs", "[lint][shellcheck]") {
  SyntaxTree tree = parseDockerfile("FROM a\nRUN echo hi && \\\n  echo $X\nRUN <<EOF\n\techo $Y\nEOF\n");
  Program p = buildProgram(tree);
  std::vector<ShellBody> bodies = shellBodies(tree, p);
  REQUIRE(bodies.size() == 2);
  // The shell-form body is the joined line: `$X` is at column 21 of "echo hi &&   echo $X".
  std::string col = std::to_string(bodies[0].script.find("$X") + 1);
  std::string json = R"([{"file":"-","line":1,"endLine":1,"column":)" + col + R"(,"endColumn":)" +
                     std::to_string(std::stoi(col) + 2) +
                     R"(,"level":"info","code":2086,"message":"Double quote to prevent globbing and word splitting."}])";
  std::vector<Finding> out;
  std::string error;
  REQUIRE(shellCheckFindings(bodies[0], json, tree.source, out, error));
  REQUIRE(out.size() == 1);
  CHECK(out[0].range.begin.line + 1 == 3);
  CHECK(out[0].range.begin.column + 1 == 8);
  CHECK(out[0].range.end.column + 1 == 10);
  CHECK(out[0].severity == Severity::Info);
  CHECK(out[0].message == "SC2086: Double quote to prevent globbing and word splitting.");
  CHECK(llvm::StringRef(out[0].rule->id) == "ShellCheck");
  // In the heredoc, ShellCheck counts the leading tab as 8 columns: `$Y` is its column 14.
  out.clear();
  REQUIRE(shellCheckFindings(bodies[1], R"([{"line":1,"column":14,"endLine":1,"endColumn":16,"level":"warning","code":2086,"message":"m"}])",
                             tree.source, out, error));
  REQUIRE(out.size() == 1);
  CHECK(out[0].range.begin.line + 1 == 5);
  CHECK(out[0].range.begin.column + 1 == 7);
  CHECK_FALSE(shellCheckFindings(bodies[1], "not json", tree.source, out, error));
  CHECK_FALSE(error.empty());
}

} // namespace dfc::lint
