// `dfc plan [-f FILE] [--build-arg K=V] [--target S] [-O0|1|2] [--no-cache] [--format text|json|dot]
// CONTEXT`: the optimised plan with each step's cache key and HIT/MISS prediction; never writes the store.
#include "backend/build/Builder.h"
#include "cli/Commands.h"
#include "cli/StoreAccess.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace dfc::cli {
namespace {

struct PlanFlags {
  std::vector<std::string> buildArgs;
  std::string file, target, context, format = "text", level = "1";
  bool noCache = false;
};

std::string shortKey(const std::string &key) { return key.substr(0, std::min<size_t>(key.size(), 19)); }

bool isDropped(const build::BuildPlan &p, size_t s) {
  for (size_t d : p.plan.dropped)
    if (d == s)
      return true;
  return false;
}

void printText(const build::BuildPlan &p, std::ostream &out) {
  out << "plan of " << p.dockerfile << " at -O" << int(p.plan.level) << "\n";
  for (size_t w = 0; w < p.plan.waves.size(); ++w) {
    out << "wave " << w + 1 << (p.plan.waves[w].size() > 1 ? " (in parallel):" : ":");
    for (size_t s : p.plan.waves[w])
      out << " " << p.stageNames[s];
    out << "\n";
  }
  for (size_t s : p.plan.dropped)
    out << "dropped: stage " << p.stageNames[s] << " (the target does not need it)\n";
  size_t hits = 0, misses = 0;
  for (const opt::StagePlan &sp : p.plan.stages) {
    out << "\nstage " << p.stageNames[sp.stage] << " FROM " << p.stageBases[sp.stage] << "\n";
    size_t lastUnit = SIZE_MAX;
    for (const build::StepPrediction &st : p.steps) {
      if (st.stage != sp.stage)
        continue;
      const opt::Unit &u = sp.units[st.unit];
      bool first = st.unit != lastUnit;
      lastUnit = st.unit;
      if (first && u.steps.size() > 1) {
        out << "  " << opt::unitKindName(u.kind).str() << " of " << u.steps.size() << " steps, key "
            << shortKey(st.unitKey) << "  ";
        if (u.makesLayer())
          out << (st.hit ? "HIT" : "MISS (" + st.reason + ")");
        else
          out << "config";
        out << "\n";
      }
      out << "  " << (u.steps.size() > 1 ? "  " : "") << "line " << st.line << "  " << st.text << "\n";
      out << "  " << (u.steps.size() > 1 ? "  " : "") << "        key " << shortKey(st.key);
      if (u.steps.size() == 1) {
        if (st.layer)
          out << "  " << (st.hit ? "HIT" : "MISS (" + st.reason + ")");
        else
          out << "  config";
      } else {
        out << (u.makesLayer() ? "  merged" : "  folded");
      }
      out << "\n";
      if (first && st.layer)
        (st.hit ? hits : misses)++;
    }
  }
  for (const opt::Refusal &r : p.plan.refusals)
    out << "\nnot merged: stage " << p.stageNames[r.stage] << " steps " << r.first << " and " << r.second << ": "
        << r.reason;
  if (!p.plan.refusals.empty())
    out << "\n";
  out << "\n" << hits << " cached, " << misses << " to run\n";
}

nlohmann::json toJson(const build::BuildPlan &p) {
  nlohmann::json j;
  j["dockerfile"] = p.dockerfile;
  j["level"] = int(p.plan.level);
  j["waves"] = nlohmann::json::array();
  for (const auto &w : p.plan.waves) {
    nlohmann::json names = nlohmann::json::array();
    for (size_t s : w)
      names.push_back(p.stageNames[s]);
    j["waves"].push_back(names);
  }
  j["stages"] = nlohmann::json::array();
  for (size_t s = 0; s < p.stageNames.size(); ++s) {
    nlohmann::json st = {{"index", s}, {"name", p.stageNames[s]}, {"from", p.stageBases[s]},
                         {"needs", p.stageDeps[s]}, {"dropped", isDropped(p, s)}};
    nlohmann::json units = nlohmann::json::array();
    if (const opt::StagePlan *sp = p.plan.stagePlan(s)) {
      for (size_t u = 0; u < sp->units.size(); ++u) {
        nlohmann::json unit = {{"kind", opt::unitKindName(sp->units[u].kind).str()}};
        nlohmann::json steps = nlohmann::json::array();
        for (const build::StepPrediction &st : p.steps) {
          if (st.stage != s || st.unit != u)
            continue;
          unit["key"] = st.unitKey;
          if (st.layer) {
            unit["cache"] = st.hit ? "HIT" : "MISS";
            if (!st.hit)
              unit["reason"] = st.reason;
          }
          steps.push_back({{"line", st.line}, {"instruction", st.text}, {"key", st.key}});
        }
        unit["steps"] = steps;
        units.push_back(unit);
      }
    }
    st["units"] = units;
    j["stages"].push_back(st);
  }
  j["refused"] = nlohmann::json::array();
  for (const opt::Refusal &r : p.plan.refusals)
    j["refused"].push_back({{"stage", p.stageNames[r.stage]}, {"first", r.first}, {"second", r.second},
                            {"reason", r.reason}});
  return j;
}

std::string dotQuote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

void printDot(const build::BuildPlan &p, std::ostream &out) {
  out << "digraph stages {\n  rankdir=LR;\n";
  for (size_t s = 0; s < p.stageNames.size(); ++s) {
    size_t layers = 0, misses = 0;
    for (const build::StepPrediction &st : p.steps)
      if (st.stage == s && st.layer && st.index == p.plan.stagePlan(s)->units[st.unit].steps.front()) {
        ++layers;
        misses += !st.hit;
      }
    std::string label = p.stageNames[s] + "\\nFROM " + p.stageBases[s];
    if (!isDropped(p, s))
      label += "\\n" + std::to_string(layers) + " layers, " + std::to_string(misses) + " to run";
    out << "  s" << s << " [label=" << dotQuote(label) << (isDropped(p, s) ? ", style=dashed" : "") << "];\n";
  }
  for (size_t s = 0; s < p.stageDeps.size(); ++s)
    for (size_t d : p.stageDeps[s])
      out << "  s" << d << " -> s" << s << ";\n";
  out << "}\n";
}

int runPlan(const PlanFlags &f) {
  auto level = opt::parseLevel(f.level);
  if (!level) {
    std::cerr << "dfc plan: -O takes 0, 1 or 2, got '" << f.level << "'\n";
    return ExitUsage;
  }
  build::BuildRequest req;
  req.contextDir = f.context;
  req.dockerfile = f.file;
  req.target = f.target;
  req.noCache = f.noCache;
  req.optLevel = *level;
  for (const std::string &a : f.buildArgs) {
    size_t eq = a.find('=');
    if (eq == std::string::npos) {
      if (const char *v = std::getenv(a.c_str()))
        req.buildArgs[a] = v;
    } else {
      req.buildArgs[a.substr(0, eq)] = a.substr(eq + 1);
    }
  }
  // Read-only: a plan must never change the store it predicts against.
  auto store = store::ImageStore::openReadOnly(store::defaultStoreRoot());
  if (!store)
    return reportError(store.takeError(), "opening the image store " + store::defaultStoreRoot() + " read-only");
  store::trace::mark("store opened read-only");
  auto plan = build::planBuild(**store, req);
  if (!plan) {
    llvm::handleAllErrors(
        plan.takeError(),
        [&](const build::BuildError &e) {
          std::cerr << "dfc plan: " << (e.location.empty() ? "" : e.location + ": ") << e.message << "\n";
        },
        [&](const llvm::ErrorInfoBase &e) { std::cerr << "dfc plan: " << e.message() << "\n"; });
    return ExitFailure;
  }
  if (f.format == "json")
    std::cout << toJson(*plan).dump(2) << "\n";
  else if (f.format == "dot")
    printDot(*plan, std::cout);
  else
    printText(*plan, std::cout);
  return ExitSuccess;
}

} // namespace

void registerPlanCommand(CLI::App &app, int &status) {
  auto f = std::make_shared<PlanFlags>();
  CLI::App *cmd = app.add_subcommand("plan", "Show the optimised build plan and predict cache hits, without building");
  cmd->add_option("-f,--file", f->file, "Dockerfile (default CONTEXT/Dockerfile)");
  cmd->add_option("--build-arg", f->buildArgs, "Set a build argument (KEY=VALUE)")->allow_extra_args(false);
  cmd->add_option("--target", f->target, "Stage to build");
  cmd->add_option("-O", f->level, "Optimisation level: 0, 1 (default) or 2");
  cmd->add_flag("--no-cache", f->noCache, "Predict a build without the cache");
  cmd->add_option("--format", f->format, "Output: text, json or dot")->check(CLI::IsMember({"text", "json", "dot"}));
  cmd->add_option("context", f->context, "Build context directory")->required();
  cmd->callback([f, &status] { status = runPlan(*f); });
}

} // namespace dfc::cli
