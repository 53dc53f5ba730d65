// Hover: instruction and flag docs (including `--mount` keys and heredocs), resolved ARG/ENV
// values at that point, stage info, and the rule page of any lint finding under the cursor.
#include "lsp-server/Docs.h"
#include "lsp-server/Features.h"
#include "lsp-server/Occurrences.h"

#include <cstdio>

namespace dfc::lsp {

namespace {

std::string code(llvm::StringRef s) {
  // Backticks inside would end the span early; a double-backtick span tolerates single ones.
  return s.contains('`') ? "`` " + s.str() + " ``" : "`" + s.str() + "`";
}

std::string stageInfo(const Program &p, size_t index) {
  const Stage &st = p.stages[index];
  std::string out = "**Stage " + code(st.displayName()) + "** (#" + std::to_string(index) + ")\n\n";
  if (const ImageRef *img = std::get_if<ImageRef>(&st.base))
    out += "Base image: " + code(img->expanded.empty() ? img->raw : img->expanded) + "\n\n";
  else if (const StageRef *ref = std::get_if<StageRef>(&st.base))
    out += "Base stage: " + code(p.stages[ref->index].displayName()) + "\n\n";
  else
    out += "Base: `scratch`\n\n";
  if (!st.effectivePlatform.empty())
    out += "Platform: " + code(st.effectivePlatform) + "\n\n";
  out += std::to_string(st.instructions.size()) + " instructions";
  if (!st.dependencies.empty()) {
    out += "; depends on";
    std::vector<size_t> seen;
    for (const StageDependency &d : st.dependencies) {
      if (std::find(seen.begin(), seen.end(), d.stage) != seen.end())
        continue;
      seen.push_back(d.stage);
      out += " " + code(p.stages[d.stage].displayName());
    }
  }
  if (!st.docComment.empty())
    out += "\n\n" + st.docComment;
  return out;
}

std::string humanSize(uint64_t bytes) {
  const char *units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.3g %s", v, units[u]);
  return buf;
}

// What the local image store knows of a FROM image (docker's units: decimal sizes, short ids).
std::string storeInfo(const std::string &name, const ImageLookup &findImage) {
  std::optional<LocalImage> img = findImage(name);
  if (!img)
    return "Local image store: " + code(name) + " is not in the local store (`dfc pull " + name + "`)";
  std::string shortId = llvm::StringRef(img->id).startswith("sha256:") ? img->id.substr(7, 12) : img->id;
  std::string out = "**Local image store**: " + code(img->name.empty() ? name : img->name) + "\n\n";
  out += "- id: " + code(shortId) + "\n";
  if (!img->created.empty())
    out += "- created: " + img->created + "\n";
  out += "- size: " + humanSize(img->size) + "\n";
  if (!img->platform.empty())
    out += "- platform: " + code(img->platform) + "\n";
  out += "- layers: " + std::to_string(img->layers);
  return out;
}

// The `--mount` option key under the cursor, e.g. "type" in `--mount=type=cache,target=/x`.
std::string mountKeyAt(llvm::StringRef flagText, uint32_t rel) {
  size_t eq = flagText.find('=');
  if (eq == llvm::StringRef::npos || rel <= eq)
    return {};
  size_t start = flagText.rfind(',', rel);
  start = (start == llvm::StringRef::npos || start < eq) ? eq + 1 : start + 1;
  llvm::StringRef item = flagText.substr(start);
  item = item.take_until([](char c) { return c == ',' || c == '='; });
  return item.trim().str();
}

} // namespace

std::optional<Hover> hover(const Document &doc, uint32_t offset, const RuleDocLookup &ruleDoc,
                           const ImageLookup &findImage) {
  std::vector<std::string> parts;
  std::optional<dfc::Range> where;
  const SyntaxTree &tree = doc.tree();
  const SourceText &src = tree.source;

  for (const lint::Finding &f : doc.findings()) {
    if (!f.rule || !f.range.contains(offset))
      continue;
    std::string part = "**" + std::string(f.rule->id) + "**: " + f.message.str();
    if (const char *page = ruleDoc ? ruleDoc(f.rule->id) : nullptr)
      part += "\n\n" + std::string(page);
    else
      part += "\n\n" + std::string(f.rule->summary);
    parts.push_back(std::move(part));
  }

  std::optional<InstructionSite> site = doc.instructionAt(offset);
  std::vector<Occurrence> occ = collectOccurrences(doc);
  if (const Occurrence *o = occurrenceAt(occ, offset)) {
    where = src.range(o->refBegin, o->refEnd);
    if (o->kind == Occurrence::Kind::Stage) {
      if (auto idx = doc.program().findStage(o->name))
        parts.push_back(stageInfo(doc.program(), *idx));
    } else {
      std::string part = "**" + code(o->name) + "**";
      InstructionSite at = doc.site(static_cast<size_t>(o->syntaxIndex));
      // A declaration shows the value it sets; a reference the value it reads.
      const shell::ListEnvironment &env =
          o->declaration && at.stage >= 0 && at.instruction >= 0
              ? doc.program().stages[at.stage].envBefore(static_cast<size_t>(at.instruction) + 1)
              : doc.envAt(at);
      if (const std::string *v = env.lookup(o->name))
        part += " = " + code(*v);
      else
        part += " is unset here";
      std::vector<const Occurrence *> decls = declarationsOf(occ, *o);
      if (!decls.empty() && !o->declaration) {
        const Instruction &d = tree.instructions[decls.front()->syntaxIndex];
        part += "\n\nDeclared by " + code(d.keyword) + " on line " + std::to_string(d.range.begin.line + 1);
      }
      parts.push_back(std::move(part));
    }
  } else if (site) {
    const Instruction *ins = site->syntax;
    if (ins->trigger && ins->trigger->keywordRange.contains(offset) &&
        offset >= ins->trigger->keywordRange.begin.offset)
      ins = ins->trigger.get();
    if (ins->keywordRange.contains(offset)) {
      where = ins->keywordRange;
      std::string d = instructionDoc(ins->keyword);
      if (!d.empty())
        parts.push_back(d);
      if (site->isFrom())
        parts.push_back(stageInfo(doc.program(), static_cast<size_t>(site->stage)));
    }
    for (const Flag &f : ins->flags) {
      if (!f.range.contains(offset))
        continue;
      where = f.range;
      std::string d = flagDoc(ins->keyword, f.name());
      if (f.name() == "mount") {
        std::string key = mountKeyAt(src.text().slice(f.range.begin.offset, f.range.end.offset),
                                     offset - f.range.begin.offset);
        std::string kd = key.empty() ? std::string() : optionDoc("RUN", key);
        if (!kd.empty())
          d = kd + "\n\n---\n\n" + d;
      }
      if (!d.empty())
        parts.push_back(d);
    }
    for (const Heredoc &h : ins->heredocs) {
      if (h.marker.contains(offset)) {
        where = h.marker;
        if (const char *page = instructionPage("heredoc"))
          parts.push_back(page);
      }
    }
    if (site->isFrom() && !where) {
      const Stage &st = doc.program().stages[site->stage];
      if (st.baseName.range.contains(offset)) {
        where = st.baseName.range;
        parts.push_back(stageInfo(doc.program(), st.index));
        const ImageRef *img = std::get_if<ImageRef>(&st.base);
        // An image name with unresolved variables names nothing the store could have.
        if (img && findImage && !img->expanded.empty() && img->expanded.find('$') == std::string::npos)
          parts.push_back(storeInfo(img->expanded, findImage));
      }
    }
  }
  if (parts.empty())
    return std::nullopt;
  Hover h;
  for (size_t i = 0; i < parts.size(); ++i)
    h.markdown += (i ? "\n\n---\n\n" : "") + parts[i];
  if (where)
    h.range = doc.toLsp(*where);
  return h;
}

} // namespace dfc::lsp
