// Times `dfc lint`'s whole job per file, in one process: read the file, parse, build the program,
// run every rule (ShellCheck excluded: it is a separate process), render the findings as JSON and
// write them out (to /dev/null). bench/peer-lint.js does the same job with dockerfile-utils.
// It is the command's own code where the command does more than call the libraries: its heap
// settings and its file reading (cli/LintIO.h), so the bench measures `dfc lint`, not a variant;
// The command exits after its report without freeing trees, programs and findings; a round here
// frees them (the next round needs the memory) and that is timed too, as the peer's garbage
// collection is timed in its loop: a round's figure is the steady cost of a file, frees included.
// Each round is timed in CPU time (what the work costs, robust on a shared machine) and wall time.
// --profile instead splits one round into phases and rules; --read-only times the reading alone.
#include "cli/LintIO.h"
#include "frontend/SyntaxTree.h"
#include "ir/Build.h"
#include "ir/passes/lint/Context.h"
#include "ir/passes/lint/Format.h"
#include "ir/passes/lint/Lint.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

volatile size_t Sink = 0; // keeps the timed work observable

bool readFile(const std::string &path, std::string &out) { return !dfc::cli::readInput(path, out); }

double cpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct Round {
  double cpu = 0, wall = 0; // microseconds
};

// One round: every file read, linted and reported, as `dfc lint -f json FILE...` does.
Round timeOneRound(const std::vector<std::string> &files, int devNull) {
  auto wall0 = std::chrono::steady_clock::now();
  double cpu0 = cpuMicros();
  std::vector<std::unique_ptr<dfc::SyntaxTree>> trees;
  std::vector<std::unique_ptr<dfc::Program>> programs;
  std::vector<dfc::lint::FileReport> reports;
  for (const std::string &path : files) {
    std::string text;
    if (!readFile(path, text))
      std::abort();
    trees.push_back(std::make_unique<dfc::SyntaxTree>(dfc::parseDockerfile(std::move(text))));
    programs.push_back(std::make_unique<dfc::Program>(dfc::buildProgram(*trees.back())));
    dfc::lint::Result r = dfc::lint::lint(*trees.back(), *programs.back());
    reports.push_back(dfc::lint::FileReport{path, &trees.back()->source, std::move(r.findings)});
  }
  // As `dfc lint` writes its report: in pieces, as it is rendered.
  dfc::lint::formatReport(dfc::lint::OutputFormat::Json, reports, {}, [devNull](llvm::StringRef piece) {
    if (::write(devNull, piece.data(), piece.size()) != static_cast<ssize_t>(piece.size()))
      std::abort();
    Sink = Sink + piece.size();
  });
  // `dfc lint` ends here without freeing them (keepUntilExit); the bench frees them inside the
  // timing, so that the memory a round leaves behind is paid for by the round.
  reports.clear();
  programs.clear();
  trees.clear();
  Round r;
  r.cpu = cpuMicros() - cpu0;
  r.wall = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

// --read-only: a round that only reads every file as `dfc lint` does (cli/LintIO.h) and lets the
// texts go: what every round above pays before any linting, and what the peer pays too
// (readFileSync). It bounds the ratio any linter reading its files could reach on this machine.
Round timeReadRound(const std::vector<std::string> &files) {
  auto wall0 = std::chrono::steady_clock::now();
  double cpu0 = cpuMicros();
  std::vector<std::string> texts(files.size());
  for (size_t i = 0; i < files.size(); ++i)
    if (!readFile(files[i], texts[i]))
      std::abort();
  for (const std::string &t : texts)
    Sink = Sink + t.size();
  texts.clear();
  Round r;
  r.cpu = cpuMicros() - cpu0;
  r.wall = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

// --profile: where the time of one file goes, median microseconds per phase and per rule (each
// rule alone on a fresh Context, so a rule that parses RUN bodies first pays for the parse).
void profile(const std::vector<std::string> &texts, int iterations) {
  using Clock = std::chrono::steady_clock;
  const auto &rules = dfc::lint::allRules();
  std::vector<std::vector<double>> ruleTimes(rules.size());
  std::vector<double> parse, build, lintAll, destroy, scripts, json;
  for (int i = 0; i < iterations; ++i) {
    double p = 0, b = 0, l = 0, d = 0, s = 0, j = 0;
    std::vector<double> per(rules.size(), 0);
    for (const std::string &text : texts) {
      auto t0 = Clock::now();
      auto tree = std::make_unique<dfc::SyntaxTree>(dfc::parseDockerfile(text));
      p += since(t0);
      t0 = Clock::now();
      auto program = std::make_unique<dfc::Program>(dfc::buildProgram(*tree));
      b += since(t0);
      t0 = Clock::now();
      dfc::lint::Result result = dfc::lint::lint(*tree, *program);
      l += since(t0);
      {
        std::vector<dfc::lint::FileReport> reports;
        reports.push_back(dfc::lint::FileReport{"Dockerfile", &tree->source, std::move(result.findings)});
        t0 = Clock::now();
        dfc::lint::formatReport(dfc::lint::OutputFormat::Json, reports, {},
                                [](llvm::StringRef piece) { Sink = Sink + piece.size(); });
        j += since(t0);
      }
      {
        dfc::lint::Config config;
        dfc::lint::Context ctx(*tree, *program, config);
        t0 = Clock::now();
        dfc::lint::forEach<dfc::RunInstruction>(*program, [&](const dfc::Stage &, size_t, const dfc::RunInstruction &run) {
          Sink = Sink + (ctx.script(run) != nullptr);
        });
        s += since(t0);
      }
      for (size_t r = 0; r < rules.size(); ++r) {
        dfc::lint::Config config;
        dfc::lint::Context ctx(*tree, *program, config);
        ctx.setRule(rules[r]);
        t0 = Clock::now();
        rules[r]->check(ctx);
        per[r] += since(t0);
        Sink = Sink + ctx.takeFindings().size();
      }
      t0 = Clock::now();
      program.reset();
      tree.reset();
      d += since(t0);
    }
    parse.push_back(p), build.push_back(b), lintAll.push_back(l), destroy.push_back(d), scripts.push_back(s);
    json.push_back(j);
    for (size_t r = 0; r < rules.size(); ++r)
      ruleTimes[r].push_back(per[r]);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("%-34s %10s\n", "phase (all files, one round)", "us");
  std::printf("%-34s %10.1f\n", "parseDockerfile", median(parse));
  std::printf("%-34s %10.1f\n", "buildProgram", median(build));
  std::printf("%-34s %10.1f\n", "lint (all rules)", median(lintAll));
  std::printf("%-34s %10.1f\n", "  of which: shell parse of RUNs", median(scripts));
  std::printf("%-34s %10.1f\n", "JSON report (to a sink)", median(json));
  std::printf("%-34s %10.1f\n", "destroy tree + program", median(destroy));
  std::vector<std::pair<double, const char *>> sorted;
  for (size_t r = 0; r < rules.size(); ++r)
    sorted.push_back({median(ruleTimes[r]), rules[r]->info.id});
  std::sort(sorted.rbegin(), sorted.rend());
  std::printf("\nrules alone (fresh context each, so RUN-reading rules include the shell parse)\n");
  for (auto &[us, id] : sorted)
    if (us >= 1.0)
      std::printf("%-34s %10.1f\n", id, us);
}

} // namespace

int main(int argc, char **argv) {
  int iterations = 100;
  bool profiling = false, readOnly = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--iterations" && i + 1 < argc)
      iterations = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--profile")
      profiling = true;
    else if (arg == "--read-only")
      readOnly = true;
    else
      files.push_back(arg);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: dfc_lint_bench [--iterations N] [--profile | --read-only] FILE...\n");
    return 2;
  }
  dfc::cli::tuneHeapForLint(); // as `dfc lint` does before its first file
  std::vector<std::string> texts(files.size());
  size_t bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!readFile(files[i], texts[i])) {
      std::fprintf(stderr, "dfc_lint_bench: cannot read %s\n", files[i].c_str());
      return 2;
    }
    bytes += texts[i].size();
  }
  if (profiling) {
    profile(texts, iterations);
    return 0;
  }
  int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  auto round = [&] { return readOnly ? timeReadRound(files) : timeOneRound(files, devNull); };
  for (int i = 0; i < 3; ++i)
    round();
  std::vector<double> cpu, wall;
  for (int i = 0; i < iterations; ++i) {
    Round r = round();
    cpu.push_back(r.cpu);
    wall.push_back(r.wall);
  }
  auto median = [](std::vector<double> &v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  double c = median(cpu), w = median(wall);
  std::printf("files=%zu bytes=%zu iterations=%d us_per_file=%.1f mb_per_s=%.2f wall_us_per_file=%.1f "
              "wall_mb_per_s=%.2f\n",
              texts.size(), bytes, iterations, c / texts.size(), bytes / c, w / texts.size(), bytes / w);
  return 0;
}
