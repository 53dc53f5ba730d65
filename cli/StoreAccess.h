// What the image-store commands share: opening $DFC_ROOT (default /var/lib/dfc) and printing an
// llvm::Error as "dfc: <context>: <message>" with the exit code the caller returns.
#pragma once

#include "backend/store/ImageStore.h"
#include "backend/store/Trace.h"
#include "cli/Commands.h"

#include <llvm/Support/Error.h>

#include <iostream>
#include <memory>
#include <string>

namespace dfc::cli {

// Prints the error and returns ExitFailure.
inline int reportError(llvm::Error e, const std::string &context = "") {
  std::cerr << "dfc: " << (context.empty() ? "" : context + ": ") << llvm::toString(std::move(e)) << "\n";
  return ExitFailure;
}

// Opens the store or prints why not (null then).
inline std::unique_ptr<store::ImageStore> openStore() {
  auto s = store::ImageStore::open();
  if (!s) {
    reportError(s.takeError(), "opening the image store " + store::defaultStoreRoot());
    return nullptr;
  }
  store::trace::mark("store opened");
  return std::move(*s);
}

} // namespace dfc::cli
