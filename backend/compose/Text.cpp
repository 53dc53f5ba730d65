// The small languages inside a compose file: ${VAR} interpolation, .env files, command strings split into
// words, and project names. Pure functions of their text.
#include "backend/compose/Compose.h"

#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace dfc::compose {

namespace {

llvm::Error failure(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

bool nameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool nameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Interpolates text[pos...] up to (not including) an unmatched '}' when nested, else to the end.
class Interpolator {
public:
  Interpolator(llvm::StringRef text, const std::map<std::string, std::string> &vars,
               std::vector<std::string> *unset)
      : Text(text), Vars(vars), Unset(unset) {}

  llvm::Expected<std::string> run(size_t &pos, bool nested) {
    std::string out;
    while (pos < Text.size()) {
      char c = Text[pos];
      if (nested && c == '}')
        return out;
      if (c != '$') {
        out += c;
        ++pos;
        continue;
      }
      if (pos + 1 >= Text.size()) {
        out += '$';
        ++pos;
        continue;
      }
      char next = Text[pos + 1];
      if (next == '$') { // $$ is a literal $
        out += '$';
        pos += 2;
        continue;
      }
      if (nameStart(next)) {
        size_t end = pos + 1;
        while (end < Text.size() && nameChar(Text[end]))
          ++end;
        out += lookup(Text.slice(pos + 1, end).str());
        pos = end;
        continue;
      }
      if (next != '{')
        return failure("invalid interpolation format for \"" + Text +
                       "\": a $ must start a variable; "
                       "write $$ for a literal $");
      size_t start = pos;
      pos += 2;
      size_t nameEnd = pos;
      while (nameEnd < Text.size() && nameChar(Text[nameEnd]))
        ++nameEnd;
      std::string name = Text.slice(pos, nameEnd).str();
      if (name.empty() || !nameStart(name[0]))
        return failure("invalid interpolation format for \"" + Text + "\": bad variable name in \"" +
                       Text.substr(start, 12) + "\"");
      pos = nameEnd;
      if (pos < Text.size() && Text[pos] == '}') {
        ++pos;
        out += lookup(name);
        continue;
      }
      // ${NAME<op>word}: op is one of :- - :? ? :+ +
      bool colon = pos < Text.size() && Text[pos] == ':';
      size_t opAt = pos + (colon ? 1 : 0);
      char op = opAt < Text.size() ? Text[opAt] : '\0';
      if (op != '-' && op != '?' && op != '+')
        return failure("invalid interpolation format for \"" + Text + "\": unknown operator after ${" + name);
      pos = opAt + 1;
      auto word = run(pos, true);
      if (!word)
        return word.takeError();
      if (pos >= Text.size())
        return failure("invalid interpolation format for \"" + Text + "\": missing } after ${" + name);
      ++pos; // the closing }
      auto it = Vars.find(name);
      bool set = it != Vars.end();
      bool usable = set && (!colon || !it->second.empty());
      switch (op) {
      case '-':
        out += usable ? it->second : *word;
        break;
      case '+':
        out += usable ? *word : "";
        break;
      case '?':
        if (!usable)
          return failure("required variable " + name + " is missing a value" +
                         (word->empty() ? std::string() : ": " + *word));
        out += it->second;
        break;
      }
    }
    return out; // when nested, the caller reports the missing }
  }

private:
  llvm::StringRef Text;
  const std::map<std::string, std::string> &Vars;
  std::vector<std::string> *Unset;

  std::string lookup(const std::string &name) {
    auto it = Vars.find(name);
    if (it != Vars.end())
      return it->second;
    if (Unset && std::find(Unset->begin(), Unset->end(), name) == Unset->end())
      Unset->push_back(name);
    return "";
  }
};

} // namespace

std::string Location::text() const {
  if (line <= 0)
    return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

llvm::Expected<std::string> interpolate(llvm::StringRef text, const std::map<std::string, std::string> &vars,
                                        std::vector<std::string> *unset) {
  if (!text.contains('$'))
    return text.str();
  size_t pos = 0;
  Interpolator i(text, vars, unset);
  return i.run(pos, false);
}

llvm::Expected<std::map<std::string, std::string>> parseDotEnv(llvm::StringRef text, llvm::StringRef file) {
  std::map<std::string, std::string> out;
  llvm::SmallVector<llvm::StringRef, 32> lines;
  text.split(lines, '\n');
  for (size_t n = 0; n < lines.size(); ++n) {
    llvm::StringRef line = lines[n].rtrim("\r").ltrim();
    if (line.empty() || line.startswith("#"))
      continue;
    if (line.startswith("export "))
      line = line.drop_front(7).ltrim();
    size_t eq = line.find('=');
    std::string where = file.str() + ":" + std::to_string(n + 1) + ":1";
    if (eq == llvm::StringRef::npos || eq == 0)
      return failure(where + ": expected KEY=VALUE, got \"" + line + "\"");
    std::string key = line.take_front(eq).rtrim().str();
    if (!nameStart(key[0]) ||
        !std::all_of(key.begin(), key.end(), [](char c) { return nameChar(c) || c == '.'; }))
      return failure(where + ": invalid variable name \"" + key + "\"");
    llvm::StringRef value = line.drop_front(eq + 1).ltrim();
    std::string v;
    if (value.startswith("'") || value.startswith("\"")) {
      char q = value[0];
      size_t close = value.find(q, 1);
      if (close == llvm::StringRef::npos)
        return failure(where + ": unterminated quoted value for " + key);
      llvm::StringRef inner = value.slice(1, close);
      if (q == '"') {
        for (size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] == '\\' && i + 1 < inner.size()) {
            char e = inner[++i];
            v += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          } else {
            v += inner[i];
          }
        }
      } else {
        v = inner.str();
      }
    } else {
      // An unquoted value ends at " #" (an inline comment).
      size_t hash = value.find(" #");
      v = (hash == llvm::StringRef::npos ? value : value.take_front(hash)).rtrim().str();
    }
    out[key] = v;
  }
  return out;
}

llvm::Expected<std::vector<std::string>> splitWords(llvm::StringRef text) {
  std::vector<std::string> words;
  std::string word;
  bool inWord = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (inWord)
        words.push_back(std::move(word));
      word.clear();
      inWord = false;
      continue;
    }
    inWord = true;
    if (c == '\\') {
      if (i + 1 < text.size())
        word += text[++i];
      continue;
    }
    if (c == '\'' || c == '"') {
      size_t j = i + 1;
      for (; j < text.size() && text[j] != c; ++j) {
        if (c == '"' && text[j] == '\\' && j + 1 < text.size() &&
            (text[j + 1] == '"' || text[j + 1] == '\\' || text[j + 1] == '$'))
          ++j;
        word += text[j];
      }
      if (j >= text.size())
        return failure("unterminated " + std::string(c == '"' ? "double" : "single") + " quote in \"" + text +
                       "\"");
      i = j;
      continue;
    }
    word += c;
  }
  if (inWord)
    words.push_back(std::move(word));
  return words;
}

llvm::Expected<int64_t> parseDuration(llvm::StringRef text) {
  auto bad = [&] {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "invalid duration \"" + text.str() + "\"");
  };
  llvm::StringRef rest = text.trim();
  if (rest.empty())
    return bad();
  if (rest == "0")
    return 0;
  static const std::pair<const char *, double> units[] = {{"ns", 1},  {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
                                                          {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.'))
      ++n;
    if (n == 0)
      return bad();
    double value = 0;
    if (rest.take_front(n).getAsDouble(value))
      return bad();
    rest = rest.drop_front(n);
    const std::pair<const char *, double> *unit = nullptr;
    for (const auto &u : units) // longest first where two share a start ("ms" before "m")
      if (rest.startswith(u.first) && (!unit || std::strlen(u.first) > std::strlen(unit->first)))
        unit = &u;
    if (!unit)
      return bad();
    rest = rest.drop_front(std::strlen(unit->first));
    total += value * unit->second;
  }
  return static_cast<int64_t>(total);
}

std::string normaliseProjectName(llvm::StringRef name) {
  std::string out;
  for (char c : name.lower())
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')
      out += c;
  size_t first = out.find_first_not_of("_-");
  return first == std::string::npos ? "" : out.substr(first);
}

} // namespace dfc::compose
