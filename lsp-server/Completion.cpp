// Completion: instructions (snippets), flags per instruction, `--mount` keys and values, stage
// names after `--from=`, ARG/ENV names after `$`/`${`, rule ids in ignore comments, directives.
#include "lsp-server/Docs.h"
#include "lsp-server/Features.h"

#include <llvm/ADT/StringExtras.h>

#include <set>

namespace dfc::lsp {

namespace {

struct Snippet {
  const char *label;
  const char *body;
};

// The first entry per keyword is the plain form; the others are common shapes worth a snippet.
const Snippet snippets[] = {
    {"ADD", "ADD ${1:source} ${2:dest}"},
    {"ARG", "ARG ${1:name}=${2:value}"},
    {"CMD", "CMD [\"${1:executable}\"]"},
    {"COPY", "COPY ${1:source} ${2:dest}"},
    {"COPY --from", "COPY --from=${1:stage} ${2:source} ${3:dest}"},
    {"ENTRYPOINT", "ENTRYPOINT [\"${1:executable}\"]"},
    {"ENV", "ENV ${1:key}=${2:value}"},
    {"EXPOSE", "EXPOSE ${1:port}"},
    {"FROM", "FROM ${1:image}"},
    {"FROM AS", "FROM ${1:image} AS ${2:name}"},
    {"HEALTHCHECK", "HEALTHCHECK --interval=${1:30s} --timeout=${2:5s} CMD ${3:command}"},
    {"HEALTHCHECK NONE", "HEALTHCHECK NONE"},
    {"LABEL", "LABEL ${1:key}=\"${2:value}\""},
    {"MAINTAINER", "MAINTAINER ${1:name}"},
    {"ONBUILD", "ONBUILD ${1:instruction}"},
    {"RUN", "RUN ${1:command}"},
    {"RUN --mount=type=cache", "RUN --mount=type=cache,target=${1:/root/.cache} ${2:command}"},
    {"RUN heredoc", "RUN <<EOF\n${1:command}\nEOF"},
    {"SHELL", "SHELL [\"${1:/bin/sh}\", \"${2:-c}\"]"},
    {"STOPSIGNAL", "STOPSIGNAL ${1:SIGTERM}"},
    {"USER", "USER ${1:user}"},
    {"VOLUME", "VOLUME [\"${1:/data}\"]"},
    {"WORKDIR", "WORKDIR ${1:/path}"},
};

struct KeyInfo {
  const char *key;
  std::vector<const char *> values;
};

const KeyInfo mountKeys[] = {
    {"type", {"bind", "cache", "tmpfs", "secret", "ssh"}},
    {"target", {}},
    {"source", {}},
    {"from", {}},
    {"id", {}},
    {"sharing", {"shared", "private", "locked"}},
    {"readonly", {"true", "false"}},
    {"rw", {"true", "false"}},
    {"mode", {}},
    {"uid", {}},
    {"gid", {}},
    {"required", {"true", "false"}},
    {"size", {}},
    {"env", {}},
};

// Fixed values of flags that take one of a few words.
std::vector<const char *> flagValues(llvm::StringRef flag) {
  if (flag == "network")
    return {"default", "none", "host"};
  if (flag == "security")
    return {"sandbox", "insecure"};
  if (flag == "link" || flag == "parents" || flag == "keep-git-dir" || flag == "unpack")
    return {"true", "false"};
  if (flag == "platform")
    return {"$BUILDPLATFORM", "$TARGETPLATFORM", "linux/amd64", "linux/arm64"};
  return {};
}

struct Builder {
  const Document &Doc;
  CompletionList List;
  Range Replace; // what an item replaces: the partial word before the cursor

  void add(std::string label, CompletionItemKind kind, std::string insert, std::string detail = {},
           std::string documentation = {}, bool snippet = false) {
    CompletionItem c;
    c.label = std::move(label);
    c.kind = kind;
    c.detail = std::move(detail);
    c.documentation = std::move(documentation);
    c.snippet = snippet;
    c.textEdit = TextEdit{Replace, std::move(insert)};
    char buf[8];
    snprintf(buf, sizeof buf, "%04zu", List.items.size());
    c.sortText = buf;
    List.items.push_back(std::move(c));
  }

  void instructions(bool lowercase) {
    for (const Snippet &s : snippets) {
      llvm::StringRef keyword = llvm::StringRef(s.label).split(' ').first;
      std::string body = s.body;
      if (lowercase)
        body = keyword.lower() + body.substr(keyword.size());
      add(s.label, CompletionItemKind::Keyword, body, instructionSyntax(keyword), instructionDoc(keyword),
          true);
      List.items.back().filterText = lowercase ? keyword.lower() : keyword.str();
    }
  }

  void directives() {
    add("syntax", CompletionItemKind::Property, "syntax=${1:docker/dockerfile:1}",
        "# syntax=<frontend image>", "Selects the Dockerfile frontend (BuildKit) that builds this file.",
        true);
    add("escape", CompletionItemKind::Property, "escape=${1|\\\\,`|}", "# escape=\\ or `",
        "Sets the escape character for line continuations and escapes.", true);
    add("check", CompletionItemKind::Property, "check=skip=${1:rules}", "# check=skip=<rules>;error=<bool>",
        "Configures build checks: rules to skip, and whether findings fail the build.", true);
  }

  void ruleIds(bool withAliases) {
    for (const lint::Rule *r : lint::allRules()) {
      add(r->info.id, CompletionItemKind::EnumMember, r->info.id, r->info.summary);
      if (withAliases)
        for (const char *a : r->info.aliases)
          add(a, CompletionItemKind::EnumMember, a, std::string(r->info.id) + ": " + r->info.summary);
    }
  }
};

bool isWordChar(char c) { return llvm::isAlnum(c) || c == '_' || c == '-' || c == '.'; }

} // namespace

CompletionList completion(const Document &doc, uint32_t offset, const std::vector<LocalImage> &images) {
  Builder b{doc, {}, {}};
  const SyntaxTree &tree = doc.tree();
  const SourceText &src = tree.source;
  llvm::StringRef text = src.text();
  dfc::Position pos = src.position(offset);
  llvm::StringRef before = text.slice(src.lineStart(pos.line), offset);
  // The partial word the items replace.
  size_t ws = before.size();
  while (ws > 0 && isWordChar(before[ws - 1]))
    --ws;
  b.Replace = doc.toLsp(static_cast<uint32_t>(src.lineStart(pos.line) + ws), offset);
  llvm::StringRef trimmed = before.ltrim();

  std::optional<InstructionSite> site = doc.instructionAt(offset);
  bool beforeFirstInstruction =
      tree.instructions.empty() || offset <= tree.instructions.front().range.begin.offset;

  if (trimmed.startswith("#") && (!site || site->syntax->keywordRange.begin.line != pos.line)) {
    llvm::StringRef c = trimmed.drop_front().ltrim();
    bool hadolint = c.startswith("hadolint");
    if (c.consume_front("dfc") || c.consume_front("hadolint")) {
      c = c.ltrim();
      c.consume_front("global");
      c = c.ltrim();
      if (c.startswith("ignore="))
        b.ruleIds(hadolint);
      return b.List;
    }
    if (c.startswith("check=skip=")) {
      b.ruleIds(false);
      return b.List;
    }
    if (beforeFirstInstruction && !c.contains('='))
      b.directives();
    return b.List;
  }

  // Keyword position: nothing but a partial word on a line that does not continue an instruction.
  bool keywordPosition = std::all_of(trimmed.begin(), trimmed.end(), [](char c) { return llvm::isAlpha(c); });
  if (site && site->syntax->keywordRange.begin.line != pos.line)
    keywordPosition = false;
  if (site && site->syntax->keywordRange.end.offset < offset)
    keywordPosition = false;
  if (keywordPosition) {
    bool lower = !trimmed.empty() && (trimmed[0] >= 'a' && trimmed[0] <= 'z');
    b.instructions(lower);
    return b.List;
  }
  if (!site)
    return b.List;

  const Instruction *ins = site->syntax;
  if (ins->trigger && offset >= ins->trigger->keywordRange.begin.offset)
    ins = ins->trigger.get();

  // `$NAME` / `${NAME`: variables in scope at this instruction.
  size_t dollar = ws;
  if (dollar > 0 && before[dollar - 1] == '{')
    --dollar;
  if (dollar > 0 && before[dollar - 1] == '$') {
    bool braced = dollar < ws;
    std::set<std::string> seen;
    const shell::ListEnvironment &env = doc.envAt(*site);
    auto offer = [&](const std::string &name, const std::string &value, const char *what) {
      if (!seen.insert(name).second)
        return;
      b.add(name, CompletionItemKind::Variable, braced ? name + "}" : name, value.empty() ? what : value, {});
    };
    for (auto it = env.entries().rbegin(); it != env.entries().rend(); ++it)
      offer(it->first, it->second, "");
    if (site->stage >= 0 && !site->isFrom())
      for (const std::string &a : doc.program().stages[site->stage].declaredArgs)
        offer(a, "", "ARG");
    for (const ArgInstruction &g : doc.program().globalArgs)
      for (const ArgDecl &d : g.args)
        if (site->isFrom() || site->stage < 0)
          offer(d.key.raw.str(), d.value.value_or(""), "ARG");
    return b.List;
  }

  // Flags: `--name`, `--name=value`, `--mount=k=v,...`.
  size_t tokenStart = before.find_last_of(" \t");
  tokenStart = tokenStart == llvm::StringRef::npos ? 0 : tokenStart + 1;
  llvm::StringRef token = before.substr(tokenStart);
  if (token.startswith("--")) {
    llvm::StringRef body = token.drop_front(2);
    size_t eq = body.find('=');
    if (eq == llvm::StringRef::npos) {
      b.Replace.start = doc.toLsp(static_cast<uint32_t>(src.lineStart(pos.line) + tokenStart));
      for (const std::string &f : documentedFlags(ins->keyword))
        b.add("--" + f, CompletionItemKind::Property, "--" + f, {}, flagDoc(ins->keyword, f));
      return b.List;
    }
    llvm::StringRef flag = body.substr(0, eq), value = body.substr(eq + 1);
    if (flag == "from") {
      for (const Stage &st : doc.program().stages) {
        if (site->stage >= 0 && st.index >= static_cast<size_t>(site->stage))
          break;
        if (!st.name.empty())
          b.add(st.name, CompletionItemKind::Module, st.name, "stage #" + std::to_string(st.index));
      }
      return b.List;
    }
    if (flag == "mount") {
      llvm::StringRef item =
          value.substr(value.rfind(',') == llvm::StringRef::npos ? 0 : value.rfind(',') + 1);
      size_t ieq = item.find('=');
      if (ieq == llvm::StringRef::npos) {
        for (const KeyInfo &k : mountKeys)
          b.add(k.key, CompletionItemKind::Property, std::string(k.key) + "=", {}, optionDoc("RUN", k.key));
        return b.List;
      }
      llvm::StringRef key = item.substr(0, ieq);
      if (key == "from") {
        for (const Stage &st : doc.program().stages)
          if (!st.name.empty() && (site->stage < 0 || st.index < static_cast<size_t>(site->stage)))
            b.add(st.name, CompletionItemKind::Module, st.name, "stage #" + std::to_string(st.index));
        return b.List;
      }
      for (const KeyInfo &k : mountKeys)
        if (key == k.key)
          for (const char *v : k.values)
            b.add(v, CompletionItemKind::EnumMember, v);
      return b.List;
    }
    for (const char *v : flagValues(flag))
      b.add(v, CompletionItemKind::EnumMember, v);
    return b.List;
  }
  // Right after the keyword or other flags: offer the instruction's flags.
  uint32_t tokenOffset = static_cast<uint32_t>(src.lineStart(pos.line) + tokenStart);
  llvm::StringRef afterKeyword =
      text.slice(ins->keywordRange.end.offset, std::max(tokenOffset, ins->keywordRange.end.offset));
  bool onlyFlags = true;
  for (llvm::StringRef w : llvm::split(afterKeyword, ' '))
    if (!w.trim().empty() && !w.trim().startswith("--") && w.trim() != "\\")
      onlyFlags = false;
  if (onlyFlags && token.empty())
    for (const std::string &f : documentedFlags(ins->keyword))
      b.add("--" + f, CompletionItemKind::Property, "--" + f, {}, flagDoc(ins->keyword, f));
  // FROM's image: earlier stages, then the local store's images (names contain `/` and `:`, so
  // an item replaces the whole word typed so far).
  if (onlyFlags && ins->kind == InstructionKind::From && site->isFrom()) {
    b.Replace.start = doc.toLsp(tokenOffset);
    for (const Stage &st : doc.program().stages) {
      if (st.index >= static_cast<size_t>(site->stage))
        break;
      if (!st.name.empty())
        b.add(st.name, CompletionItemKind::Module, st.name, "stage #" + std::to_string(st.index));
    }
    std::set<std::string> seen;
    for (const LocalImage &img : images) {
      if (img.name.empty() || !seen.insert(img.name).second)
        continue;
      std::string detail = "local image " + (img.id.size() > 19 ? img.id.substr(7, 12) : img.id);
      if (!img.platform.empty())
        detail += ", " + img.platform;
      b.add(img.name, CompletionItemKind::Reference, img.name, detail);
    }
  }
  return b.List;
}

} // namespace dfc::lsp
