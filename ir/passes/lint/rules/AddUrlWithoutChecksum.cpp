// dfc's AddUrlWithoutChecksum: `ADD https://...` downloads whatever the server returns today;
// `--checksum=sha256:...` makes the build reproducible and fails loudly when the file changes.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<AddInstruction>(ctx.program(), [&](const Stage &, size_t, const AddInstruction &a) {
    if (a.checksum)
      return;
    for (const Operand &src : a.sources) {
      llvm::StringRef s(src.expanded());
      if (!(s.startswith_insensitive("http://") || s.startswith_insensitive("https://")))
        continue;
      // Git sources are pinned by commit, not by a file checksum.
      if (s.split('#').first.endswith(".git"))
        continue;
      ctx.report(src.range, "ADD of '" + s.str() +
                                "' without --checksum: the download is neither verified nor reproducible");
    }
  });
}

const Rule &AddUrlWithoutChecksum() {
  static const Rule r{{"AddUrlWithoutChecksum", {}, Severity::Warning, RuleSource::Dfc,
                       "ADD of a remote URL should pin its content with --checksum"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
