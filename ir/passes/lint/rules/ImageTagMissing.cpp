// hadolint DL3006: an untagged FROM means `latest`, whatever that is on the day of the build.
// Judged on the value after global ARG expansion; stage names and scratch are not images.
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/rules/ImageTag.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  for (const Stage &s : ctx.program().stages) {
    const ImageRef *img = std::get_if<ImageRef>(&s.base);
    if (!img)
      continue;
    llvm::StringRef ref(s.baseName.expanded());
    if (ref.empty() || ref.contains('$') || ref == "scratch")
      continue;
    ImageName n = splitImage(ref);
    if (!n.tag.empty() || !n.digest.empty())
      continue;
    // An earlier stage named in another case (the IR may leave `FROM BASE` as an image).
    if (auto st = ctx.program().findStage(ref); st && *st < s.index)
      continue;
    ctx.report(s.baseName.range, "Always tag the version of an image explicitly");
  }
}

const Rule &ImageTagMissing() {
  static const Rule r{{"ImageTagMissing",
                       {"DL3006"},
                       Severity::Warning,
                       RuleSource::Hadolint,
                       "Always tag the version of an image explicitly"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
