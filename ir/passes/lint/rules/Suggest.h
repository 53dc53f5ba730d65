// "Did you mean" support shared by rules that name a variable or stage: edit distance and the
// closest candidate, as BuildKit's suggest package picks it.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <algorithm>
#include <string>
#include <vector>

namespace dfc::lint::rules {

inline unsigned editDistance(llvm::StringRef a, llvm::StringRef b) {
  std::vector<unsigned> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = static_cast<unsigned>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<unsigned>(i);
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The candidate closest to `word`, if close enough to be a typo (distance at most a third of
// the word, at least 1; a case-only difference always counts); "" when none.
inline std::string closest(llvm::StringRef word, const std::vector<std::string> &candidates) {
  std::string best;
  unsigned bestDistance = std::max<unsigned>(1, static_cast<unsigned>(word.size() / 3)) + 1;
  for (const std::string &c : candidates) {
    if (c == word)
      continue;
    if (llvm::StringRef(c).equals_insensitive(word))
      return c;
    unsigned d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

} // namespace dfc::lint::rules
