// BuildKit's ExposeProtoCasing: EXPOSE protocols are lowercase (`80/tcp`); BuildKit lowercases
// them, so `80/TCP` only works by accident.
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<ExposeInstruction>(ctx.program(), [&](const Stage &, size_t, const ExposeInstruction &e) {
    for (const PortSpec &p : e.ports) {
      if (!p.protocolUppercase)
        continue;
      llvm::StringRef written = ctx.source().text().slice(p.range.begin.offset, p.range.end.offset);
      std::optional<Fix> fix;
      if (written == p.text) {
        auto [port, proto] = written.rsplit('/');
        fix = Context::replace("Lowercase the protocol", p.range, port.str() + "/" + proto.lower());
      }
      ctx.report(p.range, "Defined protocol '" + p.text + "' in EXPOSE instruction should be lowercase",
                 std::move(fix));
    }
  });
}

const Rule &ExposeProtoCasing() {
  static const Rule r{{"ExposeProtoCasing", {}, Severity::Warning, RuleSource::BuildKit,
                       "Protocol in EXPOSE instruction should be lowercase"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
