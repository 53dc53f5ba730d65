// hadolint DL3020: ADD also fetches URLs and unpacks archives; for plain files COPY says what
// happens and nothing more. Fix: rename the instruction.
#include "ir/passes/lint/Context.h"

#include <llvm/ADT/STLExtras.h>

namespace dfc::lint::rules {

static bool needsAdd(llvm::StringRef src) {
  if (src.contains("://") || src.startswith("git@") || src.contains('$'))
    return true;
  // Every archive extension below ends with one of these after its last dot: others need no test.
  size_t dot = src.rfind('.');
  if (dot == llvm::StringRef::npos)
    return false;
  llvm::StringRef last = src.substr(dot + 1);
  static const llvm::StringRef ends[] = {"tar", "gz", "tgz", "bz2", "tbz", "tbz2", "tb2", "xz",
                                         "txz", "lz", "tlz", "lzma", "zst", "tzst", "z", "tz"};
  if (llvm::none_of(ends, [&](llvm::StringRef e) { return last.equals_insensitive(e); }))
    return false;
  for (llvm::StringRef ext : {".tar",    ".tar.gz", ".tgz",    ".tar.bz2", ".tbz",      ".tbz2",    ".tb2",
                              ".tar.xz", ".txz",    ".tar.lz", ".tlz",     ".tar.lzma", ".tar.zst", ".tzst",
                              ".tar.Z",  ".tZ",     ".gz",     ".bz2",     ".xz",       ".zst",     ".lzma"})
    if (src.endswith_insensitive(ext))
      return true;
  return false;
}

static void check(Context &ctx) {
  forEach<AddInstruction>(ctx.program(), [&](const Stage &, size_t, const AddInstruction &add) {
    // These flags exist only on ADD.
    if (add.checksum || add.keepGitDir || add.unpack || add.sources.empty())
      return;
    for (const Operand &src : add.sources)
      if (needsAdd(src.expanded()) || needsAdd(src.raw))
        return;
    llvm::StringRef kw = add.syntax ? llvm::StringRef(add.syntax->keyword) : "ADD";
    // `copy` when the keyword is written all in lower case (no lower-cased copy to compare with).
    const char *copy = llvm::none_of(kw, [](char c) { return c >= 'A' && c <= 'Z'; }) ? "copy" : "COPY";
    ctx.report(add.keywordRange, "Use COPY instead of ADD for files and folders",
               Context::replace("Replace ADD with COPY", add.keywordRange, Message::fromStatic(copy)));
  });
}

const Rule &CopyInsteadOfAdd() {
  static const Rule r{{"CopyInsteadOfAdd",
                       {"DL3020"},
                       Severity::Error,
                       RuleSource::Hadolint,
                       "Use COPY instead of ADD for files and folders"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
