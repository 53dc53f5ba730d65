// `dfc build -t NAME[:TAG] [-f FILE] [--build-arg K=V] [--target S] [--no-cache] [--progress M] [--secret
// id=ID,src=FILE] [--output type=oci|docker|local,dest=PATH] [--runtime dfc|runc] [--insecure] [--no-pull]
// CONTEXT`: builds an image into the local store (backend/build), pulling missing bases, then optionally
// exports it.
#include "backend/build/Builder.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <llvm/Support/FileSystem.h>

#include <CLI/CLI.hpp>
#include <llvm/ADT/SmallVector.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <unistd.h>

namespace dfc::cli {
namespace {

struct BuildFlags {
  std::vector<std::string> tags, buildArgs, secrets;
  std::string file, target, progress = "auto", context, output, runtime = "dfc";
  bool noCache = false, quiet = false, insecure = false, noPull = false;
  std::string optLevel = "1"; // -O0, -O1, -O2 (ir/passes/opt)
};

// Where --output sends the built image: an archive (oci, docker) or its merged rootfs (local).
struct OutputSpec {
  std::string type, dest;
};

llvm::Expected<OutputSpec> parseOutput(llvm::StringRef text) {
  OutputSpec o;
  llvm::SmallVector<llvm::StringRef, 4> parts;
  text.split(parts, ',');
  for (llvm::StringRef p : parts) {
    auto [k, v] = p.split('=');
    if (k == "type")
      o.type = v.str();
    else if (k == "dest")
      o.dest = v.str();
    else
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "unknown --output key '" + k.str() + "'");
  }
  if (o.type != "oci" && o.type != "docker" && o.type != "local")
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--output type must be oci, docker or local, got '" + o.type + "'");
  if (o.dest.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "--output needs dest=PATH");
  return o;
}

llvm::Error exportImage(store::ImageStore &store, const store::ResolvedImage &image, const OutputSpec &out,
                        const std::vector<std::string> &tags) {
  if (out.type == "local") {
    if (std::error_code ec = llvm::sys::fs::create_directories(out.dest))
      return llvm::createStringError(ec, "creating " + out.dest + ": " + ec.message());
    // Layers in order onto one directory: whiteouts delete, as a container's rootfs would show them.
    store::ApplyOptions opts;
    opts.whiteouts = store::WhiteoutMode::Flat;
    for (const store::Digest &layer : image.spec.diffIds)
      if (auto applied = store::applyLayerFile(store.blobs().blobPath(layer), out.dest, opts); !applied)
        return applied.takeError();
    return llvm::Error::success();
  }
  store::SaveOptions opts;
  opts.format = out.type == "oci" ? store::ArchiveFormat::OciArchive : store::ArchiveFormat::DockerArchive;
  // A tag names the image inside the archive (RepoTags, ref.name); an untagged build saves by id.
  std::vector<std::string> names = tags.empty() ? std::vector<std::string>{image.id.str()} : tags;
  return store.save(names, out.dest, opts);
}

int runBuild(const BuildFlags &f) {
  build::BuildRequest req;
  req.contextDir = f.context;
  req.dockerfile = f.file;
  req.target = f.target;
  req.tags = f.tags;
  req.noCache = f.noCache;
  req.insecure = f.insecure;
  req.pullMissing = !f.noPull;
  if (auto level = opt::parseLevel(f.optLevel)) {
    req.optLevel = *level;
  } else {
    std::cerr << "dfc build: -O takes 0, 1 or 2, got '" << f.optLevel << "'\n";
    return ExitUsage;
  }
  req.runtime = f.runtime;
  req.progress = f.quiet ? build::ProgressMode::Quiet
                 : f.progress == "plain" ? build::ProgressMode::Plain
                 : f.progress == "tty"   ? build::ProgressMode::Tty
                                         : build::ProgressMode::Auto;
  for (const std::string &a : f.buildArgs) {
    size_t eq = a.find('=');
    if (eq == std::string::npos) {
      if (const char *v = std::getenv(a.c_str()))
        req.buildArgs[a] = v;
    } else {
      req.buildArgs[a.substr(0, eq)] = a.substr(eq + 1);
    }
  }
  for (const std::string &s : f.secrets) {
    std::string id, src;
    llvm::SmallVector<llvm::StringRef, 4> parts;
    llvm::StringRef(s).split(parts, ',');
    for (llvm::StringRef p : parts) {
      auto [k, v] = p.split('=');
      if (k == "id")
        id = v.str();
      else if (k == "src" || k == "source")
        src = v.str();
    }
    if (id.empty() || src.empty()) {
      std::cerr << "dfc: --secret needs id=ID,src=FILE, got '" << s << "'\n";
      return ExitUsage;
    }
    req.secrets[id] = src;
  }
  std::optional<OutputSpec> output;
  if (!f.output.empty()) {
    auto parsed = parseOutput(f.output);
    if (!parsed) {
      std::cerr << "dfc: " << llvm::toString(parsed.takeError()) << "\n";
      return ExitUsage;
    }
    output = *parsed;
  }
  auto store = openStore();
  if (!store)
    return ExitFailure;
  auto res = build::buildImage(*store, req);
  if (!res) {
    int code = ExitFailure;
    llvm::handleAllErrors(
        res.takeError(),
        [&](const build::BuildError &e) {
          std::cerr << "ERROR: failed to solve: " << e.message << "\n";
          if (!e.location.empty())
            std::cerr << e.location << ": " << e.message << "\n";
        },
        [&](const llvm::ErrorInfoBase &e) { std::cerr << "ERROR: " << e.message() << "\n"; });
    return code;
  }
  if (output)
    if (llvm::Error e = exportImage(*store, res->image, *output, f.tags))
      return reportError(std::move(e), "--output " + output->type + " to " + output->dest);
  if (f.quiet)
    std::cout << res->image.id.str() << "\n";
  return ExitSuccess;
}

} // namespace

void registerBuildCommand(CLI::App &app, int &status) {
  auto f = std::make_shared<BuildFlags>();
  CLI::App *cmd = app.add_subcommand("build", "Build an image from a Dockerfile into the local store");
  cmd->add_option("-t,--tag", f->tags, "Name and optionally a tag (NAME[:TAG])")->allow_extra_args(false);
  cmd->add_option("-f,--file", f->file, "Dockerfile (default CONTEXT/Dockerfile)");
  cmd->add_option("--build-arg", f->buildArgs, "Set a build argument (KEY=VALUE)")->allow_extra_args(false);
  cmd->add_option("--target", f->target, "Stage to build");
  cmd->add_flag("--no-cache", f->noCache, "Do not use the build cache");
  cmd->add_option("--progress", f->progress, "Progress output: auto, plain or tty")
      ->check(CLI::IsMember({"auto", "plain", "tty"}));
  cmd->add_option("--secret", f->secrets, "Secret for RUN --mount=type=secret (id=ID,src=FILE)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", f->output, "Also export the image: type=oci|docker|local,dest=PATH")
      ->allow_extra_args(false);
  cmd->add_option("--runtime", f->runtime, "What runs RUN steps: dfc (built in) or runc")
      ->check(CLI::IsMember({"dfc", "runc"}));
  cmd->add_option("-O", f->optLevel, "Optimisation level: 0 (none), 1 (default), 2 (merge RUN/COPY steps)");
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image id");
  cmd->add_flag("--insecure", f->insecure, "Allow http and unverified https for registries FROM images are pulled from");
  cmd->add_flag("--no-pull", f->noPull, "Fail instead of pulling FROM images missing from the local store");
  cmd->add_option("context", f->context, "Build context directory")->required();
  cmd->callback([f, &status] { status = runBuild(*f); });
}

} // namespace dfc::cli
