// The rule pages docs/rules/*.md, compiled into the binary at build time (cmake/EmbedDocs.cmake
// generates the table), so `dfc lint --explain ID` works without the source tree.
#pragma once

#include <string>

namespace dfc::cli {

// The page of rule `id` (exact dfc id, e.g. "StageNameCasing"); nullptr when there is none.
const char *ruleDoc(const std::string &id);

} // namespace dfc::cli
