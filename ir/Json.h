// JSON rendering of the IR for `dfc parse --json`: stages, typed instructions, operands
// (raw and expanded) and ranges as 1-based line/column.
#pragma once

#include "ir/Program.h"

#include <string>

namespace dfc {

// indent < 0 gives one line; otherwise pretty-printed with that many spaces.
std::string programToJson(const Program &program, int indent = 2);

} // namespace dfc
