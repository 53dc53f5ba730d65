// Line index over a source buffer: built once, answers offset -> position by binary search.
#include "frontend/Source.h"

#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dfc {

static size_t countNewlines(const char *p, const char *end) {
  size_t n = 0;
#if defined(__SSE2__)
  // Per byte lane, minus the compare's -1s, summed every 255 steps (no popcount instruction in
  // the baseline x86-64 target: __builtin_popcount was a libgcc call a step).
  const __m128i newline = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  for (size_t blocks = static_cast<size_t>(end - p) / 16; blocks;) {
    size_t round = std::min<size_t>(blocks, 255);
    blocks -= round;
    __m128i lanes = zero;
    for (; round; --round, p += 16)
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)), newline));
    __m128i sums = _mm_sad_epu8(lanes, zero); // two 64-bit sums
    n += static_cast<size_t>(_mm_cvtsi128_si32(sums)) + static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
#endif
  for (; p < end; ++p)
    n += *p == '\n';
  return n;
}

SourceText::SourceText(std::string text) : Text(std::move(text)) {
  // Longer than any inline buffer, so moves hand the heap buffer over.
  constexpr size_t Heap = 2 * sizeof(std::string);
  if (Text.capacity() < Heap)
    Text.reserve(Heap);
  const char *begin = Text.data(), *end = begin + Text.size();
  // Two passes, counting the lines first: an estimate (size / 32) was short for 0.8 of BuildKit's
  // ~450-byte corpus files, and each regrowth was a malloc, a copy and a free (the count is a
  // popcount a 16-byte step).
  LineStarts.resize(countNewlines(begin, end) + 1);
  uint32_t *out = LineStarts.data();
  *out++ = 0;
  const char *p = begin;
#if defined(__SSE2__)
  // 16 bytes a step: Dockerfile lines are short, so a memchr call per line cost more than the scan.
  const __m128i newline = _mm_set1_epi8('\n');
  for (; end - p >= 16; p += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline)));
    for (; mask; mask &= mask - 1)
      *out++ = static_cast<uint32_t>(p - begin) + __builtin_ctz(mask) + 1;
  }
#endif
  for (; p < end; ++p)
    if (*p == '\n')
      *out++ = static_cast<uint32_t>(p - begin) + 1;
}

llvm::StringRef SourceText::line(uint32_t line) const {
  if (line >= LineStarts.size())
    return {};
  uint32_t begin = LineStarts[line];
  uint32_t end = line + 1 < LineStarts.size() ? LineStarts[line + 1] : Text.size();
  llvm::StringRef s(Text.data() + begin, end - begin);
  return s.rtrim("\r\n");
}

Position SourceText::position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, Text.size());
  auto it = std::upper_bound(LineStarts.begin(), LineStarts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - LineStarts.begin()) - 1;
  return {line, offset - LineStarts[line], offset};
}

} // namespace dfc
