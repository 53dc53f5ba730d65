// sha256 digests via OpenSSL's EVP interface (the one not deprecated in OpenSSL 3), or LLVM's for a
// process that hashes little. Parsing is strict so a digest string from an archive can never name a
// path outside blobs/.
#include "backend/store/Digest.h"

#include "backend/store/Files.h"

#include <llvm/Support/SHA256.h>
#include <openssl/evp.h>

#include <atomic>

#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dfc::store {

static bool isLowerHex(llvm::StringRef s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

llvm::Expected<Digest> Digest::fromHex(llvm::StringRef hex) {
  if (hex.size() != 64 || !isLowerHex(hex))
    return storeError("invalid sha256 digest: " + hex);
  Digest d;
  d.Hex = hex.str();
  return d;
}

llvm::Expected<Digest> Digest::parse(llvm::StringRef text) {
  if (!text.startswith("sha256:"))
    return storeError("unsupported digest (want sha256:<hex>): " + text);
  return fromHex(text.drop_front(7));
}

Digest Digest::ofBytes(llvm::StringRef data) {
  Sha256Hasher h;
  h.update(data);
  return h.finish();
}

llvm::Expected<Digest> Digest::ofFile(llvm::StringRef path) {
  int fd = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return systemError("open", path);
  Sha256Hasher h;
  static thread_local ThreadBuffer bufBuffer;
  char *buf = bufBuffer.get();
  for (;;) {
    ssize_t n = ::read(fd, buf, ThreadBuffer::Size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      llvm::Error e = systemError("read", path);
      ::close(fd);
      return e;
    }
    if (n == 0)
      break;
    h.update(buf, size_t(n));
  }
  ::close(fd);
  return h.finish();
}

namespace {

// OpenSSL's first digest costs about 1 ms (libcrypto loaded, its providers set up), as much as
// LLVM's SHA-256 (~470 MB/s against OpenSSL's 1.8 GB/s here) takes for half a MiB. So inputs are
// held back and a small one is hashed by LLVM at finish(), until the process has hashed 1 MiB that
// way; then OpenSSL pays for itself. `dfc plan` after an edit (a few small files and the context
// digest's 150 KB) never loads libcrypto; a build hashing layers loads it once, as before.
constexpr size_t SmallLimit = 1 << 20;
std::atomic<int64_t> SmallBudget{int64_t(SmallLimit)};

bool takeSmallBudget(size_t n) {
  if (SmallBudget.fetch_sub(int64_t(n)) >= int64_t(n))
    return true;
  SmallBudget.fetch_add(int64_t(n));
  return false;
}

} // namespace

struct Sha256Hasher::State {
  EVP_MD_CTX *Ctx = nullptr; // once the input is not small
  std::string Held;          // the input so far, while it is
  void startOpenSsl() {
    Ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(Ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(Ctx, Held.data(), Held.size());
    std::string().swap(Held);
  }
};

Sha256Hasher::Sha256Hasher() : S(std::make_unique<State>()) {}

Sha256Hasher::~Sha256Hasher() {
  if (S->Ctx)
    EVP_MD_CTX_free(S->Ctx);
}

void Sha256Hasher::update(const void *data, size_t size) {
  Bytes += size;
  if (!S->Ctx && S->Held.size() + size > SmallLimit)
    S->startOpenSsl();
  if (S->Ctx)
    EVP_DigestUpdate(S->Ctx, data, size);
  else
    S->Held.append(static_cast<const char *>(data), size);
}

Digest Sha256Hasher::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!S->Ctx && takeSmallBudget(S->Held.size())) {
    llvm::SHA256 h;
    h.update(llvm::StringRef(S->Held));
    llvm::StringRef raw = h.final();
    len = unsigned(raw.size());
    std::memcpy(md, raw.data(), len);
  } else {
    if (!S->Ctx)
      S->startOpenSsl();
    EVP_DigestFinal_ex(S->Ctx, md, &len);
  }
  static const char *hexDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(hexDigits[md[i] >> 4]);
    hex.push_back(hexDigits[md[i] & 15]);
  }
  return llvm::cantFail(Digest::fromHex(hex));
}

} // namespace dfc::store
