// hadolint DL3007: `:latest` moves under you; pin a release tag (judged after global ARG expansion).
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/ImageTag.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    if (!std::get_if<ImageRef>(&s.base))
      continue;
    ImageName n = splitImage(s.baseName.expanded());
    if (n.tag == "latest" && n.digest.empty())
      ctx.report(s.baseName.range, "Using latest is prone to errors if the image will ever update. Pin the "
                                   "version explicitly to a release tag");
  }
}

const Rule &ImageLatestTag() {
  static const Rule r{
      {"ImageLatestTag", {"DL3007"}, Severity::Warning, RuleSource::Hadolint, "Do not use the latest tag"},
      check};
  return r;
}

} // namespace dfc::lint::rules
