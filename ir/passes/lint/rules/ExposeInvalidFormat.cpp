// BuildKit's ExposeInvalidFormat: EXPOSE declares container ports only; an IP address or a
// `host:container` mapping is silently dropped (publishing is the runtime's job).
#include "ir/passes/lint/Context.h"

namespace dfc::lint::rules {

static void check(Context &ctx) {
  forEach<ExposeInstruction>(ctx.program(), [&](const Stage &, size_t, const ExposeInstruction &e) {
    for (const PortSpec &p : e.ports)
      if (!p.hostIP.empty() || !p.hostPort.empty())
        ctx.report(p.range, "EXPOSE instruction should not define an IP address or host-port mapping, found '" +
                                p.text + "'");
  });
}

const Rule &ExposeInvalidFormat() {
  static const Rule r{{"ExposeInvalidFormat", {}, Severity::Warning, RuleSource::BuildKit,
                       "IP address and host-port mapping should not be used in EXPOSE instruction"},
                      check};
  return r;
}

} // namespace dfc::lint::rules
