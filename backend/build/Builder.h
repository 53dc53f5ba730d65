// `dfc build`: runs a Dockerfile's reachable stages (independent ones in parallel) against the
// image store, one cached layer per RUN/COPY/ADD/WORKDIR, and commits and tags the final image.
#pragma once

#include "backend/store/ImageStore.h"

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
};

struct StepReport {
  std::string stage;
  std::string instruction; // as shown in the progress, "RUN echo hi"
  std::string key;
  bool cached = false;
  bool layer = false;
  double seconds = 0;
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

} // namespace dfc::build
