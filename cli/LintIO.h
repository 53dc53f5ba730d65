// What `dfc lint` does as a process around the linter: its heap settings and how it reads a file.
// A library of its own so bench/LintBench.cpp does exactly the same and measures the command.
#pragma once

#include <optional>
#include <string>

namespace dfc::cli {

// Heap settings for a short process that builds a few MB of small objects and frees them together
// (lint: trees, programs, findings): no returning memory to the kernel (trim) and no mmap per big
// vector, so freed memory is reused without page faults, and the heap grows in steps of 64 MiB
// (address space only) marked MADV_HUGEPAGE, the work starting on a 2 MiB boundary, so touching
// it costs one fault per 2 MiB where the kernel has huge pages (THP "madvise" or "always";
// elsewhere it is a no-op): `dfc lint` of the big file took 1,108 page faults, now ~190, and of it
// 20 times over 11,400, now ~210. Call once, before the work.
void tuneHeapForLint();

// Reads `path` ("-" = stdin) into `text` (replacing it) by reads until one returns 0, with no
// fstat for an input under 16 KiB (a Dockerfile: open, two reads, close); a larger regular file
// reads the rest of its size in one call. The reason (strerror) on failure, e.g. a directory's
// "Is a directory".
std::optional<std::string> readInput(const std::string &path, std::string &text);

} // namespace dfc::cli
