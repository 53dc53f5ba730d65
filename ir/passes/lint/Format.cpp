// The report formats of `dfc lint`: each turns findings into the text a reader or a CI system
// expects, with 1-based lines and columns everywhere except where a format says otherwise.
#include "ir/passes/lint/Format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

namespace dfc::lint {
namespace {

using nlohmann::json;

uint32_t line1(const Position &p) { return p.line + 1; }
uint32_t col1(const Position &p) { return p.column + 1; }

std::string ruleId(const Finding &f) { return f.rule ? f.rule->id : "unknown"; }

json aliasesOf(const Finding &f) {
  json a = json::array();
  if (f.rule)
    for (const char *s : f.rule->aliases)
      a.push_back(s);
  return a;
}

std::string xmlEscape(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default:
      // XML 1.0 forbids most control characters even as references.
      if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r')
        out += "?";
      else
        out.push_back(c);
    }
  }
  return out;
}

// FNV-1a: a fingerprint stable across runs and platforms (std::hash is neither).
std::string fingerprint(const std::string &file, const Finding &f) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](llvm::StringRef s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(file);
  mix(ruleId(f));
  mix(std::to_string(f.range.begin.line));
  mix(std::to_string(f.range.begin.column));
  mix(f.message);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// JSON text exactly as nlohmann's dump(2) renders it, written directly: the json format is the
// one tools read in bulk, and building a DOM of std::maps for thousands of findings cost more
// than linting them. Strings are escaped as nlohmann does (", \\, \b \f \n \r \t, other
// control bytes as \u00xx, UTF-8 as is); invalid UTF-8 becomes U+FFFD rather than an exception.
class JsonText {
public:
  explicit JsonText(size_t reserve = 64) : Buf(std::max<size_t>(reserve, 64), '\0') {}

  // The text so far; take() hands it over (the writer is done then).
  llvm::StringRef text() const { return llvm::StringRef(Buf.data(), Len); }
  std::string take() {
    Buf.resize(Len);
    return std::move(Buf);
  }
  void put(char c) {
    room(1);
    Buf[Len++] = c;
  }
  void put(const char *p, size_t n) {
    room(n);
    std::memcpy(Buf.data() + Len, p, n);
    Len += n;
  }

  void number(uint32_t v) {
    char buf[10];
    char *end = buf + sizeof buf, *p = end;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    put(p, static_cast<size_t>(end - p));
  }
  // Text known to need no escaping, such as `,\n    "column": `, appended at once.
  template <size_t N> void raw(const char (&s)[N]) { put(s, N - 1); }
  void raw(llvm::StringRef s) { put(s.data(), s.size()); }
  void string(llvm::StringRef s) {
    put('"');
    size_t i = 0;
    while (i < s.size()) {
      size_t plain = i;
      while (plain + 8 <= s.size() && plainAscii8(s.data() + plain))
        plain += 8; // eight bytes at a time while none needs a look
      for (unsigned char p; plain < s.size() && (p = static_cast<unsigned char>(s[plain])) >= 0x20 && p < 0x80 &&
                            p != '"' && p != '\\';)
        ++plain; // a run of printable ASCII, copied at once
      put(s.data() + i, plain - i);
      i = plain;
      if (i >= s.size())
        break;
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        size_t len = utf8Length(s, i);
        if (len == 0) {
          raw("\xEF\xBF\xBD");
          ++i;
        } else {
          put(s.data() + i, len);
          i += len;
        }
        continue;
      }
      switch (c) {
      case '"': raw("\\\""); break;
      case '\\': raw("\\\\"); break;
      case '\b': raw("\\b"); break;
      case '\f': raw("\\f"); break;
      case '\n': raw("\\n"); break;
      case '\r': raw("\\r"); break;
      case '\t': raw("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          put(buf, std::strlen(buf));
        } else {
          put(static_cast<char>(c));
        }
      }
      ++i;
    }
    put('"');
  }

private:
  // Written up to Len; sized ahead (the caller's estimate, then doubling), so a put is a bounds
  // check and a copy, and the text is handed over without copying it again (one buffer: a
  // second one of that size costs its page faults again on every report).
  std::string Buf;
  size_t Len = 0;

  void room(size_t n) {
    if (Len + n > Buf.size())
      Buf.resize(std::max(Buf.size() * 2, Len + n));
  }

  // Whether none of the 8 bytes at p is a control byte, '"', '\\' or non-ASCII (SWAR: a
  // byte's high bit in each term marks it; exact for "any", which is all that is asked).
  static bool plainAscii8(const char *p) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    constexpr uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t control = (x - ones * 0x20) & ~x;
    uint64_t q = x ^ (ones * '"'), quote = (q - ones) & ~q;
    uint64_t b = x ^ (ones * '\\'), backslash = (b - ones) & ~b;
    return ((control | quote | backslash | x) & high) == 0;
  }

  // Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
  // nothing above U+10FFFF), 0 if there is none.
  static size_t utf8Length(llvm::StringRef s, size_t i) {
    auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return at(k) >= lo && at(k) <= hi; };
    unsigned c = at(0);
    if (c >= 0xC2 && c <= 0xDF)
      return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      return cont(1, lo, hi) && cont(2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
  }
};

std::string formatJson(const std::vector<FileReport> &files) {
  // Keys in nlohmann's (std::map) order: byte-wise sorted.
  size_t count = 0;
  for (const FileReport &r : files)
    count += r.findings.size();
  if (count == 0)
    return "[]\n";
  JsonText j(count * 400);
  j.put('[');
  bool firstFinding = true;
  for (const FileReport &r : files) {
    JsonText file; // the same for each of the file's findings: escaped once
    file.string(r.file);
    for (const Finding &f : r.findings) {
      j.raw(firstFinding ? "\n  {\n    \"aliases\": " : ",\n  {\n    \"aliases\": ");
      firstFinding = false;
      if (!f.rule || f.rule->aliases.empty()) {
        j.raw("[]");
      } else {
        for (size_t a = 0; a < f.rule->aliases.size(); ++a) {
          j.raw(a ? ",\n      " : "[\n      ");
          j.string(f.rule->aliases[a]);
        }
        j.raw("\n    ]");
      }
      j.raw(",\n    \"column\": ");
      j.number(col1(f.range.begin));
      j.raw(",\n    \"endColumn\": ");
      j.number(col1(f.range.end));
      j.raw(",\n    \"endLine\": ");
      j.number(line1(f.range.end));
      j.raw(",\n    \"file\": ");
      j.raw(file.text());
      j.raw(",\n    \"fix\": ");
      if (!f.fix) {
        j.raw("null");
      } else {
        j.raw("{\n      \"edits\": ");
        if (f.fix->edits.empty()) {
          j.raw("[]");
        } else {
          for (size_t e = 0; e < f.fix->edits.size(); ++e) {
            const TextEdit &edit = f.fix->edits[e];
            j.raw(e ? ",\n        {\n          \"column\": " : "[\n        {\n          \"column\": ");
            j.number(col1(edit.range.begin));
            j.raw(",\n          \"endColumn\": ");
            j.number(col1(edit.range.end));
            j.raw(",\n          \"endLine\": ");
            j.number(line1(edit.range.end));
            j.raw(",\n          \"line\": ");
            j.number(line1(edit.range.begin));
            j.raw(",\n          \"text\": ");
            j.string(edit.newText);
            j.raw("\n        }");
          }
          j.raw("\n      ]");
        }
        j.raw(",\n      \"title\": ");
        j.string(f.fix->title);
        j.raw("\n    }");
      }
      j.raw(",\n    \"line\": ");
      j.number(line1(f.range.begin));
      j.raw(",\n    \"message\": ");
      j.string(f.message);
      j.raw(",\n    \"rule\": ");
      j.string(f.rule ? llvm::StringRef(f.rule->id) : llvm::StringRef("unknown"));
      j.raw(",\n    \"severity\": ");
      j.string(severityName(f.severity));
      j.raw("\n  }");
    }
  }
  j.raw("\n]\n");
  return j.take();
}

const char *sarifLevel(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  default: return "note";
  }
}

json sarifRegion(const Range &r) {
  return {{"startLine", line1(r.begin)},
          {"startColumn", col1(r.begin)},
          {"endLine", line1(r.end)},
          {"endColumn", col1(r.end)}};
}

std::string formatSarif(const std::vector<FileReport> &files, const FormatOptions &opts) {
  // The driver lists every rule that fired (SARIF allows a subset), indexed by results.
  json rules = json::array();
  std::map<std::string, size_t> ruleIndex;
  json results = json::array();
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      std::string id = ruleId(f);
      auto [it, inserted] = ruleIndex.emplace(id, rules.size());
      if (inserted) {
        json rule = {{"id", id},
                     {"shortDescription", {{"text", f.rule ? f.rule->summary : id.c_str()}}},
                     {"helpUri", opts.docsBase + id + ".md"},
                     {"properties", {{"aliases", aliasesOf(f)}}}};
        if (f.rule) {
          rule["defaultConfiguration"] = {{"level", sarifLevel(f.rule->severity)}};
          rule["properties"]["source"] = ruleSourceName(f.rule->source).str();
        }
        rules.push_back(rule);
      }
      json location = {{"physicalLocation",
                        {{"artifactLocation", {{"uri", r.file}}}, {"region", sarifRegion(f.range)}}}};
      json result = {{"ruleId", id},
                     {"ruleIndex", it->second},
                     {"level", sarifLevel(f.severity)},
                     {"message", {{"text", f.message}}},
                     {"locations", json::array({location})}};
      if (f.fix) {
        json replacements = json::array();
        for (const TextEdit &e : f.fix->edits)
          replacements.push_back({{"deletedRegion", sarifRegion(e.range)}, {"insertedContent", {{"text", e.newText}}}});
        result["fixes"] = json::array(
            {{{"description", {{"text", f.fix->title}}},
              {"artifactChanges",
               json::array({{{"artifactLocation", {{"uri", r.file}}}, {"replacements", replacements}}})}}});
      }
      results.push_back(result);
    }
  json driver = {{"name", "dfc"},
                 {"version", opts.toolVersion},
                 {"informationUri", opts.docsBase.substr(0, opts.docsBase.find("/docs/"))},
                 {"rules", rules}};
  json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  return sarif.dump(2) + "\n";
}

std::string formatCheckstyle(const std::vector<FileReport> &files) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n";
  for (const FileReport &r : files) {
    out += "  <file name=\"" + xmlEscape(r.file) + "\">\n";
    for (const Finding &f : r.findings) {
      // Checkstyle knows error, warning and info; style is closest to info.
      llvm::StringRef sev = f.severity == Severity::Style ? "info" : severityName(f.severity);
      out += "    <error line=\"" + std::to_string(line1(f.range.begin)) + "\" column=\"" +
             std::to_string(col1(f.range.begin)) + "\" severity=\"" + sev.str() + "\" message=\"" +
             xmlEscape(f.message) + "\" source=\"dfc." + xmlEscape(ruleId(f)) + "\"/>\n";
    }
    out += "  </file>\n";
  }
  return out + "</checkstyle>\n";
}

std::string formatGnu(const std::vector<FileReport> &files) {
  // GNU's "file:line.col-line.col: severity: message" with the rule id appended.
  std::string out;
  for (const FileReport &r : files)
    for (const Finding &f : r.findings)
      out += r.file + ":" + std::to_string(line1(f.range.begin)) + "." + std::to_string(col1(f.range.begin)) + "-" +
             std::to_string(line1(f.range.end)) + "." + std::to_string(col1(f.range.end)) + ": " +
             severityName(f.severity).str() + ": " + f.message + " [" + ruleId(f) + "]\n";
  return out;
}

const char *climateSeverity(Severity s) {
  switch (s) {
  case Severity::Error: return "major";
  case Severity::Warning: return "minor";
  default: return "info";
  }
}

std::string formatCodeClimate(const std::vector<FileReport> &files, bool gitlab) {
  json out = json::array();
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      json issue = {{"description", f.message},
                    {"check_name", ruleId(f)},
                    {"fingerprint", fingerprint(r.file, f)},
                    {"severity", climateSeverity(f.severity)}};
      if (gitlab) {
        // GitLab's Code Quality report reads location.lines.begin only.
        issue["location"] = {{"path", r.file}, {"lines", {{"begin", line1(f.range.begin)}}}};
      } else {
        issue["type"] = "issue";
        issue["categories"] = json::array({f.severity == Severity::Error ? "Bug Risk" : "Style"});
        issue["location"] = {
            {"path", r.file},
            {"positions",
             {{"begin", {{"line", line1(f.range.begin)}, {"column", col1(f.range.begin)}}},
              {"end", {{"line", line1(f.range.end)}, {"column", col1(f.range.end)}}}}}};
      }
      out.push_back(issue);
    }
  return out.dump(2) + "\n";
}

std::string formatJUnit(const std::vector<FileReport> &files) {
  size_t tests = 0, failures = 0;
  std::string body;
  for (const FileReport &r : files) {
    std::string cases;
    size_t fileFailures = 0;
    for (const Finding &f : r.findings) {
      std::string where = std::to_string(line1(f.range.begin)) + ":" + std::to_string(col1(f.range.begin));
      cases += "    <testcase classname=\"" + xmlEscape(r.file) + "\" name=\"" + xmlEscape(ruleId(f)) + " at " +
               where + "\">\n      <failure type=\"" + severityName(f.severity).str() + "\" message=\"" +
               xmlEscape(f.message) + "\">" + xmlEscape(r.file + ":" + where + " " + f.message) +
               "</failure>\n    </testcase>\n";
      ++fileFailures;
    }
    if (r.findings.empty())
      cases += "    <testcase classname=\"" + xmlEscape(r.file) + "\" name=\"dfc lint\"/>\n";
    size_t fileTests = std::max<size_t>(1, r.findings.size());
    tests += fileTests;
    failures += fileFailures;
    body += "  <testsuite name=\"" + xmlEscape(r.file) + "\" tests=\"" + std::to_string(fileTests) +
            "\" failures=\"" + std::to_string(fileFailures) + "\" errors=\"0\">\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dfc lint\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\">\n" + body + "</testsuites>\n";
}

// GitHub workflow commands: data escapes %, CR, LF; property values also ':' and ','.
std::string githubEscape(llvm::StringRef s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else if (property && c == ':') out += "%3A";
    else if (property && c == ',') out += "%2C";
    else out.push_back(c);
  }
  return out;
}

std::string formatGitHub(const std::vector<FileReport> &files) {
  std::string out;
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      const char *level = f.severity == Severity::Error ? "error" : f.severity == Severity::Warning ? "warning" : "notice";
      out += std::string("::") + level + " file=" + githubEscape(r.file, true) +
             ",line=" + std::to_string(line1(f.range.begin)) + ",col=" + std::to_string(col1(f.range.begin)) +
             ",endLine=" + std::to_string(line1(f.range.end)) + ",endColumn=" + std::to_string(col1(f.range.end)) +
             ",title=" + githubEscape(ruleId(f), true) + "::" + githubEscape(f.message + " [" + ruleId(f) + "]", false) +
             "\n";
    }
  return out;
}

const char *ttyColor(Severity s) {
  switch (s) {
  case Severity::Error: return "\033[1;31m";
  case Severity::Warning: return "\033[1;35m";
  case Severity::Info: return "\033[1;36m";
  case Severity::Style: return "\033[1;34m";
  }
  return "";
}

// Tabs are kept in the caret line so it lines up with the source line in any tab width.
std::string caretLine(llvm::StringRef line, uint32_t from, uint32_t to) {
  std::string out;
  for (uint32_t i = 0; i < from && i < line.size(); ++i)
    out.push_back(line[i] == '\t' ? '\t' : ' ');
  out.push_back('^');
  for (uint32_t i = from + 1; i < to; ++i)
    out.push_back('~');
  return out;
}

std::string formatTty(const std::vector<FileReport> &files, const FormatOptions &opts) {
  std::string out;
  auto paint = [&](const char *code, const std::string &s) {
    return opts.color ? code + s + "\033[0m" : s;
  };
  size_t counts[4] = {0, 0, 0, 0};
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      ++counts[static_cast<size_t>(f.severity)];
      out += paint("\033[1m", r.file + ":" + std::to_string(line1(f.range.begin)) + ":" +
                                  std::to_string(col1(f.range.begin)) + ":") +
             " " + paint(ttyColor(f.severity), severityName(f.severity).str() + ":") + " " +
             paint("\033[1m", f.message) + " [" + ruleId(f) + "]" + (f.fix ? " (fixable)" : "") + "\n";
      if (!r.source || f.range.begin.line >= r.source->lineCount())
        continue;
      llvm::StringRef line = r.source->line(f.range.begin.line);
      // A range that spans lines is underlined to the end of its first line.
      uint32_t to = f.range.end.line == f.range.begin.line ? f.range.end.column : static_cast<uint32_t>(line.size());
      to = std::max(to, f.range.begin.column + 1);
      out += "  " + line.str() + "\n  " + paint("\033[1;32m", caretLine(line, f.range.begin.column, to)) + "\n";
    }
  size_t total = counts[0] + counts[1] + counts[2] + counts[3];
  if (total) {
    out += std::to_string(total) + (total == 1 ? " problem" : " problems") + " (" + std::to_string(counts[0]) +
           " errors, " + std::to_string(counts[1]) + " warnings, " + std::to_string(counts[2]) + " info, " +
           std::to_string(counts[3]) + " style)\n";
  }
  return out;
}

} // namespace

std::optional<OutputFormat> parseOutputFormat(llvm::StringRef name) {
  static const std::pair<const char *, OutputFormat> table[] = {
      {"tty", OutputFormat::Tty},       {"json", OutputFormat::Json},
      {"sarif", OutputFormat::Sarif},   {"checkstyle", OutputFormat::Checkstyle},
      {"gnu", OutputFormat::Gnu},       {"codeclimate", OutputFormat::CodeClimate},
      {"gitlab", OutputFormat::GitLab}, {"junit", OutputFormat::JUnit},
      {"github", OutputFormat::GitHub}};
  for (auto &[n, f] : table)
    if (name == n)
      return f;
  return std::nullopt;
}

const std::vector<std::string> &outputFormatNames() {
  static const std::vector<std::string> names = {"tty",         "json",   "sarif", "checkstyle", "gnu",
                                                 "codeclimate", "gitlab", "junit", "github"};
  return names;
}

std::optional<Severity> parseSeverity(llvm::StringRef name) {
  for (Severity s : {Severity::Error, Severity::Warning, Severity::Info, Severity::Style})
    if (name.equals_insensitive(severityName(s)))
      return s;
  return std::nullopt;
}

std::string formatReport(OutputFormat format, const std::vector<FileReport> &files, const FormatOptions &options) {
  switch (format) {
  case OutputFormat::Tty: return formatTty(files, options);
  case OutputFormat::Json: return formatJson(files);
  case OutputFormat::Sarif: return formatSarif(files, options);
  case OutputFormat::Checkstyle: return formatCheckstyle(files);
  case OutputFormat::Gnu: return formatGnu(files);
  case OutputFormat::CodeClimate: return formatCodeClimate(files, false);
  case OutputFormat::GitLab: return formatCodeClimate(files, true);
  case OutputFormat::JUnit: return formatJUnit(files);
  case OutputFormat::GitHub: return formatGitHub(files);
  }
  return {};
}

std::string applyFixes(llvm::StringRef text, const std::vector<Finding> &findings, size_t *applied) {
  std::vector<const Fix *> fixes;
  for (const Finding &f : findings)
    if (f.fix && !f.fix->edits.empty())
      fixes.push_back(&*f.fix);
  std::vector<std::pair<uint32_t, uint32_t>> taken; // [begin, end) of accepted edits
  std::vector<const TextEdit *> edits;
  size_t count = 0;
  auto overlaps = [&](const TextEdit &e) {
    uint32_t b = e.range.begin.offset, en = e.range.end.offset;
    for (auto &[tb, te] : taken) {
      // Two edits starting at one point (two insertions, or an insertion where a replacement
      // begins) also conflict: their order would be a guess.
      if ((b < te && tb < en) || b == tb)
        return true;
    }
    return en > text.size() || b > en;
  };
  for (const Fix *fix : fixes) {
    bool ok = true;
    for (const TextEdit &e : fix->edits)
      ok = ok && !overlaps(e);
    if (!ok)
      continue;
    for (const TextEdit &e : fix->edits) {
      taken.push_back({e.range.begin.offset, e.range.end.offset});
      edits.push_back(&e);
    }
    ++count;
  }
  std::sort(edits.begin(), edits.end(),
            [](const TextEdit *a, const TextEdit *b) { return a->range.begin.offset < b->range.begin.offset; });
  std::string out;
  uint32_t at = 0;
  for (const TextEdit *e : edits) {
    out.append(text.data() + at, e->range.begin.offset - at);
    out += e->newText;
    at = e->range.end.offset;
  }
  out.append(text.data() + at, text.size() - at);
  if (applied)
    *applied = count;
  return out;
}

} // namespace dfc::lint
