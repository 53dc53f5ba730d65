// Folding ranges: stages, multi-line instructions, heredoc bodies and runs of comment lines.
#include "lsp-server/Features.h"

namespace dfc::lsp {

std::vector<FoldingRange> foldingRanges(const Document &doc) {
  std::vector<FoldingRange> out;
  const SyntaxTree &tree = doc.tree();
  auto add = [&](uint32_t start, uint32_t end, const char *kind) {
    if (end > start)
      out.push_back({static_cast<int>(start), static_cast<int>(end), kind});
  };
  // Stages: FROM line to the last line of the stage's last instruction.
  int open = -1;
  uint32_t last = 0;
  for (size_t i = 0; i < tree.instructions.size(); ++i) {
    const Instruction &ins = tree.instructions[i];
    if (doc.site(i).isFrom()) {
      if (open >= 0)
        add(static_cast<uint32_t>(open), last, "region");
      open = static_cast<int>(ins.range.begin.line);
    }
    last = ins.range.end.line;
    // An instruction that ends at column 0 ends on the previous line (heredoc terminators).
    uint32_t end = ins.range.end.column == 0 && ins.range.end.line > ins.range.begin.line
                       ? ins.range.end.line - 1
                       : ins.range.end.line;
    last = end;
    add(ins.range.begin.line, end, "");
    for (const Heredoc &h : ins.heredocs)
      add(h.marker.begin.line, h.terminator.begin.line, "");
  }
  if (open >= 0)
    add(static_cast<uint32_t>(open), last, "region");
  // Comment blocks: consecutive comment lines.
  for (size_t i = 0; i < tree.comments.size();) {
    size_t j = i;
    while (j + 1 < tree.comments.size() && tree.comments[j + 1].begin.line == tree.comments[j].begin.line + 1)
      ++j;
    add(tree.comments[i].begin.line, tree.comments[j].begin.line, "comment");
    i = j + 1;
  }
  return out;
}

} // namespace dfc::lsp
