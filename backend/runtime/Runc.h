// Runs a Bundle with Debian's runc (`runc run --bundle DIR ID`), the reference our own runtime is
// tested against and what `--runtime runc` selects.
#pragma once

#include "backend/runtime/Runtime.h"

#include <string>

namespace dfc::runtime {

// The runc binary on PATH (or /usr/sbin/runc), empty when it is not installed.
std::string findRunc();

// Writes the bundle (with options.network applied and root.path made absolute) to a fresh directory,
// runs it with runc in the foreground and removes the directory. Honours stdio targets, pidFile and
// containerId; `init` and `prestart` are ours only. runc's own failures show in stderr and exitCode.
RunResult runWithRunc(const Bundle &bundle, const RunOptions &options = {});

} // namespace dfc::runtime
