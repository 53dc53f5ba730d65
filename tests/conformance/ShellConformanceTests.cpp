// Runs BuildKit's shell-lexer test data (shell/envVarTest, shell/wordsTest, tables/shell_lex.json
// from the shared conformance dir, read in place) against dfc::shell::processWord(s).
#include "frontend/shell/ShellLex.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace dfc::shell;

namespace {

const std::string ShellDataDir = std::string(DFC_SHARED_DIR) + "/conformance/buildkit";

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::vector<std::string> splitLines(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string::npos; start = pos + 1)
    parts.push_back(s.substr(start, pos - start));
  parts.push_back(s.substr(start));
  return parts;
}

std::string trimSpace(const std::string &s) {
  return llvm::StringRef(s).trim(" \t\r\n\v\f").str();
}

std::string trimLeftSpaces(const std::string &s) { return llvm::StringRef(s).ltrim(' ').str(); }

// Loads a data file, or warns visibly and returns false when the shared dir is missing.
bool loadData(const std::string &relative, std::string &out) {
  std::string path = ShellDataDir + "/" + relative;
  if (readFile(path, out))
    return true;
  WARN("SKIPPED: buildkit conformance data " << path << " not found");
  return false;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

ListEnvironment envFromObject(const nlohmann::json &obj) {
  ListEnvironment env;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    env.set(it.key(), it.value().get<std::string>());
  return env;
}

ListEnvironment envFromList(const nlohmann::json &list) {
  ListEnvironment env;
  for (const auto &kv : list)
    env.setPair(kv.get<std::string>());
  return env;
}

} // namespace

TEST_CASE("buildkit shell/envVarTest through processWord", "[conformance][shell]") {
  std::string text;
  if (!loadData("shell/envVarTest", text))
    return;
  ListEnvironment unixEnv(false), windowsEnv(true);
  for (const char *kv : {"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="}) {
    unixEnv.setPair(kv);
    windowsEnv.setPair(kv);
  }
  std::vector<std::string> lines = splitLines(text);
  size_t cases = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (llvm::StringRef(lines[i]).startswith("#") || trimSpace(lines[i]).empty())
      continue;
    std::vector<std::string> fields = split(trimSpace(lines[i]), '|');
    REQUIRE(fields.size() == 3);
    std::string platform = trimSpace(fields[0]), input = trimSpace(fields[1]),
                expected = trimSpace(fields[2]);
    REQUIRE((platform == "A" || platform == "U" || platform == "W"));
    // "A" runs under both platforms; Windows means case-insensitive names.
    for (bool windows : {false, true}) {
      if (platform == (windows ? "U" : "W"))
        continue;
      ++cases;
      DYNAMIC_SECTION("line " << i + 1 << (windows ? " [W] " : " [U] ") << input) {
        WordResult r = processWord(input, windows ? windowsEnv : unixEnv);
        if (expected == "error") {
          CHECK_FALSE(r.ok());
          CHECK_THAT(r.error, Catch::StartsWith("failed to process \""));
        } else {
          CHECK(r.error == "");
          CHECK(r.word == expected);
        }
      }
    }
  }
  CHECK(cases > 200);
}

TEST_CASE("buildkit shell/wordsTest through processWords", "[conformance][shell]") {
  std::string text;
  if (!loadData("shell/wordsTest", text))
    return;
  // Only the normal mode: upstream's second (RawQuotes + SkipUnsetEnv) pass never runs.
  ListEnvironment env;
  std::vector<std::string> lines = splitLines(text);
  size_t cases = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string &line = lines[i];
    if (llvm::StringRef(line).startswith("#") || line.empty())
      continue;
    if (llvm::StringRef(line).startswith("ENV ")) {
      env.setPair(trimLeftSpaces(line.substr(3)));
      continue;
    }
    std::vector<std::string> fields = split(line, '|');
    REQUIRE(fields.size() == 2);
    std::string input = trimSpace(fields[0]);
    std::vector<std::string> expected = split(trimLeftSpaces(fields[1]), ',');
    ++cases;
    DYNAMIC_SECTION("line " << i + 1 << ": " << input) {
      WordsResult r = processWords(input, env);
      std::vector<std::string> got = r.ok() ? r.words : std::vector<std::string>{"error"};
      CAPTURE(r.error);
      CHECK(got == expected);
    }
  }
  CHECK(cases == 24);
}

TEST_CASE("buildkit tables/shell_lex.json", "[conformance][shell]") {
  std::string text;
  if (!loadData("tables/shell_lex.json", text))
    return;
  nlohmann::json data = nlohmann::json::parse(text);

  SECTION("process_with_matches") {
    const auto &cases = data.at("process_with_matches");
    CHECK(cases.size() == 47);
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto &c = cases[i];
      std::string input = c.at("input").get<std::string>();
      DYNAMIC_SECTION("#" << i << " " << input << " env " << c.at("envs").dump()) {
        ListEnvironment env = envFromObject(c.at("envs"));
        WordResult r = processWord(input, env);
        if (c.value("expect_error", false)) {
          CHECK_FALSE(r.ok());
          CHECK_THAT(r.error, Catch::StartsWith("failed to process \""));
        } else {
          CHECK(r.error == "");
          CHECK(r.word == c.at("expected").get<std::string>());
          CHECK(r.matched == sorted(c.at("matches").get<std::vector<std::string>>()));
          CHECK(r.unmatched == sorted(c.at("unmatched").get<std::vector<std::string>>()));
        }
      }
    }
  }

  SECTION("mandatory_env_vars") {
    const auto &cases = data.at("mandatory_env_vars").at("cases");
    CHECK(cases.size() == 6);
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto &c = cases[i];
      std::string input = c.at("input").get<std::string>();
      DYNAMIC_SECTION("#" << i << " " << input << " env " << c.at("env").dump()) {
        WordResult r = processWord(input, envFromList(c.at("env")));
        if (c.contains("expect_error_contains")) {
          CHECK_THAT(r.error, Catch::Contains(c.at("expect_error_contains").get<std::string>()));
        } else {
          CHECK(r.error == "");
          CHECK(r.word == c.at("expected").get<std::string>());
        }
      }
    }
  }

  SECTION("platform_release_name") {
    const auto &section = data.at("platform_release_name");
    std::string input = section.at("input").get<std::string>();
    for (const auto &c : section.at("cases")) {
      DYNAMIC_SECTION(input << " env " << c.at("envs").dump()) {
        WordResult r = processWord(input, envFromObject(c.at("envs")));
        CHECK(r.error == "");
        CHECK(r.word == c.at("expected").get<std::string>());
      }
    }
  }

  // convertShellPatternToRegex has no counterpart (patterns are matched without regexps), so
  // its cases are checked for the behaviour the regexp stands for, through ${V##pattern}: the
  // value starts with text the regexp matches, then a newline that `.` cannot cross.
  SECTION("shell_pattern_to_regex (through ${V##pattern})") {
    const auto &section = data.at("shell_pattern_to_regex");
    for (auto it = section.at("valid").begin(); it != section.at("valid").end(); ++it) {
      std::string pattern = it.key(), regex = it.value().get<std::string>();
      DYNAMIC_SECTION("valid " << pattern << " -> " << regex) {
        // A sample of what the regexp matches: `\c` is c, `.*` is "ab", `.` is "c".
        std::string sample;
        llvm::StringRef re = llvm::StringRef(regex);
        REQUIRE(re.consume_front("^"));
        while (!re.empty()) {
          if (re.consume_front(".*"))
            sample += "ab";
          else if (re.consume_front("."))
            sample += "c";
          else if (re.size() >= 2 && re[0] == '\\') {
            sample += re[1];
            re = re.drop_front(2);
          } else {
            sample += re[0];
            re = re.drop_front();
          }
        }
        ListEnvironment env;
        env.set("V", sample + "\nrest");
        env.set("P", pattern);
        WordResult r = processWord("${V##$P}", env);
        CHECK(r.error == "");
        CHECK(r.word == "\nrest");
      }
    }
    for (const auto &p : section.at("invalid")) {
      std::string pattern = p.get<std::string>();
      DYNAMIC_SECTION("invalid " << pattern) {
        ListEnvironment env;
        env.set("V", "value");
        env.set("P", pattern);
        WordResult r = processWord("${V##$P}", env);
        CHECK_THAT(r.error, Catch::Contains("invalid escape"));
        CHECK_THAT(r.error, Catch::Contains("invalid pattern (" + pattern + ") in substitution"));
      }
    }
  }

  // reversePattern has no counterpart either; ${V%pattern} matches the reversed pattern against
  // the reversed value, so the expected reversal decides the outcome: an invalid escape in it is
  // an error naming it, otherwise the literal text it spells is trimmed from the end of V.
  SECTION("reverse_pattern (through ${V%pattern})") {
    const auto &section = data.at("reverse_pattern");
    for (auto it = section.begin(); it != section.end(); ++it) {
      std::string pattern = it.key(), reversed = it.value().get<std::string>();
      DYNAMIC_SECTION(pattern << " reversed " << reversed) {
        std::string sampleReversed; // what `reversed` matches, with `*` empty and `?` = "q"
        bool valid = true;
        llvm::StringRef re = reversed;
        while (!re.empty() && valid) {
          if (re[0] == '\\') {
            if (re.size() < 2 || llvm::StringRef("*?\\}/").find(re[1]) == llvm::StringRef::npos)
              valid = false;
            else
              sampleReversed += re[1];
            re = re.drop_front(2 <= re.size() ? 2 : 1);
          } else if (re[0] == '*') {
            re = re.drop_front();
          } else if (re[0] == '?') {
            sampleReversed += 'q';
            re = re.drop_front();
          } else {
            // whole UTF-8 sequences: the sample is reversed by code point below
            size_t n = 1;
            while (n < re.size() && (static_cast<unsigned char>(re[n]) & 0xC0) == 0x80)
              ++n;
            sampleReversed += re.substr(0, n).str();
            re = re.drop_front(n);
          }
        }
        ListEnvironment env;
        env.set("P", pattern);
        if (!valid) {
          env.set("V", "value");
          WordResult r = processWord("${V%$P}", env);
          CHECK_THAT(r.error, Catch::Contains("invalid pattern (" + reversed + ") in substitution: invalid escape"));
        } else {
          // Reverse the sample by code point to get the suffix in value order.
          std::vector<std::string> chars;
          for (size_t k = 0; k < sampleReversed.size();) {
            size_t n = 1;
            while (k + n < sampleReversed.size() &&
                   (static_cast<unsigned char>(sampleReversed[k + n]) & 0xC0) == 0x80)
              ++n;
            chars.push_back(sampleReversed.substr(k, n));
            k += n;
          }
          std::string suffix;
          for (auto c = chars.rbegin(); c != chars.rend(); ++c)
            suffix += *c;
          env.set("V", "keep" + suffix);
          WordResult r = processWord("${V%$P}", env);
          CHECK(r.error == "");
          CHECK(r.word == "keep");
        }
      }
    }
  }
}
