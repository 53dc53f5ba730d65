// The one definition of a build step's cache key, shared by `dfc build` (lookup and record) and
// `dfc plan` (prediction). Pure: file contents reach it only through the SourceDigester callback.
#pragma once

#include "ir/Program.h"

#include <llvm/ADT/StringRef.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dfc::cachekey {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// The part of a stage's image config and build scope that can change what a step produces.
// Starts from the base image's config (or the base stage's final state) and is advanced by
// every instruction with advance().
struct StepState {
  EnvList env;  // the image's Env (base config + ENV), in order
  EnvList args; // ARGs in scope that have a value; RUN sees them, the image does not keep them
  std::string workdir = "/";
  std::string user;                                  // "" = root
  std::vector<std::string> shell = {"/bin/sh", "-c"}; // SHELL
  std::string platform;                              // the stage's effective platform

  // What RUN's process sees: env, then args not overridden by an ENV of the same name.
  EnvList runEnv() const;
};

// Applies what ENV, ARG, WORKDIR, USER and SHELL change; other instructions leave the state.
void advance(StepState &state, const AnyInstruction &instruction);

// WORKDIR semantics: an absolute path replaces, a relative one joins the current directory;
// the result is cleaned ("/a/./b/../c" -> "/a/c").
std::string resolveWorkdir(llvm::StringRef current, llvm::StringRef path);

// True for instructions that produce a filesystem layer (RUN, COPY, ADD, WORKDIR); the others
// only change the image config.
bool makesLayer(const AnyInstruction &instruction);

// Content digest of exactly what a COPY/ADD (or a RUN's bind mounts) reads, after .dockerignore
// and without mtimes. Called only for COPY, ADD and RUN with a bind mount.
using SourceDigester = std::function<std::string(const Stage &stage, const AnyInstruction &instruction)>;

// The key a stage's first step chains from: what the base is (an image id, "scratch" or a stage's
// last key), the platform and anything build-wide that changes every layer (e.g. SOURCE_DATE_EPOCH).
std::string baseKey(llvm::StringRef baseIdentity, llvm::StringRef platform, llvm::StringRef buildSalt = "");

// The instruction in canonical form: keyword, flags and expanded operands, each length-prefixed
// so no two different instructions serialise alike. Source positions and comments are not part of it.
std::string canonicalInstruction(const AnyInstruction &instruction);

struct StepKey {
  std::string key;   // "sha256:<hex>"
  std::string input; // the bytes hashed (for explaining a miss)
};

// The key of stage.instructions[index], run with `before` as state, on top of `parentKey` (the last
// layer-making step's key, or baseKey()). Only the inputs that affect the step are hashed: LABEL
// does not see the env, COPY does not see ENV, and so on.
StepKey stepKey(llvm::StringRef parentKey, const Stage &stage, size_t index, const StepState &before,
                const SourceDigester &digestSources);

// Every step of a stage keyed in order, chaining through the layer-making steps, from the state
// the base gives (the base image's config, or the base stage's finalState).
struct StageKeys {
  std::vector<StepKey> steps; // one per instruction
  std::vector<StepState> before; // the state each instruction runs with
  std::string lastKey;        // the last layer-making step's key (baseKey when there is none)
  std::string finalKey;       // lastKey plus every metadata step: what a stage built FROM this one chains from
  StepState finalState;
};
StageKeys stageKeys(llvm::StringRef baseKey, const Stage &stage, StepState initial,
                    const SourceDigester &digestSources);

// "sha256:<hex>" of bytes.
std::string sha256(llvm::StringRef bytes);

} // namespace dfc::cachekey
