// Instruction-level checks of each Dockerfile instruction, in BuildKit's order (arity, then
// flags, then operands) and with its exact error texts.
#include "ir/InstructionParser.h"

#include "ir/Operands.h"

#include <llvm/ADT/StringExtras.h>


namespace dfc {
namespace {

// A view of the word's text in the tree (see Operand).
Operand operand(const Word &w) { return Operand(w.value, w.range); }

// A sub-range of a word, when the word's text maps 1:1 onto its source (one line, same length).
Range subRange(const Word &w, size_t off, size_t len) {
  const Range &r = w.range;
  if (r.begin.line != r.end.line || r.end.offset - r.begin.offset != w.value.size())
    return r;
  Range out = r;
  out.begin.column += off;
  out.begin.offset += off;
  out.end = out.begin;
  out.end.column += len;
  out.end.offset += len;
  return out;
}

std::string getComment(llvm::ArrayRef<llvm::StringRef> comments, llvm::StringRef name) {
  if (name.empty())
    return "";
  for (llvm::StringRef line : comments)
    if (line.size() > name.size() && line.startswith(name) && line[name.size()] == ' ')
      return line.substr(name.size() + 1).str();
  return "";
}

// `^[a-z][a-z0-9-_.]*$` (the name is already lowercased).
bool validStageName(llvm::StringRef name) {
  if (name.empty() || !(name[0] >= 'a' && name[0] <= 'z'))
    return false;
  return llvm::all_of(name.drop_front(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// `^\s*[oO][nN][bB][uU][iI][lL][dD]\s*` removed once (\s in the C locale: ASCII whitespace).
std::string dropOnbuildPrefix(llvm::StringRef line) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 0;
  while (i < line.size() && space(line[i]))
    ++i;
  if (!line.substr(i).startswith_insensitive("onbuild"))
    return line.str();
  i += 7;
  while (i < line.size() && space(line[i]))
    ++i;
  return line.substr(i).str();
}

class Parser {
public:
  Parser(const SyntaxTree &tree, const Instruction &node, uint32_t index, std::vector<Diagnostic> &diags,
         ParsedInstruction &result, std::vector<AnyInstruction> *into = nullptr)
      : Tree(tree), Node(node), Index(index), Diags(diags), Result(result), Into(into) {}

  void run();

private:
  const SyntaxTree &Tree;
  const Instruction &Node;
  uint32_t Index;
  std::vector<Diagnostic> &Diags;
  BuilderFlags Flags;
  ParsedInstruction &Result; // the caller's: the instruction is built in place, never moved
  std::vector<AnyInstruction> *Into; // set: the instruction is appended here instead
  AnyInstruction *Made = nullptr;    // the instruction built, wherever it is

  llvm::ArrayRef<Word> args() const { return Node.args; }

  void error(const Range &r, std::string msg) {
    if (!Result.ok)
      return;
    Diags.push_back(Diagnostic{r, Severity::Error, "syntax", std::move(msg)});
    Result.ok = false;
  }
  void errorAtKeyword(std::string msg) { error(Node.keywordRange, std::move(msg)); }

  // Most instructions have no flags: then nothing is declared (every flag reads as unset, its
  // default applies) and there is nothing to parse.
  bool hasFlags() const { return !Node.flags.empty(); }

  // BFlags.Parse over the node's flags; false after reporting.
  bool parseFlags() {
    if (!hasFlags())
      return true;
    llvm::SmallVector<llvm::StringRef, 4> words;
    for (const Flag &f : Node.flags)
      words.push_back(f.text);
    size_t bad = 0;
    if (auto err = Flags.parse(llvm::ArrayRef<llvm::StringRef>(words), &bad)) {
      // BFlags says "unknown flag: --x"; the instruction parser adds BuildKit's suggestion.
      llvm::StringRef name = bad < Node.flags.size() ? Node.flags[bad].name() : "";
      if (llvm::StringRef(*err).startswith("unknown flag: "))
        if (auto s = suggestClosest(name, Flags.names(), true))
          *err += " (did you mean " + *s + "?)";
      error(bad < Node.flags.size() ? Node.flags[bad].range : Node.keywordRange, *err);
      return false;
    }
    return true;
  }

  const Flag *flagFor(llvm::StringRef name) const {
    const BuilderFlags::Value *v = Flags.get(name);
    if (!v || v->indexes.empty())
      return nullptr;
    return &Node.flags[v->indexes.back()];
  }
  std::optional<Operand> stringFlag(llvm::StringRef name) const {
    const Flag *f = flagFor(name);
    if (!f)
      return std::nullopt;
    // The flag's value in the tree (BFlags' value is the text after its first '=', as here).
    return Operand(f->value(), f->range);
  }
  bool boolFlag(llvm::StringRef name) const {
    const BuilderFlags::Value *v = Flags.get(name);
    return v && v->value == "true";
  }
  std::optional<bool> triStateFlag(llvm::StringRef name) const {
    const BuilderFlags::Value *v = Flags.get(name);
    if (!v || !v->used)
      return std::nullopt;
    return v->value == "true";
  }

  template <typename T> T &make() {
    if (Into) {
      Made = &Into->emplace_back(std::in_place_type<T>);
      Result.placed = true;
    } else {
      Made = &Result.instruction.emplace(std::in_place_type<T>);
    }
    T &t = std::get<T>(*Made);
    t.kind = Node.kind;
    t.syntaxIndex = Index;
    t.syntax = &Node;
    t.range = Node.range;
    t.keywordRange = Node.keywordRange;
    return t;
  }
  void finish() {
    if (Made) {
      InstructionBase &b = Made->base();
      b.valid = Result.ok;
      if (hasFlags()) // no flag word, no flag used
        b.flagsUsed = Flags.used();
    }
  }

  // Fills `c` where it lives (moving a CommandLine moves its inline operands one by one).
  void commandLine(CommandLine &c, size_t from) const {
    c.shellForm = !Node.json;
    c.args.reserve(args().size() > from ? args().size() - from : 0);
    for (size_t i = from; i < args().size(); ++i)
      c.args.push_back(operand(args()[i]));
  }

  std::vector<HeredocFile> heredocFiles() const {
    std::vector<HeredocFile> out;
    for (const Heredoc &h : Node.heredocs) {
      HeredocFile f;
      f.name = h.name;
      f.content = h.content;
      f.data = h.content;
      f.expand = h.expand;
      f.chomp = h.chomp;
      f.fileDescriptor = h.fileDescriptor;
      f.marker = h.marker;
      f.body = h.body;
      out.push_back(std::move(f));
    }
    return out;
  }

  void parseFrom();
  void parseRun();
  template <typename T> void parseCopyLike(bool isAdd);
  template <typename T> void parseKeyValues(const char *name);
  void parseArg();
  void parseExpose();
  void parseVolume();
  template <typename T> void parseSingle(const char *name, Operand T::*field, bool checkFlags);
  void parseCmd();
  void parseEntrypoint();
  void parseShell();
  void parseHealthcheck();
  void parseOnbuild();
};

void Parser::run() {
  switch (Node.kind) {
  case InstructionKind::Unknown: {
    std::string msg = "unknown instruction: " + Node.keyword.str();
    static const std::vector<std::string> names = {
        "add",    "arg",   "cmd",         "copy",  "entrypoint", "env",
        "expose", "from",  "healthcheck", "label", "maintainer", "onbuild",
        "run",    "shell", "stopsignal",  "user",  "volume",     "workdir"};
    if (auto s = suggestClosest(Node.keyword, names, false))
      msg += " (did you mean " + *s + "?)";
    error(Node.keywordRange, msg);
    return;
  }
  case InstructionKind::From:
    parseFrom();
    break;
  case InstructionKind::Run:
    parseRun();
    break;
  case InstructionKind::Copy:
    parseCopyLike<CopyInstruction>(false);
    break;
  case InstructionKind::Add:
    parseCopyLike<AddInstruction>(true);
    break;
  case InstructionKind::Env:
    parseKeyValues<EnvInstruction>("ENV");
    break;
  case InstructionKind::Label:
    parseKeyValues<LabelInstruction>("LABEL");
    break;
  case InstructionKind::Arg:
    parseArg();
    break;
  case InstructionKind::Expose:
    parseExpose();
    break;
  case InstructionKind::Volume:
    parseVolume();
    break;
  case InstructionKind::Workdir:
    parseSingle<WorkdirInstruction>("WORKDIR", &WorkdirInstruction::path, true);
    break;
  case InstructionKind::User:
    parseSingle<UserInstruction>("USER", &UserInstruction::user, true);
    break;
  case InstructionKind::StopSignal:
    // BuildKit never validates STOPSIGNAL's flags.
    parseSingle<StopSignalInstruction>("STOPSIGNAL", &StopSignalInstruction::signal, false);
    break;
  case InstructionKind::Maintainer:
    parseSingle<MaintainerInstruction>("MAINTAINER", &MaintainerInstruction::maintainer, true);
    break;
  case InstructionKind::Cmd:
    parseCmd();
    break;
  case InstructionKind::Entrypoint:
    parseEntrypoint();
    break;
  case InstructionKind::Shell:
    parseShell();
    break;
  case InstructionKind::Healthcheck:
    parseHealthcheck();
    break;
  case InstructionKind::Onbuild:
    parseOnbuild();
    break;
  }
  finish();
}

void Parser::parseFrom() {
  const auto &a = args();
  // Even an invalid FROM starts a stage, so later instructions are not "outside a stage"; such a
  // stage has its base name only.
  FromSpec &spec = Result.from.emplace();
  if (!a.empty())
    spec.baseName = operand(a[0]);
  else
    spec.baseName.range = Node.keywordRange;
  std::string name;
  Range nameRange;
  if (a.size() == 3 && llvm::StringRef(a[1].value).equals_insensitive("as")) {
    name = llvm::StringRef(a[2].value).lower();
    nameRange = a[2].range;
    if (!validStageName(name)) {
      error(a[2].range, "invalid name for build stage: \"" + a[2].value.str() +
                            "\", name can't start with a number or contain symbols");
      return;
    }
  } else if (a.size() != 1) {
    error(a.size() > 1 ? Range{a[1].range.begin, a.back().range.end} : Node.keywordRange,
          "FROM requires either one or three arguments");
    return;
  }
  if (hasFlags())
    Flags.addString("platform");
  if (!parseFlags())
    return;
  spec.name = std::move(name);
  spec.nameRange = nameRange;
  spec.platform = stringFlag("platform");
  spec.docComment = getComment(Node.comments, spec.name);
}

void Parser::parseRun() {
  RunInstruction &run = make<RunInstruction>();
  if (hasFlags()) {
    Flags.addStrings("mount");
    Flags.addString("network", "default");
    Flags.addString("security", "sandbox");
    Flags.addStrings("device");
  }
  if (!parseFlags())
    return;
  commandLine(run.cmd, 0);
  run.heredocs = heredocFiles();
  // A single-heredoc RUN script is tab-chomped; several are passed to the shell unchanged.
  if (run.heredocs.size() == 1 && run.heredocs[0].chomp)
    run.heredocs[0].data = chompHeredocContent(run.heredocs[0].content);
  if (!hasFlags())
    return; // no mount or device, and the default network and security are valid

  // Post hooks: mounts (only the `from` check before expansion), network, security, devices.
  if (const BuilderFlags::Value *mounts = Flags.get("mount")) {
    for (size_t i = 0; i < mounts->values.size(); ++i) {
      // Without expansion parseMount can only fail on CSV quoting, an empty spec or a variable
      // in `from`: a spec with no '"' and no '$' needs no check.
      llvm::StringRef spec = mounts->values[i];
      if (!spec.empty() && spec.find_first_of("\"$") == llvm::StringRef::npos)
        continue;
      std::string err;
      parseMount(spec, nullptr, &err);
      if (!err.empty()) {
        error(Node.flags[mounts->indexes[i]].range, err);
        return;
      }
    }
  }
  if (const BuilderFlags::Value *network = Flags.get("network"))
    run.network = network->value;
  if (run.network != "default" && run.network != "none" && run.network != "host") {
    error(flagFor("network") ? flagFor("network")->range : Node.keywordRange,
          "invalid network mode \"" + run.network + "\"");
    return;
  }
  if (const BuilderFlags::Value *security = Flags.get("security"))
    run.security = security->value;
  if (run.security != "sandbox" && run.security != "insecure") {
    error(flagFor("security") ? flagFor("security")->range : Node.keywordRange,
          "security \"" + run.security + "\" is not valid");
    return;
  }
  if (const BuilderFlags::Value *devices = Flags.get("device")) {
    for (size_t i = 0; i < devices->values.size(); ++i) {
      std::string err;
      const Range &r = Node.flags[devices->indexes[i]].range;
      auto d = parseDevice(devices->values[i], &err);
      if (!d) {
        error(r, err);
        return;
      }
      run.devices.push_back(Device{d->name, d->required, r});
    }
  }
}

template <typename T> void Parser::parseCopyLike(bool isAdd) {
  const char *name = isAdd ? "ADD" : "COPY";
  T &c = make<T>();
  c.json = Node.json;
  if (args().size() < 2) {
    error(args().empty() ? Node.keywordRange : args()[0].range,
          std::string(name) +
              " requires at least two arguments, but only one was provided. Destination could "
              "not be determined");
    return;
  }
  if (hasFlags()) {
    Flags.addString("chown");
    Flags.addString("chmod");
    Flags.addBool("link");
    Flags.addStrings("exclude");
    if (isAdd) {
      Flags.addBool("keep-git-dir");
      Flags.addString("checksum");
      Flags.addBool("unpack");
    } else {
      Flags.addString("from");
      Flags.addBool("parents");
    }
  }
  if (!parseFlags())
    return;

  c.chown = stringFlag("chown");
  c.chmod = stringFlag("chmod");
  c.link = boolFlag("link");
  if (const BuilderFlags::Value *ex = Flags.get("exclude"))
    c.exclude = ex->values;
  if constexpr (std::is_same_v<T, AddInstruction>) {
    c.keepGitDir = triStateFlag("keep-git-dir");
    c.unpack = triStateFlag("unpack");
    c.checksum = stringFlag("checksum");
  } else {
    c.from = stringFlag("from");
    c.parents = boolFlag("parents");
  }

  const Word &dest = args().back();
  if (!Node.json && parseHeredocMarker(dest.value)) {
    error(dest.range, std::string(name) + " cannot accept a heredoc as a destination");
    return;
  }
  c.dest = operand(dest);
  c.sources.reserve(args().size() - 1);
  for (size_t i = 0; i + 1 < args().size(); ++i) {
    const Word &src = args()[i];
    std::optional<HeredocMarker> marker;
    if (!Node.json)
      marker = parseHeredocMarker(src.value);
    if (!marker) {
      c.sources.push_back(operand(src));
      continue;
    }
    HeredocFile f;
    f.name = marker->name;
    f.expand = marker->expand;
    f.chomp = marker->chomp;
    f.fileDescriptor = marker->fileDescriptor;
    f.marker = src.range;
    for (const Heredoc &h : Node.heredocs)
      if (h.name == marker->name) {
        f.content = h.content;
        f.body = h.body;
      }
    f.data = f.chomp ? chompHeredocContent(f.content) : f.content;
    c.heredocSources.push_back(std::move(f));
  }
}

template <typename T> void Parser::parseKeyValues(const char *name) {
  T &t = make<T>();
  if (!parseFlags())
    return;
  const auto &a = args();
  if (a.empty()) {
    errorAtKeyword(std::string(name) + " requires at least one argument");
    return;
  }
  if (a.size() % 3 != 0) {
    // The syntax tree holds (key, value, separator) triples; anything else is malformed.
    errorAtKeyword(std::string("Bad input to ") + name + ", too many arguments");
    return;
  }
  t.pairs.reserve(a.size() / 3);
  for (size_t i = 0; i < a.size(); i += 3) {
    if (a[i].value.empty()) {
      error(Range{a[i].range.begin, a[i + 1].range.end}, std::string(name) + " names can not be blank");
      return;
    }
    KeyValue kv;
    kv.key = operand(a[i]);
    kv.value = operand(a[i + 1]);
    kv.legacy = a[i + 2].value.empty();
    t.pairs.push_back(std::move(kv));
  }
}

void Parser::parseArg() {
  ArgInstruction &arg = make<ArgInstruction>();
  // BuildKit's parseArg never parses flags: `ARG --x a` silently ignores --x.
  if (args().empty()) {
    errorAtKeyword("ARG requires at least one argument");
    return;
  }
  arg.args.reserve(args().size());
  for (const Word &w : args()) {
    ArgDecl d;
    d.range = w.range;
    size_t eq = w.value.find('=');
    if (eq != std::string::npos) {
      if (eq == 0) {
        error(w.range, "ARG names can not be blank");
        return;
      }
      d.key = Operand(w.value.substr(0, eq), subRange(w, 0, eq));
      d.defaultValue = Operand(w.value.substr(eq + 1), subRange(w, eq + 1, w.value.size() - eq - 1));
    } else {
      d.key = operand(w);
    }
    d.docComment = getComment(Node.comments, d.key.raw);
    arg.args.push_back(std::move(d));
  }
}

void Parser::parseExpose() {
  ExposeInstruction &e = make<ExposeInstruction>();
  if (args().empty()) {
    errorAtKeyword("EXPOSE requires at least one argument");
    return;
  }
  if (!parseFlags())
    return;
  e.words.reserve(args().size());
  for (const Word &w : args())
    e.words.push_back(operand(w));
}

void Parser::parseVolume() {
  VolumeInstruction &v = make<VolumeInstruction>();
  v.json = Node.json;
  if (args().empty()) {
    errorAtKeyword("VOLUME requires at least one argument");
    return;
  }
  if (!parseFlags())
    return;
  for (const Word &w : args()) {
    llvm::StringRef trimmed = w.value.trim();
    if (trimmed.empty()) {
      error(w.range, "VOLUME specified can not be an empty string");
      return;
    }
    v.paths.push_back(Operand(trimmed, w.range));
  }
}

template <typename T> void Parser::parseSingle(const char *name, Operand T::*field, bool checkFlags) {
  T &t = make<T>();
  if (args().size() != 1) {
    errorAtKeyword(std::string(name) + " requires exactly one argument");
    return;
  }
  if (checkFlags && !parseFlags())
    return;
  t.*field = operand(args()[0]);
}

void Parser::parseCmd() {
  CmdInstruction &c = make<CmdInstruction>();
  if (!parseFlags())
    return;
  commandLine(c.cmd, 0);
}

void Parser::parseEntrypoint() {
  EntrypointInstruction &e = make<EntrypointInstruction>();
  if (!parseFlags())
    return;
  commandLine(e.cmd, 0);
  e.empty = e.cmd.args.empty();
}

void Parser::parseShell() {
  ShellInstruction &s = make<ShellInstruction>();
  if (!parseFlags())
    return;
  if (args().empty()) {
    errorAtKeyword("SHELL requires at least one argument");
    return;
  }
  if (!Node.json) {
    error(Range{args().front().range.begin, args().back().range.end},
          "SHELL requires the arguments to be in JSON form");
    return;
  }
  for (const Word &w : args())
    s.shell.push_back(operand(w));
}

void Parser::parseHealthcheck() {
  HealthcheckInstruction &h = make<HealthcheckInstruction>();
  if (args().empty()) {
    errorAtKeyword("HEALTHCHECK requires at least one argument");
    return;
  }
  std::string type = llvm::StringRef(args()[0].value).upper();
  if (type == "NONE") {
    // BuildKit never parses flags for NONE.
    h.type = HealthcheckInstruction::Type::None;
    if (args().size() != 1) {
      error(Range{args()[1].range.begin, args().back().range.end}, "HEALTHCHECK NONE takes no arguments");
      return;
    }
    h.test = {"NONE"};
    return;
  }
  if (hasFlags()) {
    Flags.addString("interval");
    Flags.addString("timeout");
    Flags.addString("start-period");
    Flags.addString("start-interval");
    Flags.addString("retries");
  }
  if (!parseFlags())
    return;
  if (type != "CMD") {
    error(args()[0].range, "Unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
    return;
  }
  h.type = HealthcheckInstruction::Type::Cmd;
  commandLine(h.cmd, 1);
  if (h.cmd.args.empty()) {
    error(args()[0].range, "Missing command after HEALTHCHECK CMD");
    return;
  }
  h.test.push_back(Node.json ? "CMD" : "CMD-SHELL");
  for (const Operand &o : h.cmd.args)
    h.test.push_back(o.raw.str());

  auto interval = [&](const char *name, int64_t &out) {
    const BuilderFlags::Value *v = Flags.get(name);
    if (!v || v->value.empty())
      return true;
    const Range &r = flagFor(name)->range;
    std::string err;
    auto d = parseGoDuration(v->value, &err);
    if (!d) {
      error(r, err);
      return false;
    }
    if (*d != 0 && *d < 1000000) {
      error(r, std::string("Interval \"") + name + "\" cannot be less than 1ms");
      return false;
    }
    out = *d;
    return true;
  };
  if (!interval("interval", h.interval) || !interval("timeout", h.timeout) ||
      !interval("start-period", h.startPeriod) || !interval("start-interval", h.startInterval))
    return;
  const BuilderFlags::Value *retries = Flags.get("retries");
  if (retries && !retries->value.empty()) {
    const Range &r = flagFor("retries")->range;
    llvm::StringRef s = retries->value;
    llvm::StringRef digits = s;
    bool neg = false;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
      neg = digits[0] == '-';
      digits = digits.drop_front();
    }
    bool numeric = !digits.empty() && llvm::all_of(digits, llvm::isDigit);
    unsigned long long mag = 0;
    bool fits = numeric && !digits.getAsInteger(10, mag) && mag <= (neg ? 2147483648ULL : 2147483647ULL);
    if (!fits) {
      error(r, "strconv.ParseInt: parsing \"" + s.str() +
                   "\": " + (numeric ? "value out of range" : "invalid syntax"));
      return;
    }
    long long n = neg ? -static_cast<long long>(mag) : static_cast<long long>(mag);
    if (n < 0) {
      error(r, "--retries cannot be negative (" + std::to_string(n) + ")");
      return;
    }
    h.retries = static_cast<int32_t>(n);
  }
}

void Parser::parseOnbuild() {
  OnbuildInstruction &o = make<OnbuildInstruction>();
  if (!Node.trigger) {
    errorAtKeyword("ONBUILD requires at least one argument");
    return;
  }
  if (!parseFlags())
    return;
  const Instruction &trig = *Node.trigger;
  std::string upper = llvm::StringRef(trig.keyword).trim().upper();
  if (upper == "ONBUILD") {
    error(trig.keywordRange, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    return;
  }
  if (upper == "MAINTAINER" || upper == "FROM") {
    error(trig.keywordRange, upper + " isn't allowed as an ONBUILD trigger");
    return;
  }
  o.expression = dropOnbuildPrefix(Node.line);
  const std::vector<Heredoc> &heredocs = Node.heredocs.empty() ? trig.heredocs : Node.heredocs;
  for (const Heredoc &h : heredocs)
    o.expression += "\n" + h.content + h.name;
  // The trigger is parsed for the IR but not validated: BuildKit only checks it downstream.
  std::vector<Diagnostic> ignored;
  ParsedInstruction inner;
  Parser(Tree, trig, Index, ignored, inner).run();
  if (inner.instruction)
    o.trigger = std::make_shared<const AnyInstruction>(std::move(*inner.instruction));
}

} // namespace

ParsedInstruction parseInstruction(const SyntaxTree &tree, const Instruction &node, uint32_t syntaxIndex,
                                   std::vector<Diagnostic> &diags, std::vector<AnyInstruction> *into) {
  ParsedInstruction out;
  Parser(tree, node, syntaxIndex, diags, out, into).run();
  return out;
}

const InstructionBase &AnyInstruction::base() const {
  return std::visit([](const auto &i) -> const InstructionBase & { return i; },
                    static_cast<const InstructionVariant &>(*this));
}

InstructionBase &AnyInstruction::base() {
  return std::visit([](auto &i) -> InstructionBase & { return i; }, static_cast<InstructionVariant &>(*this));
}

} // namespace dfc
