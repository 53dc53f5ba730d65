// Times `dfc lint`'s work on files already in memory: parse, build the program, run every rule
// (ShellCheck excluded: it is a separate process). Start-up and file reading are not timed.
#include "frontend/SyntaxTree.h"
#include "ir/Build.h"
#include "ir/passes/lint/Lint.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile size_t Sink = 0; // keeps the timed work observable

double timeOneRound(const std::vector<std::string> &texts) {
  auto start = std::chrono::steady_clock::now();
  for (const std::string &text : texts) {
    dfc::SyntaxTree tree = dfc::parseDockerfile(text);
    dfc::Program program = dfc::buildProgram(tree);
    dfc::lint::Result r = dfc::lint::lint(tree, program);
    Sink = Sink + r.findings.size() + program.diagnostics.size();
  }
  std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count();
}

} // namespace

int main(int argc, char **argv) {
  int iterations = 100;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--iterations" && i + 1 < argc)
      iterations = std::max(1, std::atoi(argv[++i]));
    else
      files.push_back(arg);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: dfc_lint_bench [--iterations N] FILE...\n");
    return 2;
  }
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (const std::string &path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "dfc_lint_bench: cannot read %s\n", path.c_str());
      return 2;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    texts.push_back(buf.str());
    bytes += texts.back().size();
  }
  for (int i = 0; i < 3; ++i)
    timeOneRound(texts);
  std::vector<double> rounds;
  for (int i = 0; i < iterations; ++i)
    rounds.push_back(timeOneRound(texts));
  std::sort(rounds.begin(), rounds.end());
  double median = rounds[rounds.size() / 2];
  std::printf("files=%zu bytes=%zu iterations=%d us_per_file=%.1f mb_per_s=%.2f\n", texts.size(), bytes,
              iterations, median / texts.size(), bytes / median);
  return 0;
}
