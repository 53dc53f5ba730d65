// Instruction-level parsing of one syntax node (BuildKit's instructions.ParseInstruction):
// arity, flags, forms and operand shapes; no expansion. Used by buildProgram and its tests.
#pragma once

#include "ir/Program.h"

#include <optional>
#include <string>
#include <vector>

namespace dfc {

// FROM is not an instruction in the IR: it starts a Stage.
struct FromSpec {
  Operand baseName;
  std::optional<Operand> platform;
  std::string name; // lowercased
  Range nameRange;
  std::string docComment;
};

struct ParsedInstruction {
  std::optional<AnyInstruction> instruction; // any known kind but FROM, even when invalid
  std::optional<FromSpec> from;              // FROM, when valid
  bool ok = true;                            // false: one diagnostic was added
  bool placed = false; // the instruction was appended to `into` (then `instruction` is empty)
};

// Appends at most one "syntax" diagnostic (BuildKit stops an instruction at its first error).
// With `into`, the instruction is built in place at its end instead of in the result (an
// instruction is a large variant: building it where it lives saves a move and a destruction, a
// tenth of buildProgram's instructions on BuildKit's corpus).
ParsedInstruction parseInstruction(const SyntaxTree &tree, const Instruction &node, uint32_t syntaxIndex,
                                   std::vector<Diagnostic> &diags, std::vector<AnyInstruction> *into = nullptr);

} // namespace dfc
