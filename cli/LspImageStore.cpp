// Reads the image store for the language server: tags, ids, sizes, platforms and layer counts,
// cached until the store's SQLite files change. A store that is absent or unreadable is empty.
#include "cli/LspImageStore.h"

#include "backend/store/ImageStore.h"
#include "backend/store/Reference.h"

#include <sys/stat.h>

namespace dfc::cli {

LspImageStore::Stamp LspImageStore::stamp(const std::string &path) const {
  Stamp s;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    s.mtime = st.st_mtim;
    s.size = static_cast<long long>(st.st_size);
  }
  return s;
}

void LspImageStore::refresh() {
  Stamp db = stamp(Root + "/dfc.db"), wal = stamp(Root + "/dfc.db-wal");
  if (Read && db == Db && wal == Wal)
    return;
  Read = true;
  Db = db;
  Wal = wal;
  Images.clear();
  ByName.clear();
  if (db.size < 0)
    return;
  auto store = store::ImageStore::openReadOnly(Root);
  if (!store) {
    llvm::consumeError(store.takeError());
    return;
  }
  auto list = (*store)->list();
  if (!list) {
    llvm::consumeError(list.takeError());
    return;
  }
  std::map<std::string, store::ResolvedImage> byId; // one read of each image's blobs
  for (const store::ImageSummary &s : *list) {
    auto it = byId.find(s.id.str());
    if (it == byId.end()) {
      auto img = (*store)->resolve(s.id.str());
      if (!img) {
        llvm::consumeError(img.takeError());
        continue;
      }
      it = byId.emplace(s.id.str(), std::move(*img)).first;
    }
    const store::ResolvedImage &r = it->second;
    lsp::LocalImage li;
    bool tagged = s.repository != "<none>";
    li.name = tagged ? s.repository + ":" + s.tag : std::string();
    li.id = s.id.str();
    li.created = r.spec.created;
    li.size = s.size;
    li.platform =
        r.spec.os + "/" + r.spec.architecture + (r.spec.variant.empty() ? "" : "/" + r.spec.variant);
    li.layers = r.spec.diffIds.size();
    if (tagged) {
      if (auto ref = store::parseReference(li.name)) {
        ByName.emplace(ref->str(), Images.size());
        ByName.emplace(ref->repository() + "@" + s.manifest.str(), Images.size());
      } else {
        llvm::consumeError(ref.takeError());
      }
    }
    Images.push_back(std::move(li));
  }
}

const std::vector<lsp::LocalImage> &LspImageStore::images() {
  refresh();
  return Images;
}

std::optional<lsp::LocalImage> LspImageStore::find(const std::string &name) {
  refresh();
  auto ref = store::parseReference(name);
  if (!ref) {
    llvm::consumeError(ref.takeError());
    return std::nullopt;
  }
  auto it = ByName.find(ref->digest.empty() ? ref->str() : ref->repository() + "@" + ref->digest);
  if (it == ByName.end())
    return std::nullopt;
  return Images[it->second];
}

} // namespace dfc::cli
