// `dfc build`: runs a Dockerfile's reachable stages (independent ones in parallel) against the
// image store, one cached layer per RUN/COPY/ADD/WORKDIR, and commits and tags the final image.
#pragma once

#include "backend/store/ImageStore.h"
#include "ir/passes/opt/Optimise.h"

#include <llvm/Support/Error.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dfc::build {

enum class ProgressMode { Auto, Plain, Tty, Quiet };

struct BuildRequest {
  std::string contextDir;
  std::string dockerfile; // path; empty = <context>/Dockerfile
  std::map<std::string, std::string> buildArgs;
  std::string target;
  std::vector<std::string> tags;
  bool noCache = false;
  ProgressMode progress = ProgressMode::Auto;
  FILE *out = stderr;
  // mtime clamp and image creation time; unset: SOURCE_DATE_EPOCH, else the base image's time.
  std::optional<int64_t> sourceDateEpoch;
  std::map<std::string, std::string> secrets; // id -> host file (RUN --mount=type=secret)
  bool printLint = true;
  // What runs RUN steps' bundles: "" or "dfc" (dfc's own runtime), "runc" (Debian's runc).
  std::string runtime;
  opt::Level optLevel = opt::Level::O1; // -O0 / -O1 / -O2 (ir/passes/opt)
  // A FROM image the store lacks is pulled from its registry first (docker build's behaviour);
  // false: it is an error. `insecure` allows http and unverified TLS for those registries
  // (loopback and the configured insecure-registries are allowed anyway).
  bool pullMissing = true;
  bool insecure = false;
};

struct StepReport {
  std::string stage;
  std::string instruction; // as shown in the progress, "RUN echo hi"
  std::string key;
  bool cached = false;
  bool layer = false;
  double seconds = 0;
  std::string reason;             // why it missed (the same text `dfc plan` predicts)
  size_t stageIndex = 0;
  std::vector<size_t> members;    // instruction indexes executed together (one unless merged)
};

// One step of the optimised plan with its cache prediction: what `dfc plan` prints and what
// `dfc build` then does. Computed before anything runs, without writing to the store.
struct StepPrediction {
  size_t stage = 0, index = 0; // instruction index in the stage
  unsigned line = 0;           // 1-based source line
  std::string text;            // the instruction as written
  std::string key;             // the step's own cache key (kept for merged steps too)
  std::string unitKey;         // the key looked up: key, or opt::mergedKey for a merged unit
  size_t unit = 0;             // index into the stage's opt::StagePlan::units
  opt::UnitKind unitKind = opt::UnitKind::Step;
  bool layer = false;          // the unit makes a layer (config-only steps need no lookup)
  bool hit = false;
  std::string reason;          // why the unit misses: "file changed: a.txt", "build arg changed: V", ...
};

struct BuildPlan {
  opt::Plan plan;
  std::vector<std::string> stageNames; // displayName() of every stage of the program
  std::vector<std::string> stageBases; // what each stage is FROM
  std::vector<std::vector<size_t>> stageDeps; // stages each stage needs
  std::vector<StepPrediction> steps;   // stages in plan order, steps in unit order
  std::string dockerfile;              // the Dockerfile's name as shown in locations
};

struct BuildResult {
  store::ResolvedImage image;
  std::vector<StepReport> steps; // layer-making steps of every built stage, in order
  std::vector<size_t> builtStages;
  uint64_t filesHashed = 0; // context files whose content was read (stat-cache misses)
  double seconds = 0;
};

// A build failure that points at the Dockerfile ("Dockerfile:5:1") and, for RUN, carries the
// process's exit code and output.
class BuildError : public llvm::ErrorInfo<BuildError> {
public:
  static char ID;
  BuildError(std::string location, std::string message, int exitCode = 0)
      : location(std::move(location)), message(std::move(message)), exitCode(exitCode) {}
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

  std::string location; // "Dockerfile:5:1"
  std::string message;
  int exitCode; // the RUN's exit code; 0 for other failures
};

llvm::Expected<BuildResult> buildImage(store::ImageStore &store, const BuildRequest &request);

// The plan and predictions `buildImage` would act on, computed with the same code, reading the
// store only (open it with ImageStore::openReadOnly). request.out/progress are ignored.
llvm::Expected<BuildPlan> planBuild(store::ImageStore &store, const BuildRequest &request);

} // namespace dfc::build
