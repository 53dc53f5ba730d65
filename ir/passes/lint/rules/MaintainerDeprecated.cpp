// BuildKit's MaintainerDeprecated / hadolint DL4000: MAINTAINER is deprecated; use a LABEL.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<MaintainerInstruction>(ctx.program(), [&](const Stage &, size_t, const MaintainerInstruction &m) {
    llvm::StringRef value = m.maintainer.raw;
    std::string escaped;
    for (char c : value) {
      if (c == '"' || c == '\\')
        escaped.push_back('\\');
      escaped.push_back(c);
    }
    ctx.report(m.keywordRange, "Maintainer instruction is deprecated in favor of using label",
               Context::replace("Replace with LABEL org.opencontainers.image.authors", m.range,
                                "LABEL org.opencontainers.image.authors=\"" + escaped + "\""));
  });
}

const Rule &MaintainerDeprecated() {
  static const Rule r{{"MaintainerDeprecated", {"DL4000"}, Severity::Warning, RuleSource::BuildKit,
                       "The MAINTAINER instruction is deprecated, use a label instead"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
