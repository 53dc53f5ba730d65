// libarchive and libcrypto, loaded on first call instead of at process start.
// Linked normally they (with libarchive's libxml2/ICU/nettle/...) cost every `dfc` run ~26k
// relocations, about half the loader's work, though only commands touching blobs or tars use
// them. Each function dfc calls is defined here with the library's own prototype; the first
// call resolves it with dlsym from a handle opened once. A new call site needs a line here
// (the link fails with "undefined reference" until it has one; store tests use a few more).
// Parameter names follow the headers' where they name them (clang-tidy compares them).
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace {

#define DFC_STR2(x) #x
#define DFC_STR(x) DFC_STR2(x)

[[noreturn]] void fail(const char *soname, const char *name) {
  const char *e = ::dlerror();
  std::fprintf(stderr, "dfc: cannot load %s%s%s: %s\n", soname, name ? " symbol " : "", name ? name : "",
               e ? e : "not found");
  std::_Exit(127);
}

void *symbol(void *handle, const char *soname, const char *name) {
  if (!handle)
    fail(soname, nullptr);
  void *fn = ::dlsym(handle, name);
  if (!fn)
    fail(soname, name);
  return fn;
}

// libarchive has kept soname 13 since 3.0; OpenSSL names libcrypto by its major version.
const char archiveSoname[] = "libarchive.so.13";
const char cryptoSoname[] = "libcrypto.so." DFC_STR(OPENSSL_VERSION_MAJOR);

void *archiveHandle() {
  static void *const h = ::dlopen(archiveSoname, RTLD_NOW | RTLD_LOCAL);
  return h;
}

void *cryptoHandle() {
  static void *const h = ::dlopen(cryptoSoname, RTLD_NOW | RTLD_LOCAL);
  return h;
}

} // namespace

#define DFC_LAZY(LIB, RET, NAME, PARAMS, ARGS)                                                               \
  extern "C" RET NAME PARAMS {                                                                               \
    static const auto fn = reinterpret_cast<decltype(&::NAME)>(symbol(LIB##Handle(), LIB##Soname, #NAME));   \
    return fn ARGS;                                                                                          \
  }

using Entry = struct archive_entry;
using Arc = struct archive;

DFC_LAZY(crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
DFC_LAZY(crypto, void, EVP_MD_CTX_free, (EVP_MD_CTX * c), (c))
DFC_LAZY(crypto, const EVP_MD *, EVP_sha256, (void), ())
DFC_LAZY(crypto, int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl),
         (ctx, type, impl))
DFC_LAZY(crypto, int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void *d, size_t cnt), (ctx, d, cnt))
DFC_LAZY(crypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s),
         (ctx, md, s))

DFC_LAZY(archive, struct archive_entry *, archive_entry_new, (void), ())
DFC_LAZY(archive, void, archive_entry_free, (Entry * e), (e))
DFC_LAZY(archive, __LA_MODE_T, archive_entry_filetype, (Entry * e), (e))
DFC_LAZY(archive, __LA_MODE_T, archive_entry_perm, (Entry * e), (e))
DFC_LAZY(archive, la_int64_t, archive_entry_gid, (Entry * e), (e))
DFC_LAZY(archive, la_int64_t, archive_entry_uid, (Entry * e), (e))
DFC_LAZY(archive, la_int64_t, archive_entry_size, (Entry * e), (e))
DFC_LAZY(archive, const char *, archive_entry_hardlink, (Entry * e), (e))
DFC_LAZY(archive, const char *, archive_entry_symlink, (Entry * e), (e))
DFC_LAZY(archive, const char *, archive_entry_pathname, (Entry * e), (e))
DFC_LAZY(archive, time_t, archive_entry_mtime, (Entry * e), (e))
DFC_LAZY(archive, long, archive_entry_mtime_nsec, (Entry * e), (e))
DFC_LAZY(archive, dev_t, archive_entry_rdev, (Entry * e), (e))
DFC_LAZY(archive, void, archive_entry_set_filetype, (Entry * e, unsigned int v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_perm, (Entry * e, __LA_MODE_T v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_gid, (Entry * e, la_int64_t v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_uid, (Entry * e, la_int64_t v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_size, (Entry * e, la_int64_t v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_hardlink, (Entry * e, const char *v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_symlink, (Entry * e, const char *v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_pathname, (Entry * e, const char *v), (e, v))
DFC_LAZY(archive, void, archive_entry_set_mtime, (Entry * e, time_t s, long ns), (e, s, ns))
DFC_LAZY(archive, void, archive_entry_set_rdev, (Entry * e, dev_t v), (e, v))
DFC_LAZY(archive, void, archive_entry_xattr_add_entry,
         (Entry * e, const char *name, const void *value, size_t size), (e, name, value, size))
DFC_LAZY(archive, int, archive_entry_xattr_next,
         (Entry * e, const char **name, const void **value, size_t *size), (e, name, value, size))
DFC_LAZY(archive, int, archive_entry_xattr_reset, (Entry * e), (e))

DFC_LAZY(archive, const char *, archive_error_string, (Arc * a), (a))
DFC_LAZY(archive, struct archive *, archive_read_new, (void), ())
DFC_LAZY(archive, int, archive_read_free, (Arc * a), (a))
DFC_LAZY(archive, int, archive_read_support_filter_all, (Arc * a), (a))
DFC_LAZY(archive, int, archive_read_support_format_all, (Arc * a), (a))
DFC_LAZY(archive, int, archive_read_support_format_raw, (Arc * a), (a))
DFC_LAZY(archive, int, archive_read_support_format_tar, (Arc * a), (a))
DFC_LAZY(archive, int, archive_read_open_fd, (Arc * a, int _fd, size_t _block_size), (a, _fd, _block_size))
DFC_LAZY(archive, int, archive_read_open_filename, (Arc * a, const char *_filename, size_t _block_size),
         (a, _filename, _block_size))
DFC_LAZY(archive, int, archive_read_next_header, (Arc * a, Entry **e), (a, e))
DFC_LAZY(archive, la_ssize_t, archive_read_data, (Arc * a, void *buf, size_t n), (a, buf, n))
DFC_LAZY(archive, int, archive_read_data_block,
         (Arc * a, const void **buff, size_t *size, la_int64_t *offset), (a, buff, size, offset))
DFC_LAZY(archive, int, archive_read_data_skip, (Arc * a), (a))
DFC_LAZY(archive, struct archive *, archive_write_new, (void), ())
DFC_LAZY(archive, int, archive_write_close, (Arc * a), (a))
DFC_LAZY(archive, int, archive_write_free, (Arc * a), (a))
DFC_LAZY(archive, int, archive_write_header, (Arc * a, Entry *e), (a, e))
DFC_LAZY(archive, la_ssize_t, archive_write_data, (Arc * a, const void *buf, size_t n), (a, buf, n))
DFC_LAZY(archive, int, archive_write_open,
         (Arc * a, void *user, archive_open_callback *o, archive_write_callback *w,
          archive_close_callback *c),
         (a, user, o, w, c))
DFC_LAZY(archive, int, archive_write_open_filename, (Arc * a, const char *_file), (a, _file))
DFC_LAZY(archive, int, archive_write_open_fd, (Arc * a, int fd), (a, fd))
DFC_LAZY(archive, int, archive_write_set_bytes_per_block, (Arc * a, int bytes_per_block),
         (a, bytes_per_block))
DFC_LAZY(archive, int, archive_write_set_format_option,
         (Arc * a, const char *m, const char *o, const char *v), (a, m, o, v))
DFC_LAZY(archive, int, archive_write_set_format_pax_restricted, (Arc * a), (a))
