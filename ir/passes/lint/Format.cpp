// The report formats of `dfc lint`: each turns findings into the text a reader or a CI system
// expects, with 1-based lines and columns everywhere except where a format says otherwise.
#include "ir/passes/lint/Format.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/Support/Allocator.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

namespace dfc::lint {
namespace {


uint32_t line1(const Position &p) { return p.line + 1; }
uint32_t col1(const Position &p) { return p.column + 1; }

std::string ruleId(const Finding &f) { return f.rule ? f.rule->id : "unknown"; }

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

// The report's text, handed to the sink each time its buffer fills (and at the end): a put is a
// bounds check and a copy into memory that stays in cache, and no whole-report string is built
// (for the big file that string's page faults cost as much as rendering it). The escapers of
// every format write through it.
class Out {
public:
  Out(ReportSink sink, char *buf, size_t cap) : Sink(sink), Buf(buf), Cap(cap) {}
  Out(const Out &) = delete;
  Out &operator=(const Out &) = delete;

  // Hands over what is buffered; the report is complete once the caller's last flush is done.
  void flush() {
    if (Len)
      Sink(llvm::StringRef(Buf, Len));
    Len = 0;
  }
  // The fast path (room in the buffer) inline; a constant n then copies without a call.
  [[gnu::always_inline]] void put(char c) {
    if (Len == Cap)
      flush();
    Buf[Len++] = c;
  }
  [[gnu::always_inline]] void put(const char *p, size_t n) {
    if (n > Cap - Len)
      return putSlow(p, n);
    std::memcpy(Buf + Len, p, n);
    Len += n;
  }
  // Text known to need no escaping, such as `,\n    "column": `, appended at once.
  template <size_t N> void raw(const char (&s)[N]) { put(s, N - 1); }
  void raw(llvm::StringRef s) { put(s.data(), s.size()); }
  // Digits written in place, last first (counted before: no copy through a local buffer and a
  // memcpy call, which was most of a number's cost: ~5 numbers a finding).
  void number(uint64_t v) {
    if (Cap - Len < 20)
      flush();
    size_t n = 1;
    for (uint64_t t = v; t >= 10; t /= 10)
      ++n;
    char *p = Buf + Len + n;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    Len += n;
  }

  // A range's four 1-based numbers, each after its label: begin line, begin column, end line, end
  // column ("file:1.2-1.9" for gnu, ",line=1,col=2,endLine=1,endColumn=9" for github).
  void rangeNumbers(const Range &r, llvm::StringRef line, llvm::StringRef col, llvm::StringRef endLine,
                    llvm::StringRef endCol) {
    raw(line);
    number(line1(r.begin));
    raw(col);
    number(col1(r.begin));
    raw(endLine);
    number(line1(r.end));
    raw(endCol);
    number(col1(r.end));
  }

  // A JSON string exactly as nlohmann's dump() writes it: ", \\, \b \f \n \r \t, other control
  // bytes as \u00xx, UTF-8 as is; invalid UTF-8 becomes U+FFFD rather than an exception.
  void jsonString(llvm::StringRef s) {
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
      default: {
        // The other control bytes (c < 0x20): \u00xx with lowercase hex, as nlohmann.
        char buf[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
        put(buf, sizeof buf);
      }
      }
      ++i;
    }
    put('"');
  }

  // XML attribute and text content: the five entities; XML 1.0 forbids most control characters
  // even as references, so they become '?'.
  void xml(llvm::StringRef s) {
    size_t from = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      const char *entity = nullptr;
      switch (c) {
      case '&': entity = "&amp;"; break;
      case '<': entity = "&lt;"; break;
      case '>': entity = "&gt;"; break;
      case '"': entity = "&quot;"; break;
      case '\'': entity = "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
          entity = "?";
      }
      if (!entity)
        continue;
      put(s.data() + from, i - from);
      raw(llvm::StringRef(entity));
      from = i + 1;
    }
    put(s.data() + from, s.size() - from);
  }

  // GitHub workflow commands: data escapes %, CR, LF; property values also ':' and ','.
  void github(llvm::StringRef s, bool property) {
    size_t from = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const char *code = nullptr;
      switch (s[i]) {
      case '%': code = "%25"; break;
      case '\r': code = "%0D"; break;
      case '\n': code = "%0A"; break;
      case ':': code = property ? "%3A" : nullptr; break;
      case ',': code = property ? "%2C" : nullptr; break;
      default: break;
      }
      if (!code)
        continue;
      put(s.data() + from, i - from);
      put(code, 3);
      from = i + 1;
    }
    put(s.data() + from, s.size() - from);
  }

private:
  ReportSink Sink;
  char *Buf;
  size_t Cap; // at least 20 (a number is written whole)
  size_t Len = 0;

  [[gnu::noinline]] void putSlow(const char *p, size_t n) {
    flush();
    if (n > Cap) {
      Sink(llvm::StringRef(p, n));
      return;
    }
    std::memcpy(Buf, p, n);
    Len = n;
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

// `escape(out, s)` appended to `text`, for text written once per file and repeated per finding.
template <typename Escape> void appendEscaped(std::string &text, llvm::StringRef s, Escape escape) {
  char buf[256];
  auto append = [&](llvm::StringRef piece) { text.append(piece.data(), piece.size()); };
  Out o(append, buf, sizeof buf); // a function_ref: the lambda must outlive it
  escape(o, s);
  o.flush();
}
template <typename Escape> std::string escaped(llvm::StringRef s, Escape escape) {
  std::string text;
  appendEscaped(text, s, escape);
  return text;
}

// A finding's JSON object: keys in nlohmann's (std::map) order, byte-wise sorted. What depends
// only on the rule (its aliases, id and severity) or on the file is rendered once per report
// and copied, so a finding costs its numbers, its message and its fix.
void formatJson(const std::vector<FileReport> &files, Out &j) {
  // The pieces live in one arena, built in one reused string: a string each was ~150 mallocs
  // per report on the corpus (~4 per file), every `dfc lint` process paying them again.
  struct RulePieces {
    llvm::StringRef head;    // `\n  {\n    "aliases": [...],\n    "column": `
    llvm::StringRef tail[4]; // `,\n    "rule": "Id",\n    "severity": "warning"\n  }`, by severity
    // A rule mostly reports one literal message: `,\n    "message": "..."` and the tail, by
    // severity, rendered once for the last literal seen (escaping each finding's message was a
    // third of the report's instructions on the corpus).
    llvm::StringRef literal;
    llvm::StringRef messageTail[4];
  };
  llvm::BumpPtrAllocator arena;
  std::string scratch;
  auto json = [&scratch](llvm::StringRef s) {
    appendEscaped(scratch, s, [](Out &o, llvm::StringRef t) { o.jsonString(t); });
  };
  auto keep = [&]() {
    char *p = arena.Allocate<char>(scratch.size());
    std::memcpy(p, scratch.data(), scratch.size());
    return llvm::StringRef(p, scratch.size());
  };
  llvm::DenseMap<const RuleInfo *, RulePieces> pieces;
  auto piecesOf = [&](const RuleInfo *rule) -> RulePieces & {
    auto [it, inserted] = pieces.try_emplace(rule);
    if (inserted) {
      scratch.assign("\n  {\n    \"aliases\": ");
      if (!rule || rule->aliases.empty()) {
        scratch += "[]";
      } else {
        for (size_t a = 0; a < rule->aliases.size(); ++a) {
          scratch += a ? ",\n      " : "[\n      ";
          json(rule->aliases[a]);
        }
        scratch += "\n    ]";
      }
      scratch += ",\n    \"column\": ";
      it->second.head = keep();
    }
    return it->second;
  };
  bool firstFinding = true;
  std::string file; // one buffer for every file's piece (built anew, it was ~3 mallocs a file)
  for (const FileReport &r : files) {
    if (r.findings.empty())
      continue;
    file.assign(",\n    \"file\": ");
    appendEscaped(file, r.file, [](Out &o, llvm::StringRef t) { o.jsonString(t); });
    file.append(",\n    \"fix\": ");
    for (const Finding &f : r.findings) {
      RulePieces &rule = piecesOf(f.rule);
      j.put(firstFinding ? '[' : ',');
      firstFinding = false;
      j.raw(rule.head);
      j.number(col1(f.range.begin));
      j.raw(",\n    \"endColumn\": ");
      j.number(col1(f.range.end));
      j.raw(",\n    \"endLine\": ");
      j.number(line1(f.range.end));
      j.raw(file);
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
            j.jsonString(edit.newText);
            j.raw("\n        }");
          }
          j.raw("\n      ]");
        }
        j.raw(",\n      \"title\": ");
        j.jsonString(f.fix->title);
        j.raw("\n    }");
      }
      j.raw(",\n    \"line\": ");
      j.number(line1(f.range.begin));
      size_t sev = static_cast<size_t>(f.severity) & 3;
      llvm::StringRef &tail = rule.tail[sev];
      if (!tail.data()) {
        scratch.assign(",\n    \"rule\": ");
        json(f.rule ? llvm::StringRef(f.rule->id) : llvm::StringRef("unknown"));
        scratch += ",\n    \"severity\": ";
        json(severityName(f.severity));
        scratch += "\n  }";
        tail = keep();
      }
      if (!f.message.isStatic()) {
        j.raw(",\n    \"message\": ");
        j.jsonString(f.message);
        j.raw(tail);
        continue;
      }
      llvm::StringRef message = f.message;
      if (message.data() != rule.literal.data() || message.size() != rule.literal.size()) {
        rule.literal = message; // a literal: the same pointer and size are the same text
        for (llvm::StringRef &t : rule.messageTail)
          t = llvm::StringRef();
      }
      llvm::StringRef &messageTail = rule.messageTail[sev];
      if (!messageTail.data()) {
        scratch.assign(",\n    \"message\": ");
        json(message);
        scratch.append(tail.data(), tail.size());
        messageTail = keep();
      }
      j.raw(messageTail);
    }
  }
  j.raw(firstFinding ? "[]\n" : "\n]\n");
}

// nlohmann's dump(2) layout, written directly (its DOM of std::maps cost 16 ms for the big file's
// SARIF): two spaces a level, "key": value, empty containers as {} and []. The caller writes
// each object's keys in byte-wise order, as nlohmann's std::map keeps them.
class Pretty {
public:
  explicit Pretty(Out &out) : O(out) {}
  void open(char c) {
    O.put(c);
    Empty.push_back(true);
  }
  void close(char c) {
    bool empty = Empty.back();
    Empty.pop_back();
    if (!empty)
      newline();
    O.put(c);
  }
  // Before an array element.
  void item() {
    if (!Empty.back())
      O.put(',');
    Empty.back() = false;
    newline();
  }
  // `k` is one of the formats' own key names: plain ASCII, nothing to escape.
  void key(llvm::StringRef k) {
    item();
    O.put('"');
    O.raw(k);
    O.raw("\": ");
  }
  void string(llvm::StringRef key, llvm::StringRef value) {
    this->key(key);
    O.jsonString(value);
  }
  void number(llvm::StringRef key, uint64_t value) {
    this->key(key);
    O.number(value);
  }
  // {"text": value} under `key`.
  void text(llvm::StringRef key, llvm::StringRef value) {
    this->key(key);
    open('{');
    string("text", value);
    close('}');
  }

private:
  Out &O;
  std::vector<bool> Empty; // per open container: nothing written in it yet

  void newline() {
    static const char spaces[] = "\n                                ";
    size_t n = 1 + 2 * Empty.size();
    if (n <= sizeof spaces - 1) {
      O.put(spaces, n);
      return;
    }
    O.put('\n');
    for (size_t i = 0; i < Empty.size(); ++i)
      O.raw("  ");
  }
};

const char *sarifLevel(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  default: return "note";
  }
}

void sarifRegion(Pretty &p, llvm::StringRef key, const Range &r) {
  p.key(key);
  p.open('{');
  p.number("endColumn", col1(r.end));
  p.number("endLine", line1(r.end));
  p.number("startColumn", col1(r.begin));
  p.number("startLine", line1(r.begin));
  p.close('}');
}

void formatSarif(const std::vector<FileReport> &files, const FormatOptions &opts, Out &out) {
  // The driver lists every rule that fired (SARIF allows a subset), indexed by results: one pass
  // numbers them, as results come before the driver in the document.
  std::map<std::string, size_t> ruleIndex;
  std::vector<const Finding *> firsts; // the first finding of each fired rule, in index order
  for (const FileReport &r : files)
    for (const Finding &f : r.findings)
      if (ruleIndex.emplace(ruleId(f), firsts.size()).second)
        firsts.push_back(&f);
  Pretty p(out);
  p.open('{');
  p.string("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  p.key("runs");
  p.open('[');
  p.item();
  p.open('{');
  p.key("results");
  p.open('[');
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      std::string id = ruleId(f);
      p.item();
      p.open('{');
      if (f.fix) {
        p.key("fixes");
        p.open('[');
        p.item();
        p.open('{');
        p.key("artifactChanges");
        p.open('[');
        p.item();
        p.open('{');
        p.key("artifactLocation");
        p.open('{');
        p.string("uri", r.file);
        p.close('}');
        p.key("replacements");
        p.open('[');
        for (const TextEdit &e : f.fix->edits) {
          p.item();
          p.open('{');
          sarifRegion(p, "deletedRegion", e.range);
          p.text("insertedContent", e.newText);
          p.close('}');
        }
        p.close(']');
        p.close('}');
        p.close(']');
        p.text("description", f.fix->title);
        p.close('}');
        p.close(']');
      }
      p.string("level", sarifLevel(f.severity));
      p.key("locations");
      p.open('[');
      p.item();
      p.open('{');
      p.key("physicalLocation");
      p.open('{');
      p.key("artifactLocation");
      p.open('{');
      p.string("uri", r.file);
      p.close('}');
      sarifRegion(p, "region", f.range);
      p.close('}');
      p.close('}');
      p.close(']');
      p.text("message", f.message);
      p.string("ruleId", id);
      p.number("ruleIndex", ruleIndex[id]);
      p.close('}');
    }
  p.close(']');
  p.key("tool");
  p.open('{');
  p.key("driver");
  p.open('{');
  p.string("informationUri", llvm::StringRef(opts.docsBase).substr(0, opts.docsBase.find("/docs/")));
  p.string("name", "dfc");
  p.key("rules");
  p.open('[');
  for (const Finding *f : firsts) {
    std::string id = ruleId(*f);
    p.item();
    p.open('{');
    if (f->rule) {
      p.key("defaultConfiguration");
      p.open('{');
      p.string("level", sarifLevel(f->rule->severity));
      p.close('}');
    }
    p.string("helpUri", opts.docsBase + id + ".md");
    p.string("id", id);
    p.key("properties");
    p.open('{');
    p.key("aliases");
    p.open('[');
    if (f->rule)
      for (const char *a : f->rule->aliases) {
        p.item();
        out.jsonString(a);
      }
    p.close(']');
    if (f->rule)
      p.string("source", ruleSourceName(f->rule->source));
    p.close('}');
    p.text("shortDescription", f->rule ? llvm::StringRef(f->rule->summary) : llvm::StringRef(id));
    p.close('}');
  }
  p.close(']');
  p.string("version", opts.toolVersion);
  p.close('}');
  p.close('}');
  p.close('}');
  p.close(']');
  p.string("version", "2.1.0");
  p.close('}');
  out.put('\n');
}

void formatCheckstyle(const std::vector<FileReport> &files, Out &out) {
  out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
  for (const FileReport &r : files) {
    out.raw("  <file name=\"");
    out.xml(r.file);
    out.raw("\">\n");
    for (const Finding &f : r.findings) {
      // Checkstyle knows error, warning and info; style is closest to info.
      llvm::StringRef sev = f.severity == Severity::Style ? "info" : severityName(f.severity);
      out.raw("    <error line=\"");
      out.number(line1(f.range.begin));
      out.raw("\" column=\"");
      out.number(col1(f.range.begin));
      out.raw("\" severity=\"");
      out.raw(sev);
      out.raw("\" message=\"");
      out.xml(f.message);
      out.raw("\" source=\"dfc.");
      out.xml(ruleId(f));
      out.raw("\"/>\n");
    }
    out.raw("  </file>\n");
  }
  out.raw("</checkstyle>\n");
}

void formatGnu(const std::vector<FileReport> &files, Out &out) {
  // GNU's "file:line.col-line.col: severity: message" with the rule id appended.
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      out.raw(r.file);
      out.rangeNumbers(f.range, ":", ".", "-", ".");
      out.raw(": ");
      out.raw(severityName(f.severity));
      out.raw(": ");
      out.raw(f.message);
      out.raw(" [");
      out.raw(ruleId(f));
      out.raw("]\n");
    }
}

const char *climateSeverity(Severity s) {
  switch (s) {
  case Severity::Error: return "major";
  case Severity::Warning: return "minor";
  default: return "info";
  }
}

void formatCodeClimate(const std::vector<FileReport> &files, bool gitlab, Out &out) {
  Pretty p(out);
  p.open('[');
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      p.item();
      p.open('{');
      if (!gitlab) {
        p.key("categories");
        p.open('[');
        p.item();
        out.jsonString(f.severity == Severity::Error ? "Bug Risk" : "Style");
        p.close(']');
      }
      p.string("check_name", ruleId(f));
      p.string("description", f.message);
      p.string("fingerprint", fingerprint(r.file, f));
      p.key("location");
      p.open('{');
      if (gitlab) {
        // GitLab's Code Quality report reads location.lines.begin only.
        p.key("lines");
        p.open('{');
        p.number("begin", line1(f.range.begin));
        p.close('}');
        p.string("path", r.file);
      } else {
        p.string("path", r.file);
        p.key("positions");
        p.open('{');
        for (auto [name, at] : {std::pair<const char *, const Position *>{"begin", &f.range.begin}, {"end", &f.range.end}}) {
          p.key(name);
          p.open('{');
          p.number("column", col1(*at));
          p.number("line", line1(*at));
          p.close('}');
        }
        p.close('}');
      }
      p.close('}');
      p.string("severity", climateSeverity(f.severity));
      if (!gitlab)
        p.string("type", "issue");
      p.close('}');
    }
  p.close(']');
  out.put('\n');
}

void formatJUnit(const std::vector<FileReport> &files, Out &out) {
  size_t tests = 0, failures = 0;
  for (const FileReport &r : files) {
    tests += std::max<size_t>(1, r.findings.size());
    failures += r.findings.size();
  }
  out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dfc lint\" tests=\"");
  out.number(tests);
  out.raw("\" failures=\"");
  out.number(failures);
  out.raw("\">\n");
  for (const FileReport &r : files) {
    std::string file = escaped(r.file, [](Out &o, llvm::StringRef s) { o.xml(s); });
    out.raw("  <testsuite name=\"");
    out.raw(file);
    out.raw("\" tests=\"");
    out.number(std::max<size_t>(1, r.findings.size()));
    out.raw("\" failures=\"");
    out.number(r.findings.size());
    out.raw("\" errors=\"0\">\n");
    for (const Finding &f : r.findings) {
      auto where = [&] {
        out.number(line1(f.range.begin));
        out.put(':');
        out.number(col1(f.range.begin));
      };
      out.raw("    <testcase classname=\"");
      out.raw(file);
      out.raw("\" name=\"");
      out.xml(ruleId(f));
      out.raw(" at ");
      where();
      out.raw("\">\n      <failure type=\"");
      out.raw(severityName(f.severity));
      out.raw("\" message=\"");
      out.xml(f.message);
      out.raw("\">");
      out.raw(file);
      out.put(':');
      where();
      out.put(' ');
      out.xml(f.message);
      out.raw("</failure>\n    </testcase>\n");
    }
    if (r.findings.empty()) {
      out.raw("    <testcase classname=\"");
      out.raw(file);
      out.raw("\" name=\"dfc lint\"/>\n");
    }
    out.raw("  </testsuite>\n");
  }
  out.raw("</testsuites>\n");
}

void formatGitHub(const std::vector<FileReport> &files, Out &out) {
  for (const FileReport &r : files) {
    std::string file = escaped(r.file, [](Out &o, llvm::StringRef s) { o.github(s, true); });
    for (const Finding &f : r.findings) {
      const char *level = f.severity == Severity::Error ? "error" : f.severity == Severity::Warning ? "warning" : "notice";
      out.raw("::");
      out.raw(llvm::StringRef(level));
      out.raw(" file=");
      out.raw(file);
      out.rangeNumbers(f.range, ",line=", ",col=", ",endLine=", ",endColumn=");
      out.raw(",title=");
      out.github(ruleId(f), true);
      out.raw("::");
      out.github(f.message, false);
      out.raw(" [");
      out.github(ruleId(f), false);
      out.raw("]\n");
    }
  }
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
void caretLine(Out &out, llvm::StringRef line, uint32_t from, uint32_t to) {
  for (uint32_t i = 0; i < from && i < line.size(); ++i)
    out.put(line[i] == '\t' ? '\t' : ' ');
  out.put('^');
  for (uint32_t i = from + 1; i < to; ++i)
    out.put('~');
}

void formatTty(const std::vector<FileReport> &files, const FormatOptions &opts, Out &out) {
  // Colour codes around a part when asked for: the part is written by `body`.
  auto paint = [&](const char *code, auto body) {
    if (opts.color)
      out.raw(llvm::StringRef(code));
    body();
    if (opts.color)
      out.raw("\033[0m");
  };
  size_t counts[4] = {0, 0, 0, 0};
  for (const FileReport &r : files)
    for (const Finding &f : r.findings) {
      ++counts[static_cast<size_t>(f.severity)];
      paint("\033[1m", [&] {
        out.raw(r.file);
        out.put(':');
        out.number(line1(f.range.begin));
        out.put(':');
        out.number(col1(f.range.begin));
        out.put(':');
      });
      out.put(' ');
      paint(ttyColor(f.severity), [&] {
        out.raw(severityName(f.severity));
        out.put(':');
      });
      out.put(' ');
      paint("\033[1m", [&] { out.raw(f.message); });
      out.raw(" [");
      out.raw(ruleId(f));
      out.raw(f.fix ? "] (fixable)\n" : "]\n");
      if (!r.source || f.range.begin.line >= r.source->lineCount())
        continue;
      llvm::StringRef line = r.source->line(f.range.begin.line);
      // A range that spans lines is underlined to the end of its first line.
      uint32_t to = f.range.end.line == f.range.begin.line ? f.range.end.column : static_cast<uint32_t>(line.size());
      to = std::max(to, f.range.begin.column + 1);
      out.raw("  ");
      out.raw(line);
      out.raw("\n  ");
      paint("\033[1;32m", [&] { caretLine(out, line, f.range.begin.column, to); });
      out.put('\n');
    }
  size_t total = counts[0] + counts[1] + counts[2] + counts[3];
  if (total) {
    out.number(total);
    out.raw(total == 1 ? " problem (" : " problems (");
    out.number(counts[0]);
    out.raw(" errors, ");
    out.number(counts[1]);
    out.raw(" warnings, ");
    out.number(counts[2]);
    out.raw(" info, ");
    out.number(counts[3]);
    out.raw(" style)\n");
  }
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

void formatReport(OutputFormat format, const std::vector<FileReport> &files, const FormatOptions &options,
                  ReportSink sink) {
  char buf[1 << 16];
  Out out(sink, buf, sizeof buf);
  switch (format) {
  case OutputFormat::Tty: formatTty(files, options, out); break;
  case OutputFormat::Json: formatJson(files, out); break;
  case OutputFormat::Sarif: formatSarif(files, options, out); break;
  case OutputFormat::Checkstyle: formatCheckstyle(files, out); break;
  case OutputFormat::Gnu: formatGnu(files, out); break;
  case OutputFormat::CodeClimate: formatCodeClimate(files, false, out); break;
  case OutputFormat::GitLab: formatCodeClimate(files, true, out); break;
  case OutputFormat::JUnit: formatJUnit(files, out); break;
  case OutputFormat::GitHub: formatGitHub(files, out); break;
  }
  out.flush();
}

std::string formatReport(OutputFormat format, const std::vector<FileReport> &files, const FormatOptions &options) {
  std::string text;
  formatReport(format, files, options, [&](llvm::StringRef piece) { text.append(piece.data(), piece.size()); });
  return text;
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
    out.append(e->newText.data(), e->newText.size());
    at = e->range.end.offset;
  }
  out.append(text.data() + at, text.size() - at);
  if (applied)
    *applied = count;
  return out;
}

} // namespace dfc::lint
