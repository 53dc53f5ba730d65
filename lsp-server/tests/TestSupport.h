// Shared by the lsp-server tests: annotated sources (`^` marks a cursor, removed from the text)
// opened as analysed Documents.
#pragma once

#include "lsp-server/Document.h"
#include "lsp-server/Features.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace dfc::lsp::test {

struct Annotated {
  std::string text;
  std::vector<uint32_t> points; // byte offsets of the `^` marks, in order
};

inline Annotated annotate(const std::string &src) {
  Annotated a;
  for (char c : src) {
    if (c == '^')
      a.points.push_back(static_cast<uint32_t>(a.text.size()));
    else
      a.text.push_back(c);
  }
  return a;
}

inline Document open(const std::string &text, const dfc::lint::Config &config = {}) {
  Document d("file:///test/Dockerfile", 1, text);
  d.analyze(config);
  return d;
}

// The text an LSP range covers in `doc`.
inline std::string textOf(const Document &doc, const Range &r) {
  uint32_t b = *doc.offsetOf(r.start), e = *doc.offsetOf(r.end);
  return doc.text().substr(b, e - b);
}

// Applies non-overlapping edits (any order) to the document's text.
inline std::string applyEdits(const Document &doc, std::vector<TextEdit> edits) {
  std::sort(edits.begin(), edits.end(),
            [](const TextEdit &a, const TextEdit &b) { return b.range.start < a.range.start; });
  std::string out = doc.text();
  for (const TextEdit &e : edits) {
    uint32_t b = *doc.offsetOf(e.range.start), en = *doc.offsetOf(e.range.end);
    out.replace(b, en - b, e.newText);
  }
  return out;
}

} // namespace dfc::lsp::test
