// The executor of `dfc build`: plans every reachable stage's cache keys up front (ir/passes/cachekey),
// then runs stages in dependency order, independent ones on their own threads, step by step.
#include "backend/build/Builder.h"

#include "backend/build/Context.h"
#include "backend/build/Download.h"
#include "backend/build/Filesystem.h"
#include "backend/build/Progress.h"
#include "backend/registry/Pull.h"
#include "backend/runtime/Runc.h"
#include "backend/runtime/Runtime.h"
#include "backend/runtime/Outbound.h"
#include "backend/store/Files.h"
#include "backend/store/Trace.h"
#include "ir/Build.h"
#include "ir/passes/cachekey/CacheKey.h"
#include "ir/passes/lint/Lint.h"

#include <nlohmann/json.hpp>

#include <llvm/ADT/ScopeExit.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <mutex>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace dfc::build {

char BuildError::ID;
void BuildError::log(llvm::raw_ostream &os) const {
  if (!location.empty())
    os << location << ": ";
  os << message;
}
std::error_code BuildError::convertToErrorCode() const { return llvm::inconvertibleErrorCode(); }

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// --progress: auto is the tty view on a terminal, else the plain log; plan shows nothing.
Progress::Style progressStyle(const BuildRequest &req, bool planOnly) {
  if (planOnly || req.progress == ProgressMode::Quiet || !req.out)
    return Progress::Style::Quiet;
  if (req.progress == ProgressMode::Tty ||
      (req.progress == ProgressMode::Auto && ::isatty(::fileno(req.out))))
    return Progress::Style::Tty;
  return Progress::Style::Plain;
}

struct Failure {
  std::string location, message;
  int exitCode = 0;
};

struct StagePlan {
  bool reachable = false;
  std::vector<size_t> deps;
  std::string baseIdentity;
  store::ImageSpec baseSpec; // image or scratch bases; stage bases take their spec at run time
  std::optional<size_t> baseStage;
  cachekey::StepState initial;
  cachekey::StageKeys keys;
  std::string baseKey; // what the stage's first step chains from
  int64_t epoch = 0;
};

struct StageResult {
  store::ImageSpec spec;
  int64_t epoch = 0;
};

std::string archOf(llvm::StringRef platform, std::string *variant) {
  llvm::SmallVector<llvm::StringRef, 3> p;
  platform.split(p, '/');
  if (p.size() >= 3 && variant)
    *variant = p[2].str();
  return p.size() >= 2 ? p[1].str() : store::hostArchitecture();
}

void setEnvPair(cachekey::EnvList &env, const std::string &k, const std::string &v) {
  for (auto &e : env)
    if (e.first == k) {
      e.second = v;
      return;
    }
  env.emplace_back(k, v);
}

const char *const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

class Build {
public:
  Build(store::ImageStore &store, const BuildRequest &req, bool planOnly = false)
      : Store(store), Req(req), P(req.out, progressStyle(req, planOnly)), PlanOnly(planOnly) {}
  llvm::Expected<BuildResult> run();
  // Parses, reads the context and computes keys, the optimised plan and the predictions.
  llvm::Error prepare();
  BuildPlan takePlan();

private:
  llvm::Error plan();
  llvm::Error pullMissingBases();
  llvm::Error programErrors() const;
  void runStage(size_t s);
  void predict();
  std::string explain(size_t s, size_t i);
  std::string locator(size_t s, size_t i) const;
  std::string unitKey(size_t s, const opt::Unit &u) const;
  void recordInputs(size_t s, const opt::Unit &u);
  bool runUnit(size_t s, size_t unitIndex, StageResult &r, std::vector<std::string> &lowers, int &stepNo, int total);
  llvm::Error execute(size_t s, const opt::Unit &u, const StageResult &r, const std::vector<std::string> &lowers,
                      const std::string &upper, const std::string &merged, int progressId);
  llvm::Error runRun(size_t s, const RunInstruction &run, const cachekey::StepState &st, const std::string &merged,
                     const std::string &stepDir, const std::string &upper, int progressId,
                     const std::string *script = nullptr);
  llvm::Error runCopy(size_t s, const CopyCommon &c, bool isAdd, const cachekey::StepState &st,
                      const std::string &merged, const std::string &writeRoot, int64_t epoch);
  void applyConfig(const AnyInstruction &inst, const cachekey::StepState &before, StageResult &r, bool &cmdSet);
  std::string location(size_t s, size_t i) const;
  std::string instructionText(size_t s, size_t i) const;
  bool isTrigger(size_t s, size_t i) const { return s < Triggers.size() && i < Triggers[s].size(); }
  std::string digestSources(const Stage &stage, const AnyInstruction &inst);
  llvm::Expected<std::vector<std::string>> lowersOf(const store::ImageSpec &spec);
  // A read-only view of another stage's or an image's filesystem (COPY --from, bind mounts).
  llvm::Expected<std::string> viewOf(size_t s, const std::optional<size_t> &stage, const std::string &image,
                                     std::vector<OverlayMount> &mounts, const std::string &dir);
  void fail(Failure f) {
    std::lock_guard<std::mutex> l(FailMutex);
    if (!Failed) {
      Failed = true;
      FirstFailure = std::move(f);
    }
  }
  std::string tmpDir() { return Store.root() + "/snapshots/" + store::tempName(".tmp-"); }
  // A step's upper, work and mount point: on the build's scratch tmpfs when there is one.
  std::string stepTmpDir() { return Scratch.empty() ? tmpDir() : Scratch + "/" + store::tempName("step-"); }
  llvm::Expected<RemoteFile> download(const std::string &url, const std::string &checksum);

  store::ImageStore &Store;
  const BuildRequest &Req;
  Progress P;
  std::string DockerfileName = "Dockerfile";
  SyntaxTree Tree;
  Program Prog;
  std::unique_ptr<StatCache> Stats;
  std::unique_ptr<SourceTree> Context;
  std::vector<std::string> IgnoreLines;
  std::vector<StagePlan> Plans;
  std::vector<StageResult> Results;
  std::vector<std::promise<bool>> Done;
  std::vector<std::shared_future<bool>> DoneF;
  std::map<std::pair<size_t, size_t>, std::string> PlanErrors;
  std::mutex PlanMutex;
  std::mutex FailMutex;
  std::atomic<bool> Failed{false};
  Failure FirstFailure;
  std::mutex ReportMutex;
  std::vector<StepReport> Reports;
  std::string EmptyDir;
  // A tmpfs (in the build's private mount namespace) for step uppers: creating files on a busy
  // disk filesystem costs milliseconds an inode, in RAM microseconds. A layer made there is kept
  // as a blob only; its snapshot is unpacked on disk when a later build needs it as a lower.
  // Empty: steps work on disk and their uppers become snapshots (DFC_BUILD_TMPFS=0).
  std::string Scratch;
  std::optional<int64_t> ExplicitEpoch;
  std::optional<Program> AsWritten; // the program without ONBUILD triggers, when it has some (lint)
  std::vector<std::vector<OnbuildTrigger>> Triggers; // per stage: the first instructions it runs
  bool PlanOnly = false;
  // Each FROM image read once a build (its triggers, then its config), after any pull.
  std::map<std::string, store::ResolvedImage> Bases;
  llvm::Expected<const store::ResolvedImage &> resolveBase(const std::string &name) {
    auto it = Bases.find(name);
    if (it != Bases.end())
      return it->second;
    auto r = Store.resolve(name);
    if (!r)
      return r.takeError();
    return Bases.emplace(name, std::move(*r)).first->second;
  }
  opt::Plan Opt;
  std::vector<StepPrediction> Predictions;
  std::map<std::pair<size_t, size_t>, size_t> PredictionOf; // (stage, instruction) -> Predictions index
  std::string LocatorBase;
  // What steps made but the store does not list yet: one sync and one transaction at the end of
  // the build (flushPending) instead of three syncs a step.
  struct PendingWrites {
    std::vector<store::StagedBlob> blobs;
    std::vector<store::SnapshotRow> snapshots;
    std::map<std::string, std::string> snapshotOf; // diffId -> the kept upperdir, under a temp name
    std::vector<store::CacheEntry> cache;
  } Pending;
  std::mutex PendingMutex;
  llvm::Error flushPending();
  std::mutex DownloadMutex;
  std::map<std::string, RemoteFile> Downloads; // ADD <url> fetched while keying, used when it runs
};

// An ONBUILD trigger's own range is in its text: its errors point at the FROM that ran it.
std::string Build::location(size_t s, size_t i) const {
  const Stage &st = Prog.stages[s];
  const Range &r = isTrigger(s, i) ? st.range : st.instructions[i].base().range;
  return DockerfileName + ":" + std::to_string(r.begin.line + 1) + ":" + std::to_string(r.begin.column + 1);
}

// The instruction as the progress and errors show it; a trigger is marked as one.
std::string Build::instructionText(size_t s, size_t i) const {
  const AnyInstruction &inst = Prog.stages[s].instructions[i];
  std::string line =
      inst.base().syntax ? inst.base().syntax->line.str() : std::string(instructionName(inst.kind()));
  return isTrigger(s, i) ? "ONBUILD " + line : line;
}

std::string Build::digestSources(const Stage &stage, const AnyInstruction &inst) {
  std::string out;
  auto note = [&](const std::string &msg) {
    std::lock_guard<std::mutex> l(PlanMutex);
    size_t idx = size_t(&inst - stage.instructions.data());
    PlanErrors.emplace(std::make_pair(stage.index, idx), msg);
  };
  auto fromContext = [&](const std::vector<std::string> &sources, const std::vector<std::string> &excludes) {
    PatternList ex = PatternList::fromPatterns(excludes);
    for (const std::string &src : sources) {
      auto paths = Context->expand(src);
      if (!paths) {
        note(llvm::toString(paths.takeError()));
        return;
      }
      for (const std::string &p : *paths) {
        auto d = Context->selectionDigest(p, ex);
        if (!d) {
          note(llvm::toString(d.takeError()));
          return;
        }
        out += p + "=" + *d + "\n";
      }
    }
  };
  auto fromOther = [&](const std::optional<size_t> &stageIdx, const std::string &name) {
    if (stageIdx) {
      out += "stage:" + Plans[*stageIdx].keys.lastKey + "\n";
      return;
    }
    auto img = Store.resolve(name);
    if (!img) {
      note("image " + name + " not found locally: " + llvm::toString(img.takeError()));
      return;
    }
    out += "image:" + img->id.str() + "\n";
  };
  if (const auto *c = inst.as<CopyInstruction>()) {
    std::vector<std::string> srcs;
    for (const Operand &o : c->sources)
      srcs.push_back(o.expanded().str());
    if (c->from && !c->from->raw.empty())
      fromOther(c->fromStage, c->from->raw.str());
    else
      fromContext(srcs, c->exclude);
  } else if (const auto *a = inst.as<AddInstruction>()) {
    std::string checksum = a->checksum ? a->checksum->expanded().str() : "";
    if (!checksum.empty() && (a->sources.size() != 1 || !isRemoteUrl(a->sources[0].expanded().str()))) {
      note(a->sources.size() != 1 ? "checksum can't be specified for multiple sources"
                                  : "checksum can't be specified for non-HTTP(S) sources");
      return out;
    }
    std::vector<std::string> srcs;
    for (const Operand &o : a->sources) {
      llvm::StringRef s(o.expanded());
      if (isRemoteUrl(o.expanded().str())) {
        // With --checksum the key is the checksum: a warm build needs no request. Without it the
        // key is the content, revalidated with a conditional request (ETag / Last-Modified), as
        // BuildKit's http source does; dfc plan stays off the network and keys the last download.
        std::string digest = checksum;
        if (digest.empty() && PlanOnly) {
          auto c = cachedDownload(Store.root(), o.expanded().str());
          digest = c ? c->digest : "(not downloaded yet)";
        } else if (digest.empty()) {
          auto f = download(o.expanded().str(), "");
          if (!f) {
            note(llvm::toString(f.takeError()));
            return out;
          }
          digest = f->digest;
        }
        out += o.expanded().str() + "=" + digest + "\n";
        continue;
      }
      if (s.startswith("git@") || s.endswith(".git")) {
        note("ADD from a git repository is not supported by dfc: " + o.expanded().str());
        return out;
      }
      srcs.push_back(o.expanded().str());
    }
    fromContext(srcs, a->exclude);
  } else if (const auto *r = inst.as<RunInstruction>()) {
    for (const Mount &m : r->mounts) {
      if (m.type != MountType::Bind)
        continue;
      if (!m.from.empty())
        fromOther(m.fromStage, m.from);
      else
        fromContext({m.source.empty() ? std::string(".") : m.source}, {});
    }
  }
  return out;
}

llvm::Error Build::plan() {
  Plans.assign(Prog.stages.size(), {});
  Results.assign(Prog.stages.size(), {});
  // Which stages run is the optimiser's choice (-O0 runs all of them); the shell each RUN sees is
  // only known once the base configs are read, so the units are computed again after the keys.
  Opt = opt::optimise(Prog, Req.optLevel);
  for (const opt::StagePlan &sp : Opt.stages)
    Plans[sp.stage].reachable = true;
  for (size_t s = 0; s < Prog.stages.size(); ++s) {
    StagePlan &pl = Plans[s];
    if (!pl.reachable)
      continue;
    const Stage &st = Prog.stages[s];
    for (const StageDependency &d : st.dependencies)
      pl.deps.push_back(d.stage);
    cachekey::StepState init;
    init.platform = st.effectivePlatform;
    if (const auto *ref = std::get_if<StageRef>(&st.base)) {
      pl.baseStage = ref->index;
      pl.deps.push_back(ref->index);
      pl.baseIdentity = "stage:" + Plans[ref->index].keys.finalKey;
      init = Plans[ref->index].keys.finalState;
      init.platform = st.effectivePlatform;
      pl.epoch = Plans[ref->index].epoch;
    } else {
      store::ImageSpec spec;
      if (const auto *img = std::get_if<ImageRef>(&st.base)) {
        auto resolved = resolveBase(img->expanded);
        if (!resolved)
          return llvm::make_error<BuildError>(
              DockerfileName + ":" + std::to_string(st.range.begin.line + 1) + ":" + std::to_string(st.range.begin.column + 1),
              "image " + img->expanded + " not found in the local store" +
                  (PlanOnly ? " (dfc build pulls it; dfc plan does not)" : "") + ": " + llvm::toString(resolved.takeError()));
        spec = resolved->spec;
        pl.baseIdentity = "image:" + resolved->id.str();
        pl.epoch = store::parseTime(spec.created);
      } else {
        std::string variant;
        spec.architecture = archOf(st.effectivePlatform, &variant);
        spec.variant = variant;
        pl.baseIdentity = "scratch";
        pl.epoch = 0;
      }
      const store::ImageConfig &c = spec.config;
      for (const std::string &kv : c.Env) {
        auto [k, v] = llvm::StringRef(kv).split('=');
        setEnvPair(init.env, k.str(), v.str());
      }
      bool hasPath = false;
      for (const auto &e : init.env)
        hasPath |= e.first == "PATH";
      if (!hasPath)
        init.env.emplace_back("PATH", DefaultPath);
      init.workdir = c.WorkingDir.empty() ? "/" : c.WorkingDir;
      init.user = c.User;
      if (!c.Shell.empty())
        init.shell = c.Shell;
      pl.baseSpec = std::move(spec);
    }
    if (ExplicitEpoch)
      pl.epoch = *ExplicitEpoch;
    pl.initial = init;
    std::string salt = ExplicitEpoch ? "epoch=" + std::to_string(*ExplicitEpoch) : "epoch=base";
    pl.baseKey = cachekey::baseKey(pl.baseIdentity, st.effectivePlatform, salt);
    pl.keys = cachekey::stageKeys(pl.baseKey, st, init,
                                  [this](const Stage &sg, const AnyInstruction &in) { return digestSources(sg, in); });
  }
  if (!PlanErrors.empty()) {
    auto [where, msg] = *PlanErrors.begin();
    auto [s, i] = where;
    return llvm::make_error<BuildError>(location(s, i), isTrigger(s, i) ? instructionText(s, i) + ": " + msg : msg);
  }
  Opt = opt::optimise(Prog, Req.optLevel, [this](size_t s, size_t i) { return Plans[s].keys.before[i].shell; });
  return llvm::Error::success();
}

std::string Build::locator(size_t s, size_t i) const {
  return LocatorBase + "/" + std::to_string(s) + "/" + std::to_string(i);
}

std::string Build::unitKey(size_t s, const opt::Unit &u) const {
  if (u.steps.size() == 1)
    return Plans[s].keys.steps[u.steps[0]].key;
  std::vector<std::string> keys;
  for (size_t i : u.steps)
    keys.push_back(Plans[s].keys.steps[i].key);
  return opt::mergedKey(keys);
}

namespace {

// StepKey::input is a sequence of `name=<len>:<value>\n` fields; "env" and "shell" are followed
// by as many fields as their value says.
struct KeyInputs {
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> env;
  std::string shell;
};

KeyInputs parseKeyInput(llvm::StringRef in) {
  std::vector<std::pair<std::string, std::string>> flat;
  while (!in.empty()) {
    size_t eq = in.find('=');
    size_t colon = in.find(':', eq);
    if (eq == llvm::StringRef::npos || colon == llvm::StringRef::npos)
      break;
    size_t len = 0;
    if (in.slice(eq + 1, colon).getAsInteger(10, len) || colon + 1 + len > in.size())
      break;
    flat.emplace_back(in.take_front(eq).str(), in.substr(colon + 1, len).str());
    in = in.drop_front(colon + 1 + len);
    in.consume_front("\n");
  }
  KeyInputs out;
  for (size_t k = 0; k < flat.size(); ++k) {
    const auto &[name, value] = flat[k];
    size_t n = 0;
    if ((name == "env" || name == "shell") && !llvm::StringRef(value).getAsInteger(10, n)) {
      for (size_t j = 0; j < n && k + 1 < flat.size(); ++j, ++k) {
        if (name == "env")
          out.env[flat[k + 1].first] = flat[k + 1].second;
        else
          out.shell += flat[k + 1].second + " ";
      }
      continue;
    }
    out.fields[name] = value;
  }
  return out;
}

std::vector<std::string> changedSources(llvm::StringRef before, llvm::StringRef now) {
  llvm::SmallVector<llvm::StringRef, 8> a, b;
  before.split(a, '\n', -1, false);
  now.split(b, '\n', -1, false);
  std::vector<std::string> out;
  std::map<std::string, std::string> old;
  for (llvm::StringRef l : a)
    old[l.rsplit('=').first.str()] = l.str();
  for (llvm::StringRef l : b) {
    std::string name = l.rsplit('=').first.str();
    auto it = old.find(name);
    if (it == old.end() || it->second != l)
      out.push_back(name);
    if (it != old.end())
      old.erase(it);
  }
  for (const auto &[name, line] : old)
    out.push_back(name);
  return out;
}

} // namespace

// Why step i of stage s has a key the store has not seen: its inputs against the ones recorded
// the last time this step was built. "" when the step's own key is unchanged.
std::string Build::explain(size_t s, size_t i) {
  const cachekey::StepKey &now = Plans[s].keys.steps[i];
  auto rec = Store.db().stepInput(locator(s, i));
  if (!rec) {
    llvm::consumeError(rec.takeError());
    return "no record of an earlier build of this step";
  }
  if (!*rec)
    return "no earlier build of this step";
  if ((*rec)->key == now.key)
    return "";
  nlohmann::json summary = nlohmann::json::parse((*rec)->summary, nullptr, false);
  if (!summary.is_object())
    return "step inputs changed";
  KeyInputs a = parseKeyInput(summary.value("input", std::string())), b = parseKeyInput(now.input);
  const AnyInstruction &inst = Prog.stages[s].instructions[i];
  std::string line = inst.base().syntax ? inst.base().syntax->line.str() : "";
  std::vector<std::string> why;
  if (a.fields["instruction"] != b.fields["instruction"])
    why.push_back(summary.value("line", std::string()) != line ? "Dockerfile line changed"
                                                                : "build arg changed (in the instruction's expansion)");
  if (a.fields["sources"] != b.fields["sources"]) {
    std::string files;
    for (const std::string &f : changedSources(a.fields["sources"], b.fields["sources"]))
      files += (files.empty() ? "" : ", ") + f;
    why.push_back("file changed: " + (files.empty() ? std::string("(sources)") : files));
  }
  if (a.env != b.env) {
    std::set<std::string> names;
    for (const auto &[k, v] : a.env)
      if (!b.env.count(k) || b.env[k] != v)
        names.insert(k);
    for (const auto &[k, v] : b.env)
      if (!a.env.count(k))
        names.insert(k);
    const cachekey::StepState &st = Plans[s].keys.before[i];
    for (const std::string &n : names) {
      bool isArg = false, isEnv = false;
      for (const auto &e : st.env)
        isEnv |= e.first == n;
      for (const auto &e : st.args)
        isArg |= e.first == n;
      why.push_back((isArg && !isEnv ? "build arg changed: " : "env changed: ") + n);
    }
  }
  for (const char *f : {"workdir", "user", "platform"})
    if (a.fields[f] != b.fields[f])
      why.push_back(std::string(f) + " changed");
  if (a.shell != b.shell)
    why.push_back("shell changed");
  if (why.empty() && a.fields["parent"] != b.fields["parent"]) {
    if (b.fields["parent"] == Plans[s].baseKey)
      why.push_back(Plans[s].baseStage ? "base stage changed" : "base image changed");
    else
      why.push_back("parent step changed");
  }
  if (why.empty())
    return "step inputs changed";
  std::string out;
  for (const std::string &w : why)
    out += (out.empty() ? "" : "; ") + w;
  return out;
}

// Every step's prediction, in plan order. A layer unit hits when its key is in the cache index
// with its layer blob present: the exact test runUnit makes.
void Build::predict() {
  Predictions.clear();
  PredictionOf.clear();
  for (const opt::StagePlan &sp : Opt.stages) {
    size_t s = sp.stage;
    const Stage &st = Prog.stages[s];
    for (size_t u = 0; u < sp.units.size(); ++u) {
      const opt::Unit &unit = sp.units[u];
      bool hit = false;
      std::string reason;
      std::string key = unitKey(s, unit);
      if (unit.makesLayer()) {
        if (Req.noCache) {
          reason = "--no-cache";
        } else {
          auto e = Store.db().peekCache(key);
          if (!e)
            llvm::consumeError(e.takeError());
          else if (*e && ((*e)->layer.empty() || Store.blobs().has((*e)->layer)))
            hit = true;
        }
        if (!hit && reason.empty()) {
          for (size_t i : unit.steps) {
            reason = explain(s, i);
            if (!reason.empty()) {
              if (unit.steps.size() > 1)
                reason = "line " + std::to_string(st.instructions[i].base().range.begin.line + 1) + ": " + reason;
              break;
            }
          }
          if (reason.empty())
            reason = unit.steps.size() > 1 ? "merged layer not built before" : "cache entry missing";
        }
      }
      for (size_t i : unit.steps) {
        const AnyInstruction &inst = st.instructions[i];
        StepPrediction p;
        p.stage = s;
        p.index = i;
        p.line = (isTrigger(s, i) ? st.range : inst.base().range).begin.line + 1;
        p.text = instructionText(s, i);
        p.key = Plans[s].keys.steps[i].key;
        p.unitKey = key;
        p.unit = u;
        p.unitKind = unit.kind;
        p.layer = unit.makesLayer();
        p.hit = hit;
        p.reason = reason;
        PredictionOf[{s, i}] = Predictions.size();
        Predictions.push_back(std::move(p));
      }
    }
  }
}

void Build::recordInputs(size_t s, const opt::Unit &u) {
  for (size_t i : u.steps) {
    const AnyInstruction &inst = Prog.stages[s].instructions[i];
    nlohmann::json summary = {{"line", inst.base().syntax ? inst.base().syntax->line : std::string()},
                              {"input", Plans[s].keys.steps[i].input}};
    store::StepInputRow row{locator(s, i), Plans[s].keys.steps[i].key, summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 0};
    // Best effort: a miss reason is advice; it must never fail a build.
    llvm::consumeError(Store.db().putStepInput(row));
  }
}

llvm::Expected<std::vector<std::string>> Build::lowersOf(const store::ImageSpec &spec) {
  std::vector<std::string> dirs;
  for (auto it = spec.diffIds.rbegin(); it != spec.diffIds.rend(); ++it) {
    {
      std::lock_guard<std::mutex> l(PendingMutex);
      auto p = Pending.snapshotOf.find(it->str());
      if (p != Pending.snapshotOf.end()) {
        dirs.push_back(p->second);
        continue;
      }
    }
    auto d = Store.snapshotDir(*it);
    if (!d)
      return d.takeError();
    dirs.push_back(*d);
  }
  return dirs;
}

llvm::Expected<std::string> Build::viewOf(size_t s, const std::optional<size_t> &stage, const std::string &image,
                                          std::vector<OverlayMount> &mounts, const std::string &dir) {
  store::ImageSpec spec;
  if (stage) {
    spec = Results[*stage].spec;
  } else {
    auto img = Store.resolve(image);
    if (!img)
      return img.takeError();
    spec = img->spec;
  }
  auto lowers = lowersOf(spec);
  if (!lowers)
    return lowers.takeError();
  auto m = OverlayMount::mount(*lowers, "", "", dir, EmptyDir);
  if (!m)
    return m.takeError();
  std::string path = m->path();
  mounts.push_back(std::move(*m));
  return path;
}

void Build::applyConfig(const AnyInstruction &inst, const cachekey::StepState &before, StageResult &r, bool &cmdSet) {
  store::ImageConfig &c = r.spec.config;
  auto command = [&](const CommandLine &cl) {
    std::vector<std::string> out;
    if (cl.shellForm) {
      out = before.shell;
      std::string text;
      for (const Operand &o : cl.args)
        text += (text.empty() ? "" : " ") + o.expanded().str();
      out.push_back(text);
    } else {
      for (const Operand &o : cl.args)
        out.push_back(o.expanded().str());
    }
    return out;
  };
  std::visit(
      [&](const auto &in) {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, EnvInstruction>) {
          for (const KeyValue &kv : in.pairs)
            c.setEnv(kv.key.expanded().str(), kv.value.expanded().str());
        } else if constexpr (std::is_same_v<T, LabelInstruction>) {
          for (const KeyValue &kv : in.pairs)
            c.Labels[kv.key.expanded().str()] = kv.value.expanded().str();
        } else if constexpr (std::is_same_v<T, ExposeInstruction>) {
          for (const PortSpec &p : in.ports)
            for (uint32_t n = p.start; n <= p.end && n != 0; ++n)
              c.ExposedPorts[std::to_string(n) + "/" + p.protocol] = {};
        } else if constexpr (std::is_same_v<T, VolumeInstruction>) {
          for (const Operand &o : in.paths)
            c.Volumes[o.expanded().str()] = {};
        } else if constexpr (std::is_same_v<T, WorkdirInstruction>) {
          c.WorkingDir = cachekey::resolveWorkdir(before.workdir, in.path.expanded());
        } else if constexpr (std::is_same_v<T, UserInstruction>) {
          c.User = in.user.expanded().str();
        } else if constexpr (std::is_same_v<T, StopSignalInstruction>) {
          c.StopSignal = in.signal.expanded().str();
        } else if constexpr (std::is_same_v<T, MaintainerInstruction>) {
          r.spec.author = in.maintainer.expanded().str();
        } else if constexpr (std::is_same_v<T, CmdInstruction>) {
          c.Cmd = command(in.cmd);
          cmdSet = true;
        } else if constexpr (std::is_same_v<T, EntrypointInstruction>) {
          c.Entrypoint = in.empty ? std::vector<std::string>{} : command(in.cmd);
          if (!cmdSet)
            c.Cmd.clear();
        } else if constexpr (std::is_same_v<T, ShellInstruction>) {
          c.Shell.clear();
          for (const Operand &o : in.shell)
            c.Shell.push_back(o.expanded().str());
        } else if constexpr (std::is_same_v<T, HealthcheckInstruction>) {
          store::HealthConfig h;
          h.Test = in.test;
          h.Interval = in.interval;
          h.Timeout = in.timeout;
          h.StartPeriod = in.startPeriod;
          h.StartInterval = in.startInterval;
          h.Retries = in.retries;
          c.Healthcheck = h;
        } else if constexpr (std::is_same_v<T, OnbuildInstruction>) {
          c.OnBuild.push_back(in.expression);
        }
      },
      static_cast<const InstructionVariant &>(inst));
}

// One fetch per URL and build: keying fetched it already unless a checksum made that unnecessary.
llvm::Expected<RemoteFile> Build::download(const std::string &url, const std::string &checksum) {
  std::lock_guard<std::mutex> l(DownloadMutex);
  auto it = Downloads.find(url);
  if (it != Downloads.end() && (checksum.empty() || it->second.digest == checksum))
    return it->second;
  auto f = fetchUrl(Store.root(), url, checksum);
  if (!f)
    return f.takeError();
  Downloads[url] = *f;
  return f;
}

llvm::Error Build::runCopy(size_t s, const CopyCommon &c, bool isAdd, const cachekey::StepState &st,
                           const std::string &merged, const std::string &writeRoot, int64_t epoch) {
  const auto *copy = isAdd ? nullptr : static_cast<const CopyInstruction *>(&c);
  CopyOptions opts;
  if (c.chown && !c.chown->expanded().empty()) {
    auto ids = lookupUser(merged, c.chown->expanded().str());
    if (!ids)
      return ids.takeError();
    opts.owner = *ids;
  }
  if (c.chmod && !c.chmod->expanded().empty()) {
    unsigned long m = 0;
    if (llvm::StringRef(c.chmod->expanded()).getAsInteger(8, m) || m > 07777)
      return store::storeError("invalid --chmod value " + c.chmod->expanded().str() + " (an octal mode is supported)");
    opts.mode = mode_t(m);
  }
  std::string dest = c.dest.expanded().str();
  bool destIsDir = llvm::StringRef(dest).endswith("/") || dest == "." || llvm::StringRef(dest).endswith("/.");
  std::string destAbs = cachekey::resolveWorkdir(st.workdir, dest);
  size_t count = c.sources.size() + c.heredocSources.size();

  std::vector<OverlayMount> views;
  std::unique_ptr<SourceTree> other;
  SourceTree *src = Context.get();
  if (copy && copy->from && !copy->from->raw.empty()) {
    std::string viewDir = writeRoot + ".from";
    auto v = viewOf(s, copy->fromStage, copy->from->raw.str(), views, viewDir);
    if (!v)
      return v.takeError();
    other = std::make_unique<SourceTree>(*v, SourceTree::Kind::Rootfs);
    src = other.get();
  }
  PatternList excludes = PatternList::fromPatterns(c.exclude);
  auto existsAsDir = [&](const std::string &abs) {
    SourceTree t(writeRoot, SourceTree::Kind::Rootfs);
    auto p = t.resolve(abs.substr(1));
    struct stat sb;
    bool dir = p && ::stat(p->c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
    if (!p)
      llvm::consumeError(p.takeError());
    return dir;
  };
  for (const HeredocFile &h : c.heredocSources) {
    std::string target = (destIsDir || count > 1 || existsAsDir(destAbs)) ? destAbs + "/" + h.name : destAbs;
    if (llvm::Error e = writeFileIn(writeRoot, target, h.data, opts, epoch))
      return e;
  }
  for (const Operand &o : c.sources) {
    if (isAdd && isRemoteUrl(o.expanded().str())) {
      // Docker's remote ADD: named after the URL's last path segment when the destination is a
      // directory, mode 0600 (unless --chmod), mtime from Last-Modified, never unpacked.
      if (count > 1 && !destIsDir)
        return store::storeError("When using ADD with more than one source file, the destination must be a directory and end with a /");
      const auto *add = static_cast<const AddInstruction *>(&c);
      auto f = download(o.expanded().str(), add->checksum ? add->checksum->expanded().str() : "");
      if (!f)
        return f.takeError();
      SourceEntry e;
      e.hostPath = f->path;
      if (::stat(f->path.c_str(), &e.st) != 0)
        return store::systemError("stat", f->path);
      e.st.st_mode = S_IFREG | 0600;
      e.st.st_mtim = {f->mtime ? f->mtime : epoch, 0};
      std::string target = (destIsDir || count > 1 || existsAsDir(destAbs)) ? destAbs + "/" + urlFilename(o.expanded().str()) : destAbs;
      if (llvm::Error err = copyEntries(writeRoot, {e}, target, opts))
        return err;
      continue;
    }
    auto paths = src->expand(o.expanded().str());
    if (!paths)
      return paths.takeError();
    bool many = count > 1 || paths->size() > 1;
    if (many && !destIsDir)
      return store::storeError("When using " + std::string(isAdd ? "ADD" : "COPY") +
                               " with more than one source file, the destination must be a directory and end with a /");
    for (const std::string &rel : *paths) {
      auto entries = src->select(rel, excludes);
      if (!entries)
        return entries.takeError();
      if (entries->empty())
        continue;
      const SourceEntry &top = entries->front();
      std::string base = llvm::StringRef(rel).rsplit('/').second.empty() ? rel : llvm::StringRef(rel).rsplit('/').second.str();
      if (rel.find('/') == std::string::npos)
        base = rel;
      std::string target;
      if (copy && copy->parents)
        target = destAbs + "/" + rel;
      else if (S_ISDIR(top.st.st_mode))
        target = destAbs;
      else if (destIsDir || many || existsAsDir(destAbs))
        target = destAbs + "/" + base;
      else
        target = destAbs;
      if (isAdd && !S_ISDIR(top.st.st_mode) && S_ISREG(top.st.st_mode) && isTarArchive(top.hostPath)) {
        const auto *add = static_cast<const AddInstruction *>(&c);
        if (!add->unpack || *add->unpack) {
          auto dir = makeDirsIn(writeRoot, destAbs, opts.owner.value_or(Ids{}));
          if (!dir)
            return dir.takeError();
          auto stats = store::applyLayerFile(top.hostPath, *dir, {store::WhiteoutMode::Flat, true});
          if (!stats)
            return stats.takeError();
          continue;
        }
      }
      if (llvm::Error e = copyEntries(writeRoot, *entries, target, opts))
        return e;
    }
  }
  for (OverlayMount &m : views)
    if (llvm::Error e = m.unmount())
      return e;
  return llvm::Error::success();
}

llvm::Error Build::runRun(size_t s, const RunInstruction &run, const cachekey::StepState &st,
                          const std::string &merged, const std::string &stepDir, const std::string &upper,
                          int progressId, const std::string *mergedScript) {
  std::vector<std::string> args;
  if (mergedScript) {
    args = st.shell;
    args.push_back(*mergedScript);
  } else if (run.cmd.shellForm) {
    std::string text = run.cmd.args.empty() ? "" : run.cmd.args[0].expanded().str();
    for (size_t k = 1; k < run.cmd.args.size(); ++k)
      text += " " + run.cmd.args[k].expanded().str();
    std::string script = text;
    llvm::StringRef trimmed = llvm::StringRef(text).trim();
    if (run.heredocs.size() == 1 && trimmed.startswith("<<") && !trimmed.contains(' ')) {
      // `RUN <<EOF` alone: the body is the script.
      script = run.heredocs[0].data;
    } else {
      for (const HeredocFile &h : run.heredocs) {
        script += "\n" + h.content;
        if (!h.content.empty() && h.content.back() != '\n')
          script += "\n";
        script += h.name;
      }
    }
    args = st.shell;
    args.push_back(script);
  } else {
    for (const Operand &o : run.cmd.args)
      args.push_back(o.expanded().str());
  }
  auto ids = lookupUser(merged, st.user);
  if (!ids)
    return ids.takeError();
  if (auto wd = makeDirsIn(merged, st.workdir, *ids); !wd)
    return wd.takeError();

  runtime::Bundle b = runtime::dockerDefaults(merged);
  b.process.args = args;
  b.process.env.clear();
  for (const auto &[k, v] : st.runEnv())
    b.process.env.push_back(k + "=" + v);
  for (const auto &[k, v] : Prog.proxyEnv)
    b.process.env.push_back(k + "=" + v);
  b.process.cwd = st.workdir;
  b.process.user.uid = ids->uid;
  b.process.user.gid = ids->gid;
  b.process.capabilities = runtime::dockerCapabilities(ids->uid);
  b.hostname = "buildkitsandbox";

  // Mounts: the network files, then --mount flags.
  SourceTree rootTree(merged, SourceTree::Kind::Rootfs);
  auto rootHas = [&](const std::string &abs) {
    auto p = rootTree.resolve(abs.substr(1), false);
    struct stat sb;
    bool ok = p && ::lstat(p->c_str(), &sb) == 0;
    if (!p)
      llvm::consumeError(p.takeError());
    return ok;
  };
  // Networks as BuildKit gives them: `none` only lo; `host` the host's; the default its own
  // namespace with outbound access through runtime::Outbound (tap0 made before the process starts,
  // slirp4netns started with its first frame; DNS at slirp's forwarder). Without slirp4netns, or
  // under runc (which has no hook to make the tap before the process starts), the default falls back
  // to the host's network, as dfc did before.
  bool ownNetwork = run.network == "default" && Req.runtime != "runc" && runtime::Outbound::available();
  std::string resolvFile = "/etc/resolv.conf";
  if (ownNetwork) {
    resolvFile = stepDir + "/resolv.conf";
    std::string text = std::string("nameserver ") + runtime::Outbound::Nameserver + "\n";
    int fd = ::open(resolvFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return store::systemError("create", resolvFile);
    llvm::Error e = store::writeAll(fd, text.data(), text.size(), resolvFile);
    ::close(fd);
    if (e)
      return e;
  }
  std::string hostsFile = stepDir + "/hosts";
  {
    int fd = ::open(hostsFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::string h = "127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    if (fd >= 0) {
      llvm::consumeError(store::writeAll(fd, h.data(), h.size(), hostsFile));
      ::close(fd);
    }
  }
  if (rootHas("/etc")) {
    b.mounts.push_back({"/etc/hosts", "bind", hostsFile, {"rbind", "ro"}});
    if (run.network != "none" && ::access(resolvFile.c_str(), R_OK) == 0)
      b.mounts.push_back({"/etc/resolv.conf", "bind", resolvFile, {"rbind", "ro"}});
  }
  std::vector<OverlayMount> views;
  int viewNo = 0;
  for (const Mount &m : run.mounts) {
    std::string target = m.target.empty() ? "" : cachekey::resolveWorkdir(st.workdir, m.target);
    switch (m.type) {
    case MountType::Cache: {
      std::string id = m.id.empty() ? target : m.id;
      std::string dir = Store.root() + "/cache-mounts/" + llvm::StringRef(cachekey::sha256(id)).drop_front(7).str();
      if (llvm::Error e = store::makeDirs(dir))
        return e;
      if (m.uid || m.gid)
        ::chown(dir.c_str(), uint32_t(m.uid.value_or(0)), uint32_t(m.gid.value_or(0)));
      if (m.mode)
        ::chmod(dir.c_str(), mode_t(*m.mode));
      b.mounts.push_back({target, "bind", dir, {"rbind", m.readOnly ? "ro" : "rw"}});
      break;
    }
    case MountType::Tmpfs: {
      std::vector<std::string> o{"nosuid", "nodev"};
      if (m.sizeLimit)
        o.push_back("size=" + std::to_string(*m.sizeLimit));
      b.mounts.push_back({target, "tmpfs", "tmpfs", o});
      break;
    }
    case MountType::Bind: {
      std::string host;
      if (!m.from.empty()) {
        auto v = viewOf(s, m.fromStage, m.from, views, stepDir + "/view" + std::to_string(viewNo++));
        if (!v)
          return v.takeError();
        SourceTree t(*v, SourceTree::Kind::Rootfs);
        auto c = t.clean(m.source.empty() ? "." : m.source);
        if (!c)
          return c.takeError();
        auto p = t.resolve(*c);
        if (!p)
          return p.takeError();
        host = *p;
      } else {
        auto c = Context->clean(m.source.empty() ? "." : m.source);
        if (!c)
          return c.takeError();
        auto p = Context->resolve(*c);
        if (!p)
          return p.takeError();
        host = *p;
      }
      // Writes to a bind mount must never reach the context or another stage: always read-only.
      b.mounts.push_back({target, "bind", host, {"rbind", "ro"}});
      break;
    }
    case MountType::Secret: {
      std::string id = m.id.empty() ? llvm::StringRef(m.target).rsplit('/').second.str() : m.id;
      if (target.empty())
        target = "/run/secrets/" + id;
      auto it = Req.secrets.find(id);
      if (it == Req.secrets.end()) {
        if (m.required)
          return store::storeError("secret " + id + " not found (pass it with --secret id=" + id + ",src=FILE)");
        break;
      }
      b.mounts.push_back({target, "bind", it->second, {"rbind", "ro"}});
      break;
    }
    case MountType::Ssh:
      return store::storeError("RUN --mount=type=ssh is not supported by dfc");
    }
  }
  // Mount points the runtime creates in the rootfs are not part of the step's result.
  std::vector<std::string> stubs;
  for (const runtime::Mount &m : b.mounts)
    if (!m.destination.empty() && !rootHas(m.destination))
      stubs.push_back(m.destination);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return store::systemError("pipe", "");
  runtime::RunOptions ro;
  ro.stdinTarget = runtime::Stdio::null();
  ro.stdoutTarget = runtime::Stdio::toFd(fds[1]);
  ro.stderrTarget = runtime::Stdio::toFd(fds[1]);
  ro.cacheDir = Store.root() + "/cache";
  ro.network = run.network == "none" ? runtime::NetworkMode::None
               : ownNetwork          ? runtime::NetworkMode::Default
                                     : runtime::NetworkMode::Host;
  // The builder hosts the step's relay thread (and slirp4netns, once used) until the step exits.
  std::unique_ptr<runtime::Outbound> outbound;
  if (ownNetwork)
    ro.prestart = [&outbound, &stepDir](pid_t pid) -> llvm::Error {
      auto attached = runtime::Outbound::attach("/proc/" + std::to_string(pid) + "/ns/net", stepDir);
      if (!attached)
        return attached.takeError();
      outbound = std::move(*attached);
      return llvm::Error::success();
    };
  auto start = Clock::now();
  std::string tail;
  std::thread reader([&] {
    std::string pending;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      pending.append(buf, size_t(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        P.line(progressId, since(start), line);
        tail += line + "\n";
        if (tail.size() > 8192)
          tail.erase(0, tail.size() - 8192);
      }
    }
    if (!pending.empty()) {
      P.line(progressId, since(start), pending);
      tail += pending + "\n";
    }
  });
  store::trace::mark("  container prepared");
  runtime::RunResult res = Req.runtime == "runc" ? runtime::runWithRunc(b, ro) : runtime::run(b, ro);
  store::trace::mark("  container exited");
  if (outbound)
    outbound->stop();
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  for (OverlayMount &m : views)
    llvm::consumeError(m.unmount());
  for (const std::string &stub : stubs) {
    // Remove the first component that did not exist before, when it holds only empty stubs.
    std::string path = stub;
    std::string first = stub;
    while (true) {
      std::string parent = llvm::StringRef(first).rsplit('/').first.str();
      if (parent.empty() || rootHas(parent))
        break;
      first = parent;
    }
    std::string inUpper = upper + first;
    struct stat sb;
    if (::lstat(inUpper.c_str(), &sb) != 0)
      continue;
    if (S_ISDIR(sb.st_mode) ? onlyEmptyStubs(inUpper) : (S_ISREG(sb.st_mode) && sb.st_size == 0))
      llvm::consumeError(store::removeTree(inUpper));
  }
  if (!res.started())
    return llvm::make_error<BuildError>("", "RUN could not start: " + res.error, res.exitCode);
  if (res.exitCode != 0) {
    std::string shown;
    for (const std::string &a : args)
      shown += (shown.empty() ? "" : " ") + a;
    return llvm::make_error<BuildError>("", "process \"" + shown + "\" did not complete successfully: exit code: " +
                                                std::to_string(res.exitCode),
                                        res.exitCode);
  }
  return llvm::Error::success();
}

llvm::Error Build::execute(size_t s, const opt::Unit &u, const StageResult &r,
                           const std::vector<std::string> &lowers, const std::string &stepDir,
                           const std::string &merged, int progressId) {
  const Stage &st = Prog.stages[s];
  const AnyInstruction &inst = st.instructions[u.steps.front()];
  const cachekey::StepState &before = Plans[s].keys.before[u.steps.front()];
  std::string upper = stepDir + "/upper", work = stepDir + "/work";
  for (const std::string &d : {upper, work})
    if (llvm::Error e = store::makeDirs(d))
      return e;
  // Volatile: the upper becomes a snapshot only after runUnit has synced it, or is thrown away.
  auto m = OverlayMount::mount(lowers, upper, work, merged, EmptyDir, /*volatileUpper=*/true);
  if (!m)
    return m.takeError();
  store::trace::mark("  overlay mounted");
  llvm::Error err = llvm::Error::success();
  if (u.kind == opt::UnitKind::MergedRun) {
    // One process for the whole group (opt::joinRunScripts); members share env, user, workdir,
    // shell and mounts, which the optimiser checked, so the first member's state serves all.
    std::vector<std::string> bodies;
    for (size_t i : u.steps) {
      std::string body;
      for (const Operand &o : st.instructions[i].as<RunInstruction>()->cmd.args)
        body += (body.empty() ? "" : " ") + o.expanded().str();
      bodies.push_back(body);
    }
    // A shell that reads a startup file per process ($BASH_ENV, $ENV) runs it once per body at
    // O0: then every body keeps its own process.
    // The way back to the workdir between bodies unsets the OLDPWD its cd sets: not when the env
    // has one.
    bool mayInline = true, mayReturn = true;
    for (const auto &[name, value] : before.runEnv()) {
      if (name == "BASH_ENV" || name == "ENV")
        mayInline = false;
      if (name == "OLDPWD")
        mayReturn = false;
    }
    std::string script =
        opt::joinRunScripts(before.shell, bodies, mayInline, mayReturn ? before.workdir : std::string());
    err = runRun(s, *inst.as<RunInstruction>(), before, merged, stepDir, upper, progressId, &script);
  } else if (u.kind == opt::UnitKind::MergedCopy) {
    // Each COPY in turn into the same mounted root: the later ones see the earlier ones' files,
    // exactly as on top of their layers.
    for (size_t i : u.steps) {
      const AnyInstruction &in = st.instructions[i];
      const CopyCommon *c = in.as<CopyInstruction>() ? static_cast<const CopyCommon *>(in.as<CopyInstruction>())
                                                     : static_cast<const CopyCommon *>(in.as<AddInstruction>());
      err = runCopy(s, *c, in.as<AddInstruction>() != nullptr, Plans[s].keys.before[i], merged, merged, r.epoch);
      if (err)
        break;
    }
  } else if (const auto *run = inst.as<RunInstruction>()) {
    err = runRun(s, *run, before, merged, stepDir, upper, progressId);
  } else if (const auto *wd = inst.as<WorkdirInstruction>()) {
    auto ids = lookupUser(merged, before.user);
    if (!ids)
      err = ids.takeError();
    else if (auto d = makeDirsIn(merged, cachekey::resolveWorkdir(before.workdir, wd->path.expanded()), *ids); !d)
      err = d.takeError();
  } else {
    const CopyCommon *c = inst.as<CopyInstruction>() ? static_cast<const CopyCommon *>(inst.as<CopyInstruction>())
                                                     : static_cast<const CopyCommon *>(inst.as<AddInstruction>());
    if (c->link) {
      // --link: the layer is independent of what is below, so it is written into an empty root.
      std::string linkRoot = stepDir + "/link";
      if (llvm::Error e = store::makeDirs(linkRoot))
        return e;
      err = runCopy(s, *c, inst.as<AddInstruction>() != nullptr, before, merged, linkRoot, r.epoch);
    } else {
      err = runCopy(s, *c, inst.as<AddInstruction>() != nullptr, before, merged, merged, r.epoch);
    }
  }
  llvm::Error un = m->unmount();
  if (err) {
    llvm::consumeError(std::move(un));
    return err;
  }
  return un;
}

bool Build::runUnit(size_t s, size_t unitIndex, StageResult &r, std::vector<std::string> &lowers, int &stepNo,
                    int total) {
  const Stage &st = Prog.stages[s];
  const opt::Unit &unit = Opt.stagePlan(s)->units[unitIndex];
  // History: one entry per member, so `dfc history` still lists every instruction; in a merged
  // unit only the last member carries the layer.
  std::vector<store::HistoryEntry> hist;
  std::string text;
  for (size_t i : unit.steps) {
    const AnyInstruction &inst = st.instructions[i];
    std::string line =
        inst.base().syntax ? inst.base().syntax->line.str() : std::string(instructionName(inst.kind()));
    text += (text.empty() ? "" : " + ") + instructionText(s, i);
    store::HistoryEntry h;
    h.created = store::formatTime(r.epoch);
    h.comment = "buildkit.dockerfile.v0";
    h.created_by = line;
    if (const auto *run = inst.as<RunInstruction>(); run && run->cmd.shellForm) {
      std::string shell;
      for (const std::string &a : Plans[s].keys.before[i].shell)
        shell += a + " ";
      h.created_by = "RUN " + shell + llvm::StringRef(line).drop_front(3).ltrim().str() + " # buildkit";
    } else if (inst.kind() == InstructionKind::Run || inst.kind() == InstructionKind::Copy ||
               inst.kind() == InstructionKind::Add) {
      h.created_by = line + " # buildkit";
    }
    h.empty_layer = !unit.makesLayer() || i != unit.steps.back();
    hist.push_back(h);
  }
  if (!unit.makesLayer()) {
    for (store::HistoryEntry &h : hist)
      r.spec.history.push_back(h);
    return true;
  }
  if (unit.steps.size() > 1)
    text = "(merged " + std::to_string(unit.steps.size()) + " steps) " + text;
  const std::string key = unitKey(s, unit);
  const StepPrediction &pred = Predictions[PredictionOf.at({s, unit.steps.front()})];
  std::string name = st.name.empty() ? "" : st.name + " ";
  if (Plans[s].reachable && Prog.targetStage && *Prog.targetStage == s && st.name.empty())
    name = "";
  else if (st.name.empty())
    name = st.displayName() + " ";
  int n = P.begin("[" + name + std::to_string(++stepNo) + "/" + std::to_string(total) + "] " + text);
  auto t0 = Clock::now();
  StepReport rep{st.displayName(), text, key, false, false, 0, "", s, unit.steps};
  auto pushHistory = [&](bool emptyLayer) {
    hist.back().empty_layer = emptyLayer;
    for (store::HistoryEntry &h : hist)
      r.spec.history.push_back(h);
  };
  if (!Req.noCache) {
    auto hit = Store.db().getCache(key);
    if (!hit) {
      llvm::consumeError(hit.takeError());
    } else if (*hit && ((*hit)->layer.empty() || Store.blobs().has((*hit)->layer))) {
      if (!(*hit)->layer.empty()) {
        r.spec.diffIds.push_back((*hit)->diffId);
        lowers.clear(); // recomputed lazily from diffIds when a later step misses
      }
      pushHistory((*hit)->layer.empty());
      P.cached(n);
      if (store::trace::enabled())
        store::trace::mark("step " + text + ": cached");
      rep.cached = true;
      rep.layer = !(*hit)->layer.empty();
      recordInputs(s, unit);
      std::lock_guard<std::mutex> l(ReportMutex);
      Reports.push_back(rep);
      return true;
    }
  }
  // The reason was worked out before anything ran, by the code `dfc plan` uses.
  rep.reason = pred.hit ? "cache entry appeared or vanished during the build" : pred.reason;
  P.miss(n, rep.reason);
  const AnyInstruction &inst = st.instructions[unit.steps.front()];
  auto failHere = [&](llvm::Error e) {
    Failure f{location(s, unit.steps.front()), "", 0};
    llvm::handleAllErrors(
        std::move(e), [&](const BuildError &be) { f.message = be.message, f.exitCode = be.exitCode; },
        [&](const llvm::ErrorInfoBase &eb) { f.message = eb.message(); });
    f.message = text + ": " + f.message;
    P.error(n, f.message);
    fail(std::move(f));
    return false;
  };
  if (lowers.empty() && !r.spec.diffIds.empty()) {
    auto l = lowersOf(r.spec);
    if (!l)
      return failHere(l.takeError());
    lowers = *l;
  }
  std::string stepDir = stepTmpDir();
  auto cleanup = llvm::make_scope_exit([&] { llvm::consumeError(store::removeTree(stepDir)); });
  if (llvm::Error e = execute(s, unit, r, lowers, stepDir, stepDir + "/merged", n))
    return failHere(std::move(e));
  store::trace::mark("  executed");
  std::string layerDir = stepDir + "/upper";
  const CopyCommon *cc = inst.as<CopyInstruction>() ? static_cast<const CopyCommon *>(inst.as<CopyInstruction>())
                         : inst.as<AddInstruction>() ? static_cast<const CopyCommon *>(inst.as<AddInstruction>())
                                                     : nullptr;
  if (cc && cc->link && unit.kind == opt::UnitKind::Step)
    layerDir = stepDir + "/link";
  store::CacheEntry entry;
  entry.key = key;
  entry.configDelta = "{}";
  entry.created = entry.lastUsed = std::time(nullptr);
  bool emptyLayer = isEmptyDir(layerDir);
  if (!emptyLayer) {
    store::LayerWriteOptions lo;
    lo.sourceDateEpoch = r.epoch;
    // Staged, not synced: flushPending() syncs once for the whole build.
    auto staged = Store.stageLayer(layerDir, lo);
    if (!staged)
      return failHere(staged.takeError());
    store::trace::mark("  layer blob staged");
    const store::Digest diffId = staged->first.diffId;
    entry.layer = entry.diffId = diffId;
    std::string lower = Store.root() + "/snapshots/" + diffId.hex().str();
    struct stat sb;
    std::lock_guard<std::mutex> l(PendingMutex);
    Pending.blobs.push_back(std::move(staged->second));
    auto known = Pending.snapshotOf.find(diffId.str());
    if (known != Pending.snapshotOf.end()) {
      lower = known->second;
    } else if (::stat(lower.c_str(), &sb) != 0) {
      // The upperdir is this layer's snapshot already: keep it (under a temp name until the
      // build's sync; on the scratch tmpfs, for this build only) instead of unpacking the tar again.
      std::string kept = Scratch.empty() ? tmpDir() : Scratch + "/" + store::tempName("layer-");
      if (::rename(layerDir.c_str(), kept.c_str()) != 0)
        return failHere(store::systemError("rename", kept));
      lower = kept;
      if (Scratch.empty())
        Pending.snapshots.push_back({diffId, store::countTreeEntries(kept), int64_t(std::time(nullptr))});
      Pending.snapshotOf[diffId.str()] = kept;
    }
    r.spec.diffIds.push_back(diffId);
    lowers.insert(lowers.begin(), lower);
    rep.layer = true;
  }
  pushHistory(emptyLayer);
  {
    std::lock_guard<std::mutex> l(PendingMutex);
    Pending.cache.push_back(entry);
  }
  recordInputs(s, unit);
  rep.seconds = since(t0);
  P.done(n, rep.seconds);
  if (store::trace::enabled())
    store::trace::mark("step " + text + ": built");
  std::lock_guard<std::mutex> l(ReportMutex);
  Reports.push_back(rep);
  return true;
}

// Makes the build's staged layers durable and visible, in an order where a crash at any point
// leaves only leftovers prune removes: one syncfs for every blob and upperdir, then the blobs
// under their names, then the snapshot and cache rows in one transaction, then the snapshot
// directories (a row without its directory is unpacked again on use).
llvm::Error Build::flushPending() {
  std::lock_guard<std::mutex> l(PendingMutex);
  if (Pending.blobs.empty() && Pending.cache.empty())
    return llvm::Error::success();
  if (!Pending.blobs.empty() || !Pending.snapshots.empty())
    if (llvm::Error e = store::syncFilesystem(Store.root()))
      return e;
  if (llvm::Error e = Store.blobs().installStaged(Pending.blobs))
    return e;
  Pending.blobs.clear();
  if (llvm::Error e = Store.db().transaction([&]() -> llvm::Error {
        for (const store::SnapshotRow &row : Pending.snapshots)
          if (llvm::Error e = Store.db().putSnapshot(row))
            return e;
        for (const store::CacheEntry &c : Pending.cache)
          if (llvm::Error e = Store.db().putCache(c))
            return e;
        return llvm::Error::success();
      }))
    return e;
  for (const store::SnapshotRow &row : Pending.snapshots) {
    const std::string &kept = Pending.snapshotOf[row.diffId.str()];
    std::string final = Store.root() + "/snapshots/" + row.diffId.hex().str();
    if (::rename(kept.c_str(), final.c_str()) != 0) {
      if (errno != EEXIST && errno != ENOTEMPTY)
        return store::systemError("rename", final);
      llvm::consumeError(store::removeTree(kept)); // another build kept the same layer first
    }
  }
  Pending = PendingWrites();
  return llvm::Error::success();
}

void Build::runStage(size_t s) {
  StagePlan &pl = Plans[s];
  bool ok = true;
  for (size_t d : pl.deps)
    if (d != s && Plans[d].reachable && !DoneF[d].get())
      ok = false;
  if (!ok || Failed) {
    Done[s].set_value(false);
    return;
  }
  const Stage &st = Prog.stages[s];
  StageResult r;
  r.spec = pl.baseStage ? Results[*pl.baseStage].spec : pl.baseSpec;
  // The base's triggers run at the start of this stage (ir: buildProgramWithTriggers) and are
  // not inherited further.
  r.spec.config.OnBuild.clear();
  r.epoch = pl.epoch;
  if (r.spec.config.Env.empty() || !r.spec.config.env("PATH"))
    r.spec.config.setEnv("PATH", DefaultPath);
  const opt::StagePlan &sp = *Opt.stagePlan(s);
  int total = 1;
  for (const opt::Unit &u : sp.units)
    total += u.makesLayer() ? 1 : 0;
  int stepNo = 0;
  std::string name = st.name.empty() ? (Prog.targetStage && *Prog.targetStage == s ? "" : st.displayName() + " ") : st.name + " ";
  int n = P.begin("[" + name + std::to_string(++stepNo) + "/" + std::to_string(total) + "] FROM " + st.baseName.expanded().str());
  P.done(n, 0);
  std::vector<std::string> lowers;
  bool cmdSet = false;
  for (size_t u = 0; u < sp.units.size() && ok && !Failed; ++u) {
    ok = runUnit(s, u, r, lowers, stepNo, total);
    if (ok)
      for (size_t i : sp.units[u].steps)
        applyConfig(st.instructions[i], Plans[s].keys.before[i], r, cmdSet);
  }
  Results[s] = std::move(r);
  Done[s].set_value(ok && !Failed);
}

llvm::Error Build::prepare() {
  std::string ctx = Req.contextDir.empty() ? "." : Req.contextDir;
  char real[PATH_MAX];
  if (!::realpath(ctx.c_str(), real))
    return store::systemError("build context", ctx);
  ctx = real;
  std::string dfPath = Req.dockerfile.empty() ? ctx + "/Dockerfile" : Req.dockerfile;
  DockerfileName = llvm::StringRef(dfPath).rsplit('/').second.empty() ? dfPath : llvm::StringRef(dfPath).rsplit('/').second.str();
  if (dfPath.find('/') == std::string::npos)
    DockerfileName = dfPath;
  auto text = store::readFile(dfPath);
  if (!text)
    return text.takeError();
  ExplicitEpoch = Req.sourceDateEpoch ? Req.sourceDateEpoch : store::sourceDateEpoch();

  store::trace::mark("read Dockerfile");
  Tree = parseDockerfile(*text);
  BuildOptions bo;
  bo.buildArgs = Req.buildArgs;
  bo.target = Req.target;
  Prog = buildProgram(Tree, bo);
  store::trace::mark("parse + IR");
  if (llvm::Error e = programErrors())
    return e;
  if (llvm::Error e = pullMissingBases())
    return e;
  // ONBUILD triggers of the bases run first in their stages: the program is built again with
  // them when there are any (the as-written one is kept for lint).
  std::map<std::string, std::vector<std::string>> triggers;
  bool anyTriggers = false;
  for (const Stage &st : Prog.stages) {
    if (const auto *img = std::get_if<ImageRef>(&st.base)) {
      if (triggers.count(img->expanded))
        continue;
      auto resolved = resolveBase(img->expanded);
      if (!resolved) {
        llvm::consumeError(resolved.takeError()); // plan() reports the missing base at its FROM
        continue;
      }
      anyTriggers |= !resolved->spec.config.OnBuild.empty();
      triggers[img->expanded] = resolved->spec.config.OnBuild;
    } else if (const auto *ref = std::get_if<StageRef>(&st.base)) {
      for (const AnyInstruction &in : Prog.stages[ref->index].instructions)
        anyTriggers |= in.kind() == InstructionKind::Onbuild;
    }
  }
  if (anyTriggers) {
    TriggeredProgram tp =
        buildProgramWithTriggers(Tree, bo, [&triggers](const std::string &image) { return triggers[image]; });
    AsWritten = std::move(Prog);
    Prog = std::move(tp.program);
    Triggers = std::move(tp.triggers);
    if (llvm::Error e = programErrors())
      return e;
  }
  if (!Prog.targetStage)
    return llvm::make_error<BuildError>(DockerfileName, Req.target.empty() ? "the Dockerfile has no stage"
                                                                            : "target stage " + Req.target + " could not be found");

  // .dockerignore and the stat cache.
  auto ignoreText = store::readFile(ctx + "/.dockerignore");
  PatternList ignore;
  if (ignoreText) {
    ignore = PatternList::parseDockerignore(*ignoreText);
    llvm::SmallVector<llvm::StringRef, 16> lines;
    llvm::StringRef(*ignoreText).split(lines, '\n');
    for (llvm::StringRef l : lines)
      if (!l.trim().empty() && !l.trim().startswith("#"))
        IgnoreLines.push_back(l.trim().str());
  } else {
    llvm::consumeError(ignoreText.takeError());
  }
  Stats = std::make_unique<StatCache>(Store.root() + "/statcache/" +
                                      llvm::StringRef(cachekey::sha256(ctx)).drop_front(7).str());
  Stats->load();
  store::trace::mark("stat cache loaded");
  Context = std::make_unique<SourceTree>(ctx, SourceTree::Kind::Context, std::move(ignore), Stats.get());
  char realDf[PATH_MAX];
  LocatorBase = llvm::StringRef(cachekey::sha256(ctx + "\n" + (::realpath(dfPath.c_str(), realDf) ? realDf : dfPath)))
                    .drop_front(7)
                    .take_front(24)
                    .str();
  if (llvm::Error e = plan())
    return e;
  if (store::trace::enabled())
    store::trace::mark("plan: base images, context digests, keys (" + std::to_string(Stats->selectionsReused()) +
                       " selections reused, " + std::to_string(Stats->hashedFiles()) + " files hashed)");
  predict();
  store::trace::mark("predict");
  return llvm::Error::success();
}

llvm::Error Build::programErrors() const {
  if (!Prog.hasErrors())
    return llvm::Error::success();
  const Diagnostic *first = nullptr;
  for (const Diagnostic &d : Prog.diagnostics)
    if (d.severity == Severity::Error && !first)
      first = &d;
  std::string loc = first ? DockerfileName + ":" + std::to_string(first->range.begin.line + 1) + ":" +
                                std::to_string(first->range.begin.column + 1)
                          : DockerfileName;
  return llvm::make_error<BuildError>(loc, first ? first->message : "invalid Dockerfile");
}

// docker build's "FROM pulls what is missing": every base image a stage that will run needs and
// the store lacks is pulled from its registry before anything is keyed (its id is in the keys).
llvm::Error Build::pullMissingBases() {
  if (PlanOnly || !Req.pullMissing)
    return llvm::Error::success();
  std::vector<size_t> stages;
  if (Req.optLevel == opt::Level::O0)
    for (size_t s = 0; s < Prog.stages.size(); ++s)
      stages.push_back(s);
  else
    stages = Prog.reachableStages();
  std::set<std::string> done;
  for (size_t s : stages) {
    const Stage &st = Prog.stages[s];
    const auto *img = std::get_if<ImageRef>(&st.base);
    if (!img || !done.insert(img->expanded).second)
      continue;
    auto have = Store.resolve(img->expanded);
    if (have)
      continue;
    llvm::consumeError(have.takeError());
    registry::PullOptions po;
    po.registry.insecure = Req.insecure;
    po.architecture = archOf(st.effectivePlatform, &po.variant);
    int n = P.begin("[internal] pull " + img->expanded);
    auto t0 = Clock::now();
    po.progress = [&](llvm::StringRef line) { P.line(n, since(t0), line); };
    auto pulled = registry::pullImage(Store, img->expanded, po);
    if (!pulled) {
      std::string msg = llvm::toString(pulled.takeError());
      P.error(n, msg);
      return llvm::make_error<BuildError>(DockerfileName + ":" + std::to_string(st.range.begin.line + 1) + ":" +
                                              std::to_string(st.range.begin.column + 1),
                                          "image " + img->expanded +
                                              " is not in the local store and pulling it failed: " + msg);
    }
    P.done(n, since(t0));
  }
  return llvm::Error::success();
}

BuildPlan Build::takePlan() {
  BuildPlan out;
  out.plan = Opt;
  for (const Stage &st : Prog.stages) {
    out.stageNames.push_back(st.displayName());
    out.stageBases.push_back(st.baseName.expanded().str());
    std::vector<size_t> deps;
    if (const auto *ref = std::get_if<StageRef>(&st.base))
      deps.push_back(ref->index);
    for (const StageDependency &d : st.dependencies)
      if (std::find(deps.begin(), deps.end(), d.stage) == deps.end())
        deps.push_back(d.stage);
    out.stageDeps.push_back(deps);
  }
  out.steps = Predictions;
  out.dockerfile = DockerfileName;
  return out;
}

llvm::Expected<BuildResult> Build::run() {
  auto t0 = Clock::now();
  if (llvm::Error e = prepare())
    return e;
  auto lease = Store.lease();
  if (!lease)
    return lease.takeError();
  if (llvm::Error e = Stats->save())
    llvm::consumeError(std::move(e));
  store::trace::mark("lease + stat cache saved");

  // Mounts made by this build stay private to it, and vanish with it.
  static std::once_flag privateNs;
  std::call_once(privateNs, [] {
    if (::unshare(CLONE_NEWNS) == 0)
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  });
  EmptyDir = tmpDir();
  if (llvm::Error e = store::makeDirs(EmptyDir))
    return e;
  auto cleanup = llvm::make_scope_exit([&] { llvm::consumeError(store::removeTree(EmptyDir)); });
  const char *tmpfsSetting = std::getenv("DFC_BUILD_TMPFS");
  if (!(tmpfsSetting && llvm::StringRef(tmpfsSetting) == "0")) {
    Scratch = tmpDir();
    if (llvm::Error e = store::makeDirs(Scratch, 0700))
      return e;
    if (::mount("tmpfs", Scratch.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0) {
      llvm::consumeError(store::removeTree(Scratch));
      Scratch.clear();
    }
  }
  auto dropScratch = llvm::make_scope_exit([&] {
    if (Scratch.empty())
      return;
    ::umount2(Scratch.c_str(), MNT_DETACH);
    llvm::consumeError(store::removeTree(Scratch));
  });

  Done.clear();
  Done.resize(Prog.stages.size());
  DoneF.clear();
  for (auto &p : Done)
    DoneF.push_back(p.get_future().share());
  std::vector<std::thread> threads;
  std::vector<size_t> built;
  for (size_t s = 0; s < Prog.stages.size(); ++s) {
    if (!Plans[s].reachable) {
      Done[s].set_value(false);
      continue;
    }
    built.push_back(s);
    // -O0 runs the stages one after another in file order; -O1 and up, each on its own thread
    // (a stage waits for the stages it needs), which is the optimiser's wave schedule.
    if (Opt.level == opt::Level::O0)
      runStage(s);
    else
      threads.emplace_back([this, s] { runStage(s); });
  }
  for (std::thread &t : threads)
    t.join();
  store::trace::mark("stages done");
  // What succeeded is cached even when another step failed.
  if (llvm::Error e = flushPending())
    return e;
  store::trace::mark("layers synced and recorded");
  if (Failed)
    return llvm::make_error<BuildError>(FirstFailure.location, FirstFailure.message, FirstFailure.exitCode);

  size_t target = *Prog.targetStage;
  store::ImageSpec spec = Results[target].spec;
  spec.created = store::formatTime(Results[target].epoch);
  std::string variant;
  spec.architecture = archOf(Prog.stages[target].effectivePlatform, &variant);
  spec.variant = variant;
  spec.os = "linux";
  int n = P.begin("exporting to image");
  auto t1 = Clock::now();
  auto image = Store.commit(spec, Req.tags.empty() ? "" : Req.tags[0]);
  if (!image)
    return image.takeError();
  for (size_t k = 1; k < Req.tags.size(); ++k)
    if (llvm::Error e = Store.tag(image->id.str(), Req.tags[k]))
      return e;
  P.line(n, since(t1), "writing image " + image->id.str());
  for (const std::string &t : Req.tags)
    P.line(n, since(t1), "naming to " + t);
  P.done(n, since(t1));
  store::trace::mark("image committed");

  if (Req.printLint) {
    lint::Config lc;
    lc.dockerignore = IgnoreLines;
    lc.shellcheck = false;
    // Lint sees the file as written: without the triggers its stages inherited.
    lint::Result lr = lint::lint(Tree, AsWritten ? *AsWritten : Prog, lc);
    size_t warnings = 0;
    std::string w;
    for (const lint::Finding &f : lr.findings) {
      if (f.severity == Severity::Error || f.severity == Severity::Warning) {
        ++warnings;
        w += " - " + std::string(f.rule ? f.rule->id : "lint") + ": " + f.message.str() + " (line " +
             std::to_string(f.range.begin.line + 1) + ")\n";
      }
    }
    if (warnings)
      P.text("\n " + std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings") + " found:\n" + w);
  }

  store::trace::mark("lint");
  BuildResult res;
  res.image = std::move(*image);
  res.steps = std::move(Reports);
  res.builtStages = built;
  res.filesHashed = Stats->hashedFiles();
  res.seconds = since(t0);
  return res;
}

} // namespace

llvm::Expected<BuildResult> buildImage(store::ImageStore &store, const BuildRequest &request) {
  if (!request.runtime.empty() && request.runtime != "dfc" && request.runtime != "runc")
    return llvm::make_error<BuildError>("", "unknown runtime '" + request.runtime + "' (dfc or runc)");
  if (request.runtime == "runc" && runtime::findRunc().empty())
    return llvm::make_error<BuildError>("", "--runtime runc: runc is not installed");
  Build b(store, request);
  return b.run();
}

llvm::Expected<BuildPlan> planBuild(store::ImageStore &store, const BuildRequest &request) {
  Build b(store, request, /*planOnly=*/true);
  if (llvm::Error e = b.prepare())
    return e;
  return b.takePlan();
}

} // namespace dfc::build
