// Compiles a Bundle's seccomp section into a BPF program with libseccomp, in the parent, so the
// container child only has to load it. Internal to dfc_runtime.
#pragma once

#include "backend/runtime/Bundle.h"

#include <llvm/Support/Error.h>

#include <linux/filter.h>
#include <string>
#include <vector>

namespace dfc::runtime::detail {

// Same profile, same program: results are cached per process, so repeated runs pay nothing, and with a
// cacheDir also between processes (compiling Docker's profile is ~1 ms of CPU, a tenth of a `dfc run`).
llvm::Expected<std::vector<struct sock_filter>> compileSeccomp(const Seccomp &profile,
                                                               const std::string &cacheDir = "");

} // namespace dfc::runtime::detail
