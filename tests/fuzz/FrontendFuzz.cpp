// libFuzzer target for the frontend and the IR: any bytes must parse, dump and build without a
// crash, a hang or a range that points outside the text (ranges feed the LSP and the printers).
#include "frontend/SyntaxTree.h"
#include "ir/Build.h"
#include "ir/Json.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// A range is sound when it lies inside the text and its line/column agree with its offset.
void checkRange(const dfc::SourceText &src, const dfc::Range &r, const char *what) {
  auto fail = [&](const char *why) {
    std::fprintf(stderr, "bad %s range [%u,%u): %s\n", what, r.begin.offset, r.end.offset, why);
    std::abort();
  };
  if (r.begin.offset > r.end.offset)
    fail("begin after end");
  if (r.end.offset > src.text().size())
    fail("past the end of the text");
  for (const dfc::Position *p : {&r.begin, &r.end}) {
    dfc::Position expect = src.position(p->offset);
    if (expect.line != p->line || expect.column != p->column)
      fail("line/column disagree with the offset");
  }
}

void checkInstruction(const dfc::SourceText &src, const dfc::Instruction &ins) {
  checkRange(src, ins.range, "instruction");
  checkRange(src, ins.keywordRange, "keyword");
  for (const dfc::Flag &f : ins.flags)
    checkRange(src, f.range, "flag");
  for (const dfc::Word &w : ins.args)
    checkRange(src, w.range, "argument");
  for (const dfc::Heredoc &h : ins.heredocs) {
    checkRange(src, h.marker, "heredoc marker");
    checkRange(src, h.body, "heredoc body");
    checkRange(src, h.terminator, "heredoc terminator");
  }
  if (ins.trigger)
    checkInstruction(src, *ins.trigger);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dfc::SyntaxTree tree = dfc::parseDockerfile(std::string(reinterpret_cast<const char *>(data), size));
  const dfc::SourceText &src = tree.source;
  for (const dfc::Directive &d : tree.directives)
    checkRange(src, d.range, "directive");
  for (const dfc::Instruction &ins : tree.instructions)
    checkInstruction(src, ins);
  for (const dfc::Diagnostic &d : tree.diagnostics)
    checkRange(src, d.range, "diagnostic");

  std::string dump = dfc::dumpBuildkit(tree);
  dfc::Program program = dfc::buildProgram(tree);
  for (const dfc::Diagnostic &d : program.diagnostics)
    checkRange(src, d.range, "IR diagnostic");
  std::string json = dfc::programToJson(program, -1);
  return dump.size() + json.size() == 0 ? -1 : 0; // keep both results alive
}
