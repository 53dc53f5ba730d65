// Small pieces of the syntax tree: keyword table, offset maps, flag accessors.
#include "frontend/SyntaxTree.h"

#include <llvm/ADT/StringSwitch.h>

#include <algorithm>
#include <array>
#include <string>

namespace dfc {

InstructionKind instructionKind(llvm::StringRef k) {
  return llvm::StringSwitch<InstructionKind>(k)
      .Case("add", InstructionKind::Add)
      .Case("arg", InstructionKind::Arg)
      .Case("cmd", InstructionKind::Cmd)
      .Case("copy", InstructionKind::Copy)
      .Case("entrypoint", InstructionKind::Entrypoint)
      .Case("env", InstructionKind::Env)
      .Case("expose", InstructionKind::Expose)
      .Case("from", InstructionKind::From)
      .Case("healthcheck", InstructionKind::Healthcheck)
      .Case("label", InstructionKind::Label)
      .Case("maintainer", InstructionKind::Maintainer)
      .Case("onbuild", InstructionKind::Onbuild)
      .Case("run", InstructionKind::Run)
      .Case("shell", InstructionKind::Shell)
      .Case("stopsignal", InstructionKind::StopSignal)
      .Case("user", InstructionKind::User)
      .Case("volume", InstructionKind::Volume)
      .Case("workdir", InstructionKind::Workdir)
      .Default(InstructionKind::Unknown);
}

llvm::StringRef instructionName(InstructionKind kind) {
  switch (kind) {
  case InstructionKind::Unknown: return "";
  case InstructionKind::Add: return "ADD";
  case InstructionKind::Arg: return "ARG";
  case InstructionKind::Cmd: return "CMD";
  case InstructionKind::Copy: return "COPY";
  case InstructionKind::Entrypoint: return "ENTRYPOINT";
  case InstructionKind::Env: return "ENV";
  case InstructionKind::Expose: return "EXPOSE";
  case InstructionKind::From: return "FROM";
  case InstructionKind::Healthcheck: return "HEALTHCHECK";
  case InstructionKind::Label: return "LABEL";
  case InstructionKind::Maintainer: return "MAINTAINER";
  case InstructionKind::Onbuild: return "ONBUILD";
  case InstructionKind::Run: return "RUN";
  case InstructionKind::Shell: return "SHELL";
  case InstructionKind::StopSignal: return "STOPSIGNAL";
  case InstructionKind::User: return "USER";
  case InstructionKind::Volume: return "VOLUME";
  case InstructionKind::Workdir: return "WORKDIR";
  }
  return "";
}

llvm::StringRef instructionLowerName(InstructionKind kind) {
  // instructionName's spellings lowered, once.
  constexpr size_t Kinds = static_cast<size_t>(InstructionKind::Workdir) + 1;
  static const std::array<std::string, Kinds> lower = [] {
    std::array<std::string, Kinds> out;
    for (size_t k = 0; k < Kinds; ++k)
      out[k] = instructionName(static_cast<InstructionKind>(k)).lower();
    return out;
  }();
  size_t k = static_cast<size_t>(kind);
  return k < Kinds ? llvm::StringRef(lower[k]) : llvm::StringRef();
}

void OffsetMap::append(llvm::SmallVectorImpl<Segment> &segs, uint32_t logical, Position source,
                       uint32_t length) {
  if (!segs.empty()) {
    Segment &last = segs.back();
    if (last.logical + last.length == logical && last.source + last.length == source.offset &&
        last.line == source.line) {
      last.length += length;
      return;
    }
  }
  segs.push_back({logical, source.offset, length, source.line, source.column});
}

Position OffsetMap::toPosition(uint32_t logical) const {
  if (Segments.empty())
    return {};
  auto it = Segments.begin();
  if (Segments.size() > 1) {
    // The last segment starting at or before `logical`.
    it = std::upper_bound(Segments.begin(), Segments.end(), logical,
                          [](uint32_t v, const Segment &s) { return v < s.logical; });
    if (it != Segments.begin())
      --it;
  }
  uint32_t delta = logical < it->logical ? 0 : std::min(logical - it->logical, it->length);
  return {it->line, it->column + delta, it->source + delta};
}

llvm::StringRef Flag::name() const {
  llvm::StringRef t(text);
  t.consume_front("--");
  return t.split('=').first;
}

bool Flag::hasValue() const { return llvm::StringRef(text).contains('='); }

llvm::StringRef Flag::value() const { return llvm::StringRef(text).split('=').second; }

bool SyntaxTree::hasErrors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic &d) { return d.severity == Severity::Error; });
}

const Directive *SyntaxTree::directive(llvm::StringRef key) const {
  for (const Directive &d : directives)
    if (d.key == key)
      return &d;
  return nullptr;
}

} // namespace dfc
