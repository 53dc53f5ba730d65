// DFC_TRACE=1: phase times on stderr ("dfc-trace  12.345 ms  +0.812 ms  parse"), so a slow build
// or plan can be profiled without a profiler. Off, a mark costs one branch on a cached flag.
#pragma once

#include <llvm/ADT/StringRef.h>

namespace dfc::store::trace {

// True when DFC_TRACE is set to anything but "" or "0" (read once per process).
bool enabled();
// Prints the time since the first mark of the process and since the previous one, then `what`.
void mark(llvm::StringRef what);

} // namespace dfc::store::trace
