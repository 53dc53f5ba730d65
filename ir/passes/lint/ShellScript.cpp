// A small POSIX-sh reader for lint rules: tokenises quotes, escapes, `$(...)`, backticks,
// redirections and control operators, and flattens compound commands into simple commands.
#include "ir/passes/lint/ShellScript.h"

#include <llvm/ADT/STLFunctionalExtras.h>
#include <llvm/ADT/StringSwitch.h>

#include <algorithm>

namespace dfc::lint {
namespace {

constexpr bool isOpChar(char c) { return c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '\n'; }
constexpr bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
// Per byte: whether it ends a word (blank, operator, redirection) and whether word() copies it
// as it is (everything it looks at twice is excluded). A table: scanning is most of the work.
struct CharClasses {
  bool endsWord[256] = {};
  bool ordinary[256] = {};
  constexpr CharClasses() {
    for (int i = 0; i < 256; ++i) {
      char c = static_cast<char>(i);
      endsWord[i] = isBlank(c) || isOpChar(c) || c == '>' || c == '<';
      ordinary[i] = !endsWord[i] && c != '\\' && c != '\'' && c != '"' && c != '$' && c != '`';
    }
  }
};
constexpr CharClasses Classes;
bool endsWord(char c) { return Classes.endsWord[static_cast<unsigned char>(c)]; }
bool isOrdinary(char c) { return Classes.ordinary[static_cast<unsigned char>(c)]; }

// Words that open or continue a compound command: skipped when they lead a command.
bool isPrefixKeyword(llvm::StringRef w) {
  return llvm::StringSwitch<bool>(w)
      .Cases("if", "then", "else", "elif", "while", "until", "do", "!", "{", true)
      .Default(false);
}
bool isEndKeyword(llvm::StringRef w) {
  return llvm::StringSwitch<bool>(w).Cases("fi", "done", "esac", "}", true).Default(false);
}

// Positions of script offsets, asked in the order words come (forward, stepping back a little
// into nested bodies): a cursor over the instruction's offset-map segments, so the segment is the
// current one or a neighbour rather than a binary search away; or a mapping function.
class Positions {
public:
  Positions(llvm::ArrayRef<OffsetMap::Segment> segs, uint32_t base) : Segs(segs), Base(base) {}
  explicit Positions(llvm::function_ref<Position(uint32_t)> fn) : Fn(fn) {}

  // OffsetMap::toPosition(base + o): the last segment starting at or before it.
  Position at(uint32_t o) {
    if (Fn)
      return Fn(o);
    if (Segs.empty())
      return {};
    uint32_t logical = Base + o;
    while (K + 1 < Segs.size() && Segs[K + 1].logical <= logical)
      ++K;
    while (K > 0 && Segs[K].logical > logical)
      --K;
    const OffsetMap::Segment &sg = Segs[K];
    uint32_t delta = logical < sg.logical ? 0 : std::min(logical - sg.logical, sg.length);
    return {sg.line, sg.column + delta, sg.source + delta};
  }

private:
  llvm::ArrayRef<OffsetMap::Segment> Segs;
  uint32_t Base = 0;
  size_t K = 0;
  llvm::function_ref<Position(uint32_t)> Fn;
};

// Buffers the readers of one script share (a nested body is read once its command is stored,
// so the buffers are empty then): the current command's words, and a word's unquoted text.
struct Scratch {
  llvm::SmallVector<ShellWord, 8> argv, assignments;
  std::string text;
  llvm::SmallVector<ShellCommand, 16> commands; // the script's, moved to its storage at the end
};

// `sudo x`, `env A=b x`, `nice x`, ...: commands whose real command follows.
bool isWrapper(llvm::StringRef n) {
  switch (n.size()) {
  case 3: return n == "env";
  case 4: return n == "sudo" || n == "exec" || n == "time";
  case 5: return n == "nohup";
  default: return false;
  }
}

class Reader {
public:
  Reader(llvm::StringRef text, uint32_t base, unsigned depth, ShellScript &out, Positions &positions, Scratch &scratch)
      : Text(text), Base(base), Depth(depth), Out(out), P(positions), S(scratch) {}

  void run() {
    llvm::StringRef skipUntil; // inside `for x in ...; do` / `case ... in` headers: the word ending it
    while (Pos < Text.size()) {
      char c = Text[Pos];
      if (isBlank(c)) { // a run of blanks at once (continuation indents are long)
        for (++Pos; Pos < Text.size() && isBlank(Text[Pos]);)
          ++Pos;
        continue;
      }
      if (c == '\\' && Pos + 1 < Text.size() && Text[Pos + 1] == '\n') {
        Pos += 2;
        continue;
      }
      if (c == '#' ) { // comment to end of line
        while (Pos < Text.size() && Text[Pos] != '\n')
          ++Pos;
        continue;
      }
      if (isOpChar(c)) {
        Connector conn = Connector::Semicolon;
        if (c == '&' && peek(1) == '&') { conn = Connector::And; Pos += 2; }
        else if (c == '|' && peek(1) == '|') { conn = Connector::Or; Pos += 2; }
        else if (c == ';' && peek(1) == ';') { Pos += 2; } // case terminator
        else if (c == '|') { conn = Connector::Pipe; ++Pos; }
        else if (c == '&') { conn = Connector::Background; ++Pos; }
        else { ++Pos; }
        if (c == '(' || c == ')') {
          Depth += c == '(' ? 1 : (Depth > 0 ? -1 : 0);
          conn = Connector::Semicolon;
        }
        finish(conn);
        continue;
      }
      if ((c == '>' || c == '<') || (isdigit(static_cast<unsigned char>(c)) && redirectAhead())) {
        skipRedirection();
        continue;
      }
      // Read in place, as the command's next word (no copy of the word); dropped again when it
      // is a keyword or part of a for/case header.
      ShellWord &w = S.argv.emplace_back();
      word(w);
      bool first = S.argv.size() == 1;
      if (first && S.assignments.empty() && skipUntil.empty() && !w.quoted) {
        llvm::StringRef t = w.text;
        if (isPrefixKeyword(t) || isEndKeyword(t)) {
          S.argv.pop_back();
          continue;
        }
        if (t == "for" || t == "select" || t == "case") {
          skipUntil = t == "case" ? "in" : "do";
          S.argv.pop_back();
          continue;
        }
      }
      if (!skipUntil.empty()) {
        if (!w.quoted && w.text == skipUntil)
          skipUntil = llvm::StringRef();
        S.argv.pop_back();
        continue;
      }
      // Only the words a command keeps get a range.
      w.range = {P.at(w.begin), P.at(w.end)};
      if (first && isAssignment(w.raw)) {
        S.assignments.push_back(w);
        S.argv.pop_back();
      }
    }
    finish(Connector::None);
  }

private:
  llvm::StringRef Text;
  size_t Pos = 0;
  uint32_t Base;
  unsigned Depth;
  ShellScript &Out;
  Positions &P;
  Scratch &S;
  // $(...) and `...` bodies met in the current command: slices of Text, which outlives them.
  llvm::SmallVector<std::pair<uint32_t, llvm::StringRef>, 2> Nested;

  char peek(size_t k) const { return Pos + k < Text.size() ? Text[Pos + k] : 0; }

  static bool isAssignment(llvm::StringRef raw) {
    size_t eq = raw.find('=');
    if (eq == 0 || eq == llvm::StringRef::npos)
      return false;
    for (char c : raw.take_front(eq))
      if (!(isalnum(static_cast<unsigned char>(c)) || c == '_'))
        return false;
    return !isdigit(static_cast<unsigned char>(raw[0]));
  }

  bool redirectAhead() const {
    size_t i = Pos;
    while (i < Text.size() && isdigit(static_cast<unsigned char>(Text[i])))
      ++i;
    return i < Text.size() && (Text[i] == '>' || Text[i] == '<');
  }

  void skipRedirection() {
    while (Pos < Text.size() && isdigit(static_cast<unsigned char>(Text[Pos])))
      ++Pos;
    while (Pos < Text.size() && (Text[Pos] == '>' || Text[Pos] == '<' || Text[Pos] == '&' || Text[Pos] == '|'))
      ++Pos;
    if (Pos > 0 && Text[Pos - 1] == '&' && Pos < Text.size() &&
        (isdigit(static_cast<unsigned char>(Text[Pos])) || Text[Pos] == '-')) {
      while (Pos < Text.size() && !isBlank(Text[Pos]) && !isOpChar(Text[Pos]))
        ++Pos;
      return;
    }
    while (Pos < Text.size() && isBlank(Text[Pos]))
      ++Pos;
    if (Pos < Text.size() && !isOpChar(Text[Pos])) {
      ShellWord target; // read past, not kept
      word(target);
    }
  }

  // Reads `$(...)` starting at the '(' after '$' (kept as written); records the body for nesting.
  void commandSubstitution(std::string *text) {
    size_t start = Pos; // at '('
    int depth = 0;
    while (Pos < Text.size()) {
      char c = Text[Pos];
      if (c == '\\' && Pos + 1 < Text.size()) { Pos += 2; continue; }
      if (c == '\'') { size_t e = Text.find('\'', Pos + 1); Pos = e == llvm::StringRef::npos ? Text.size() : e + 1; continue; }
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) { ++Pos; break; }
      ++Pos;
    }
    if (text)
      text->append(Text.data() + start, Pos - start);
    size_t bodyEnd = Pos > start + 1 && Text[Pos - 1] == ')' ? Pos - 1 : Pos;
    Nested.push_back({static_cast<uint32_t>(start + 1), Text.slice(start + 1, bodyEnd)});
  }

  // One word, without its range (script offsets). Its unquoted text is the raw slice itself until
  // an escape or a quote drops a character; only then is it built, in S.text, and kept in the
  // script.
  void word(ShellWord &w) {
    w.begin = static_cast<uint32_t>(Pos);
    std::string *text = nullptr; // null while the text is the raw word so far
    auto unquote = [&] {
      if (!text) {
        text = &S.text;
        text->assign(Text.data() + w.begin, Pos - w.begin);
      }
    };
    while (Pos < Text.size()) {
      char c = Text[Pos];
      if (endsWord(c))
        break;
      if (c == '\\') {
        unquote();
        if (Pos + 1 < Text.size()) {
          if (Text[Pos + 1] != '\n')
            text->push_back(Text[Pos + 1]);
          Pos += 2;
        } else {
          ++Pos;
        }
        continue;
      }
      if (c == '\'') {
        unquote();
        w.quoted = true;
        size_t e = Text.find('\'', Pos + 1);
        if (e == llvm::StringRef::npos) e = Text.size();
        llvm::StringRef quoted = Text.slice(Pos + 1, e);
        text->append(quoted.data(), quoted.size());
        Pos = std::min(e + 1, Text.size());
        continue;
      }
      if (c == '"') {
        unquote();
        w.quoted = true;
        ++Pos;
        while (Pos < Text.size() && Text[Pos] != '"') {
          if (Text[Pos] == '\\' && Pos + 1 < Text.size()) {
            char n = Text[Pos + 1];
            if (n == '"' || n == '\\' || n == '$' || n == '`')
              text->push_back(n);
            else if (n != '\n') {
              text->push_back('\\');
              text->push_back(n);
            }
            Pos += 2;
            continue;
          }
          if (Text[Pos] == '$' && peek(1) == '(') {
            ++Pos;
            text->push_back('$');
            commandSubstitution(text);
            continue;
          }
          text->push_back(Text[Pos++]);
        }
        ++Pos;
        continue;
      }
      size_t from = Pos; // the constructs below are copied as written
      if (c == '$' && peek(1) == '(') {
        ++Pos;
        commandSubstitution(nullptr);
      } else if (c == '$' && peek(1) == '{') {
        // To the first '}' (or the end), scanned here: the braces are a few bytes apart.
        Pos += 2;
        while (Pos < Text.size() && Text[Pos] != '}')
          ++Pos;
        Pos = std::min(Pos + 1, Text.size());
      } else if (c == '`') {
        size_t e = Text.find('`', Pos + 1);
        if (e == llvm::StringRef::npos) e = Text.size();
        Nested.push_back({static_cast<uint32_t>(Pos + 1), Text.slice(Pos + 1, e)});
        Pos = std::min(e + 1, Text.size());
      } else {
        // A run of ordinary characters.
        ++Pos;
        while (Pos < Text.size() && isOrdinary(Text[Pos]))
          ++Pos;
      }
      if (text)
        text->append(Text.data() + from, Pos - from);
    }
    w.end = static_cast<uint32_t>(Pos);
    llvm::StringRef raw = Text.slice(w.begin, w.end); // both from the register, not re-read from w
    w.raw = raw;
    w.text = text ? Out.keep(llvm::StringRef(*text)) : raw;
    w.begin += Base;
    w.end += Base;
  }

  // Ends the current command (if it has words): its words move into the script's arena. Then
  // reads the $(...) and `...` bodies it contained, one level down.
  void finish(Connector conn) {
    if (!S.argv.empty() || !S.assignments.empty()) {
      ShellCommand &cmd = S.commands.emplace_back(); // filled in place, not copied in
      cmd.next = conn;
      cmd.depth = Depth;
      cmd.argv = Out.keep(llvm::ArrayRef<ShellWord>(S.argv));
      cmd.assignments = Out.keep(llvm::ArrayRef<ShellWord>(S.assignments));
      // The command spans its words (the assignments' when it has no argv).
      llvm::ArrayRef<ShellWord> words = cmd.argv.empty() ? cmd.assignments : cmd.argv;
      cmd.begin = words.front().begin;
      cmd.end = words.back().end;
      cmd.range = {words.front().range.begin, words.back().range.end};
      // `set -o pipefail` / `set -euo pipefail`
      if (cmd.name() == "set")
        for (const ShellWord &a : cmd.argv)
          if (a.text == "pipefail")
            Out.setsPipefail = true;
      S.argv.clear();
      S.assignments.clear();
    }
    if (Nested.empty())
      return;
    auto nested = std::move(Nested);
    Nested.clear();
    for (auto &[offset, body] : nested)
      if (Depth < 32)
        Reader(body, Base + offset, Depth + 1, Out, P, S).run();
  }
};

} // namespace

llvm::SmallVector<const ShellWord *, 8> ShellCommand::operands() const {
  llvm::SmallVector<const ShellWord *, 8> out;
  bool endOfOptions = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    llvm::StringRef t(argv[i].text);
    if (!endOfOptions && t == "--") {
      endOfOptions = true;
      continue;
    }
    if (!endOfOptions && t.startswith("-") && t.size() > 1)
      continue;
    out.push_back(&argv[i]);
  }
  return out;
}

bool ShellCommand::hasFlag(llvm::StringRef flag) const {
  for (size_t i = 1; i < argv.size(); ++i) {
    llvm::StringRef t(argv[i].text);
    if (t == "--")
      break;
    if (t == flag || (flag.startswith("--") && t.size() > flag.size() && t.startswith(flag) && t[flag.size()] == '='))
      return true;
    // combined short options: -qy contains -y
    if (flag.size() == 2 && flag[0] == '-' && flag[1] != '-' && t.size() > 2 && t[0] == '-' && t[1] != '-' &&
        t.drop_front().find('=') == llvm::StringRef::npos && t.drop_front().contains(flag[1]))
      return true;
  }
  return false;
}

namespace {

llvm::StringRef baseName(llvm::StringRef n) {
  size_t slash = n.rfind('/');
  return slash == llvm::StringRef::npos ? n : n.drop_front(slash + 1);
}

// `sudo -u user x`: the index of x in argv (0 without sudo; argv.size() when there is none).
size_t programAfterSudo(const ShellCommand &c) {
  size_t i = 0;
  if (!c.argv.empty() && baseName(c.argv[0].text) == "sudo") {
    i = 1;
    while (i < c.argv.size() && llvm::StringRef(c.argv[i].text).startswith("-")) {
      llvm::StringRef o(c.argv[i].text);
      i += (o == "-u" || o == "-g" || o == "-C" || o == "-h" || o == "-p" || o == "-U") ? 2 : 1;
    }
  }
  return i;
}

void parseInto(ShellScript &script, llvm::StringRef text, Positions &positions) {
  script.text = script.keep(text);
  // One scratch per thread, reused by every script: a fresh one per RUN grew its word text and
  // long argv again each time (~0.8 mallocs per corpus file). A parse never starts another.
  thread_local Scratch scratch;
  scratch.argv.clear();
  scratch.assignments.clear();
  scratch.commands.clear();
  Reader(script.text, 0, 0, script, positions, scratch).run();
  // `sudo x`, `env A=b x`, `nice x`: the real command is after the wrapper.
  for (ShellCommand &c : scratch.commands) {
    while (!c.argv.empty() && isWrapper(c.name())) {
      if (c.name() == "sudo")
        break; // keep sudo visible for the rule that flags it; rules look at argv[1] themselves
      c.argv = c.argv.drop_front();
      while (!c.argv.empty() && (llvm::StringRef(c.argv[0].text).contains('=') ||
                                 llvm::StringRef(c.argv[0].text).startswith("-")))
        c.argv = c.argv.drop_front();
    }
  }
  if (!scratch.commands.empty()) {
    ShellCommand *p = script.allocate<ShellCommand>(scratch.commands.size());
    std::uninitialized_copy(scratch.commands.begin(), scratch.commands.end(), p);
    script.commands = llvm::ArrayRef<ShellCommand>(p, scratch.commands.size());
  }
  script.index();
}

} // namespace

const ShellScript::Calls *ShellScript::lookup(llvm::StringRef name) const {
  if (!ByName.empty()) {
    auto it = ByName.find(name);
    return it == ByName.end() ? nullptr : &ByProgram[it->second];
  }
  for (const Calls &c : ByProgram)
    if (c.program == name)
      return &c;
  return nullptr;
}

uint32_t ShellScript::entry(llvm::StringRef name) {
  if (const Calls *c = lookup(name))
    return static_cast<uint32_t>(c - ByProgram.data());
  ByProgram.push_back(Calls{name, {}, {}});
  if (!ByName.empty())
    ByName[name] = ByProgram.size() - 1;
  else if (ByProgram.size() > 8)
    for (uint32_t i = 0; i < ByProgram.size(); ++i)
      ByName[ByProgram[i].program] = i;
  return ByProgram.size() - 1;
}

void ShellScript::index() {
  ByProgram.clear();
  ByName.clear();
  // Two passes: each command's entries (named, called), counted per entry; then each entry's
  // lists as one exact block of the arena. Scripts call the same program over and over
  // (`apt-get ... && apt-get ...`): the entry of the last name is reused without a lookup.
  constexpr uint32_t None = ~uint32_t(0);
  struct Ids {
    uint32_t named = None, called = None, program = 0;
  };
  llvm::SmallVector<Ids, 32> ids(commands.size());
  llvm::SmallVector<std::pair<uint32_t, uint32_t>, 8> counts;
  llvm::StringRef lastName;
  uint32_t last = None;
  auto at = [&](llvm::StringRef name) {
    if (last == None || name != lastName) {
      last = entry(name);
      lastName = ByProgram[last].program;
      if (counts.size() < ByProgram.size())
        counts.resize(ByProgram.size(), {0, 0});
    }
    return last;
  };
  for (uint32_t k = 0; k < commands.size(); ++k) {
    const ShellCommand &c = commands[k];
    if (c.argv.empty())
      continue;
    ids[k].named = at(baseName(c.argv[0].text));
    ++counts[ids[k].named].first;
    size_t i = programAfterSudo(c);
    if (i < c.argv.size()) {
      ids[k].called = at(baseName(c.argv[i].text));
      ids[k].program = static_cast<uint32_t>(i);
      ++counts[ids[k].called].second;
    }
  }
  llvm::SmallVector<std::pair<uint32_t *, ShellCall *>, 8> fill(ByProgram.size());
  for (size_t e = 0; e < ByProgram.size(); ++e) {
    auto [named, called] = counts[e];
    uint32_t *n = named ? allocate<uint32_t>(named) : nullptr;
    ShellCall *c = called ? allocate<ShellCall>(called) : nullptr;
    ByProgram[e].named = llvm::ArrayRef<uint32_t>(n, named);
    ByProgram[e].called = llvm::ArrayRef<ShellCall>(c, called);
    fill[e] = {n, c};
  }
  for (uint32_t k = 0; k < commands.size(); ++k) {
    const Ids &id = ids[k];
    if (id.named != None)
      *fill[id.named].first++ = k;
    if (id.called != None)
      *fill[id.called].second++ = ShellCall{k, id.program};
  }
}

llvm::SmallVector<const ShellCommand *, 4> ShellScript::find(llvm::StringRef name) const {
  llvm::SmallVector<const ShellCommand *, 4> out;
  if (const Calls *c = lookup(name))
    for (uint32_t k : c->named)
      out.push_back(&commands[k]);
  return out;
}

llvm::ArrayRef<ShellCall> ShellScript::calls(llvm::StringRef name) const {
  const Calls *c = lookup(name);
  return c ? llvm::ArrayRef<ShellCall>(c->called) : llvm::ArrayRef<ShellCall>();
}

void parseShellScript(ShellScript &out, llvm::StringRef text, const SourceText &src,
                      const std::function<uint32_t(uint32_t)> &mapOffset) {
  auto position = [&](uint32_t o) { return src.position(mapOffset(o)); };
  Positions positions{llvm::function_ref<Position(uint32_t)>(position)};
  parseInto(out, text, positions);
}

void parseShellScript(ShellScript &out, llvm::StringRef text, const SourceText &, const OffsetMap &map,
                      uint32_t base) {
  Positions positions(map.segments(), base);
  parseInto(out, text, positions);
}

ShellScript parseShellScript(llvm::StringRef text, const SourceText &src,
                             const std::function<uint32_t(uint32_t)> &mapOffset, llvm::BumpPtrAllocator *arena) {
  ShellScript script(arena);
  parseShellScript(script, text, src, mapOffset);
  return script;
}

ShellScript parseShellScript(llvm::StringRef text, const SourceText &src, const OffsetMap &map, uint32_t base,
                             llvm::BumpPtrAllocator *arena) {
  ShellScript script(arena);
  parseShellScript(script, text, src, map, base);
  return script;
}

} // namespace dfc::lint
