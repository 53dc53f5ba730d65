// JSON conversions of the LSP structs in Protocol.h: the only file that knows their wire shape.
// Readers never throw: a missing or mistyped field makes fromJSON return false.
#include "lsp-server/Protocol.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>

namespace dfc::lsp {

void to_json(json &j, const Position &p) { j = json{{"line", p.line}, {"character", p.character}}; }
void to_json(json &j, const Range &r) { j = json{{"start", r.start}, {"end", r.end}}; }
void to_json(json &j, const Location &l) { j = json{{"uri", l.uri}, {"range", l.range}}; }
void to_json(json &j, const TextEdit &e) { j = json{{"range", e.range}, {"newText", e.newText}}; }

void to_json(json &j, const WorkspaceEdit &e) {
  json changes = json::object();
  for (const auto &[uri, edits] : e.changes)
    changes[uri] = edits;
  j = json{{"changes", std::move(changes)}};
}

void to_json(json &j, const Diagnostic &d) {
  j = json{{"range", d.range},
           {"severity", static_cast<int>(d.severity)},
           {"source", d.source},
           {"message", d.message}};
  if (!d.code.empty())
    j["code"] = d.code;
  if (!d.codeHref.empty())
    j["codeDescription"] = {{"href", d.codeHref}};
  if (!d.tags.empty()) {
    json tags = json::array();
    for (DiagnosticTag t : d.tags)
      tags.push_back(static_cast<int>(t));
    j["tags"] = std::move(tags);
  }
}

void to_json(json &j, const PublishDiagnosticsParams &p) {
  j = json{{"uri", p.uri}, {"diagnostics", p.diagnostics}};
  if (p.version)
    j["version"] = *p.version;
}

void to_json(json &j, const Hover &h) {
  j = json{{"contents", {{"kind", "markdown"}, {"value", h.markdown}}}};
  if (h.range)
    j["range"] = *h.range;
}

void to_json(json &j, const CompletionItem &c) {
  j = json{{"label", c.label}, {"kind", static_cast<int>(c.kind)}};
  if (!c.detail.empty())
    j["detail"] = c.detail;
  if (!c.documentation.empty())
    j["documentation"] = {{"kind", "markdown"}, {"value", c.documentation}};
  j["insertTextFormat"] = c.snippet ? 2 : 1;
  if (c.textEdit)
    j["textEdit"] = *c.textEdit;
  if (!c.sortText.empty())
    j["sortText"] = c.sortText;
  if (!c.filterText.empty())
    j["filterText"] = c.filterText;
}

void to_json(json &j, const CompletionList &c) {
  j = json{{"isIncomplete", c.isIncomplete}, {"items", c.items}};
}

void to_json(json &j, const DocumentSymbol &s) {
  j = json{{"name", s.name},
           {"kind", static_cast<int>(s.kind)},
           {"range", s.range},
           {"selectionRange", s.selectionRange}};
  if (!s.detail.empty())
    j["detail"] = s.detail;
  if (!s.children.empty())
    j["children"] = s.children;
}

void to_json(json &j, const FoldingRange &f) {
  j = json{{"startLine", f.startLine}, {"endLine", f.endLine}};
  if (!f.kind.empty())
    j["kind"] = f.kind;
}

void to_json(json &j, const DocumentHighlight &h) {
  j = json{{"range", h.range}, {"kind", static_cast<int>(h.kind)}};
}

void to_json(json &j, const CodeAction &a) {
  j = json{{"title", a.title}, {"kind", a.kind}, {"edit", a.edit}};
  if (!a.diagnostics.empty())
    j["diagnostics"] = a.diagnostics;
  if (a.isPreferred)
    j["isPreferred"] = true;
}

void to_json(json &j, const InlayHint &h) {
  j = json{{"position", h.position}, {"label", h.label}, {"kind", h.kind}};
  if (h.paddingLeft)
    j["paddingLeft"] = true;
}

void to_json(json &j, const SignatureHelp &s) {
  json sigs = json::array();
  for (const SignatureInformation &si : s.signatures) {
    json params = json::array();
    for (const ParameterInformation &p : si.parameters) {
      json pj{{"label", p.label}};
      if (!p.documentation.empty())
        pj["documentation"] = p.documentation;
      params.push_back(std::move(pj));
    }
    json sj{{"label", si.label}, {"parameters", std::move(params)}};
    if (!si.documentation.empty())
      sj["documentation"] = {{"kind", "markdown"}, {"value", si.documentation}};
    sigs.push_back(std::move(sj));
  }
  j = json{{"signatures", std::move(sigs)},
           {"activeSignature", s.activeSignature},
           {"activeParameter", s.activeParameter}};
}

namespace {

// Appends `s` as a JSON string; runs of plain characters are copied whole (diagnostics messages
// are mostly plain, and this is the hot loop of every publishDiagnostics).
void appendString(std::string &out, const std::string &s) {
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out.append(s, run, i - run);
    run = i + 1;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default: {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    }
    }
  }
  out.append(s, run, s.size() - run);
  out.push_back('"');
}

void appendInt(std::string &out, int v) {
  char buf[16];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void appendPosition(std::string &out, const Position &p) {
  out += "{\"line\":";
  appendInt(out, p.line);
  out += ",\"character\":";
  appendInt(out, p.character);
  out += "}";
}

bool validUtf8(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
      return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    i += n;
  }
  return true;
}

bool getInt(const json &j, const char *key, int &out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer())
    return false;
  out = it->get<int>();
  return true;
}

bool getString(const json &j, const char *key, std::string &out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return false;
  out = it->get<std::string>();
  return true;
}

bool getPosition(const json &j, Position &out) {
  auto it = j.find("position");
  return it != j.end() && fromJSON(*it, out);
}

} // namespace

std::string publishDiagnosticsMessage(const PublishDiagnosticsParams &p) {
  std::string out;
  out.reserve(128 + p.diagnostics.size() * 256);
  out += "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":";
  appendString(out, p.uri);
  if (p.version) {
    out += ",\"version\":";
    appendInt(out, *p.version);
  }
  out += ",\"diagnostics\":[";
  bool first = true;
  for (const Diagnostic &d : p.diagnostics) {
    // Messages quote user text, which may be invalid UTF-8: let the JSON library replace it.
    if (!validUtf8(d.message) || !validUtf8(d.code)) {
      json j = d;
      out += (first ? "" : ",") + j.dump(-1, ' ', false, json::error_handler_t::replace);
      first = false;
      continue;
    }
    out += first ? "{\"range\":{\"start\":" : ",{\"range\":{\"start\":";
    first = false;
    appendPosition(out, d.range.start);
    out += ",\"end\":";
    appendPosition(out, d.range.end);
    out += "},\"severity\":";
    appendInt(out, static_cast<int>(d.severity));
    out += ",\"source\":";
    appendString(out, d.source);
    out += ",\"message\":";
    appendString(out, d.message);
    if (!d.code.empty()) {
      out += ",\"code\":";
      appendString(out, d.code);
    }
    if (!d.codeHref.empty()) {
      out += ",\"codeDescription\":{\"href\":";
      appendString(out, d.codeHref);
      out += "}";
    }
    if (!d.tags.empty()) {
      out += ",\"tags\":[";
      for (size_t i = 0; i < d.tags.size(); ++i)
        out += (i ? "," : "") + std::to_string(static_cast<int>(d.tags[i]));
      out += "]";
    }
    out += "}";
  }
  out += "]}}";
  return out;
}

bool documentUri(const json &params, std::string &uri) {
  if (!params.is_object())
    return false;
  auto td = params.find("textDocument");
  return td != params.end() && td->is_object() && getString(*td, "uri", uri);
}

bool fromJSON(const json &j, Position &out) {
  return j.is_object() && getInt(j, "line", out.line) && getInt(j, "character", out.character) &&
         out.line >= 0 && out.character >= 0;
}

bool fromJSON(const json &j, Range &out) {
  if (!j.is_object())
    return false;
  auto s = j.find("start"), e = j.find("end");
  return s != j.end() && e != j.end() && fromJSON(*s, out.start) && fromJSON(*e, out.end) &&
         out.start <= out.end;
}

bool fromJSON(const json &j, TextDocumentItem &out) {
  if (!j.is_object())
    return false;
  auto td = j.find("textDocument");
  if (td == j.end() || !td->is_object())
    return false;
  getString(*td, "languageId", out.languageId);
  getInt(*td, "version", out.version);
  return getString(*td, "uri", out.uri) && getString(*td, "text", out.text);
}

bool fromJSON(const json &j, DidChangeParams &out) {
  if (!documentUri(j, out.uri))
    return false;
  getInt(j["textDocument"], "version", out.version);
  auto cc = j.find("contentChanges");
  if (cc == j.end() || !cc->is_array())
    return false;
  for (const json &c : *cc) {
    ContentChange change;
    if (!c.is_object() || !getString(c, "text", change.text))
      return false;
    auto r = c.find("range");
    if (r != c.end() && !r->is_null()) {
      Range range;
      if (!fromJSON(*r, range))
        return false;
      change.range = range;
    }
    out.changes.push_back(std::move(change));
  }
  return true;
}

bool fromJSON(const json &j, PositionParams &out) {
  return documentUri(j, out.uri) && getPosition(j, out.position);
}

bool fromJSON(const json &j, RenameParams &out) {
  return documentUri(j, out.uri) && getPosition(j, out.position) && getString(j, "newName", out.newName);
}

bool fromJSON(const json &j, RangeParams &out) {
  if (!documentUri(j, out.uri))
    return false;
  auto r = j.find("range");
  if (r == j.end())
    return true;
  Range range;
  if (!fromJSON(*r, range))
    return false;
  out.range = range;
  return true;
}

bool fromJSON(const json &j, FormattingParams &out) {
  if (!documentUri(j, out.uri))
    return false;
  auto r = j.find("range");
  if (r != j.end()) {
    Range range;
    if (!fromJSON(*r, range))
      return false;
    out.range = range;
  }
  if (j.contains("position")) {
    Position p;
    if (!getPosition(j, p))
      return false;
    out.position = p;
    getString(j, "ch", out.ch);
  }
  auto o = j.find("options");
  if (o != j.end() && o->is_object()) {
    getInt(*o, "tabSize", out.options.tabSize);
    auto s = o->find("insertSpaces");
    if (s != o->end() && s->is_boolean())
      out.options.insertSpaces = s->get<bool>();
  }
  return true;
}

bool fromJSON(const json &j, CodeActionParams &out) {
  auto r = j.is_object() ? j.find("range") : j.end();
  return documentUri(j, out.uri) && r != j.end() && fromJSON(*r, out.range);
}

bool fromJSON(const json &j, EditorSettings &out, std::vector<std::string> &problems) {
  if (!j.is_object())
    return false;
  const json *root = &j;
  if (auto d = j.find("dfc"); d != j.end() && d->is_object())
    root = &*d;
  auto lint = root->find("lint");
  if (lint == root->end() || !lint->is_object())
    return false;
  EditorSettings s;
  if (auto o = lint->find("severityOverrides"); o != lint->end() && !o->is_null()) {
    if (!o->is_object()) {
      problems.push_back("lint.severityOverrides: expected an object of rule id -> severity");
    } else {
      for (const auto &[rule, value] : o->items()) {
        std::string sev = value.is_string() ? value.get<std::string>() : std::string();
        for (char &c : sev)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (sev == "error" || sev == "warning" || sev == "info" || sev == "style" || sev == "off")
          s.severityOverrides[rule] = sev;
        else
          problems.push_back("lint.severityOverrides: \"" + rule + "\" has " + value.dump() +
                             "; expected one of error, warning, info, style, off");
      }
    }
  }
  if (auto sc = lint->find("shellcheck"); sc != lint->end() && !sc->is_null()) {
    if (sc->is_boolean())
      s.shellcheck = sc->get<bool>();
    else
      problems.push_back("lint.shellcheck: expected true or false");
  }
  if (auto cf = lint->find("configFile"); cf != lint->end() && !cf->is_null()) {
    if (cf->is_string())
      s.configFile = cf->get<std::string>();
    else
      problems.push_back("lint.configFile: expected a path");
  }
  out = std::move(s);
  return true;
}

} // namespace dfc::lsp
