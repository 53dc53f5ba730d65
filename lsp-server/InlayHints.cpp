// Inlay hints: the value an ARG/ENV reference resolves to at that instruction, shown after it.
#include "lsp-server/Features.h"
#include "lsp-server/Occurrences.h"

namespace dfc::lsp {

std::vector<InlayHint> inlayHints(const Document &doc, const Range &range) {
  std::vector<InlayHint> out;
  for (const Occurrence &o : collectOccurrences(doc)) {
    if (o.kind != Occurrence::Kind::Variable || o.declaration)
      continue;
    Position end = doc.toLsp(o.refEnd);
    if (!range.contains(end))
      continue;
    const std::string *v = doc.envAt(doc.site(static_cast<size_t>(o.syntaxIndex))).lookup(o.name);
    if (!v)
      continue;
    std::string label = *v;
    if (label.size() > 40)
      label = label.substr(0, 37) + "...";
    out.push_back({end, "= " + label, 1, true});
  }
  return out;
}

} // namespace dfc::lsp
