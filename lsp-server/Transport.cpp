// Content-Length framing with our own buffered reads, so a message split across reads or several
// messages in one read both work, and a bad header block never desynchronises the stream for long.
#include "lsp-server/Transport.h"

#include <llvm/ADT/StringRef.h>

#include <cerrno>
#include <sys/uio.h>
#include <unistd.h>

namespace dfc::lsp {

bool Transport::fill() {
  if (Eof)
    return false;
  if (Pos > 0 && (Pos == Buffer.size() || Pos > (1u << 20))) {
    Buffer.erase(0, Pos);
    Pos = 0;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(In, chunk, sizeof chunk);
    if (n > 0) {
      Buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR)
      continue;
    Eof = true;
    return false;
  }
}

bool Transport::readLine(std::string &line) {
  for (;;) {
    size_t nl = Buffer.find('\n', Pos);
    if (nl != std::string::npos) {
      line.assign(Buffer, Pos, nl - Pos);
      Pos = nl + 1;
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      return true;
    }
    if (!fill())
      return false;
  }
}

Transport::ReadStatus Transport::read(std::string &body) {
  std::string line;
  long long length = -1;
  bool sawHeader = false;
  for (;;) {
    if (!readLine(line))
      return ReadStatus::EndOfInput;
    if (line.empty()) {
      if (!sawHeader)
        continue; // stray blank lines between messages
      break;
    }
    sawHeader = true;
    llvm::StringRef l(line);
    auto [name, value] = l.split(':');
    if (name.trim().equals_insensitive("content-length")) {
      unsigned long long n;
      if (value.trim().getAsInteger(10, n) || n > (1ull << 30))
        length = -2;
      else
        length = static_cast<long long>(n);
    }
  }
  if (length < 0)
    return ReadStatus::BadHeader;
  while (Buffer.size() - Pos < static_cast<size_t>(length))
    if (!fill())
      return ReadStatus::EndOfInput;
  body.assign(Buffer, Pos, static_cast<size_t>(length));
  Pos += static_cast<size_t>(length);
  return ReadStatus::Message;
}

bool Transport::write(const std::string &body) {
  // Header and body go out in one writev: no copy of a large body into a framed string.
  std::string header = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  std::lock_guard<std::mutex> lock(WriteLock);
  iovec parts[2] = {{header.data(), header.size()}, {const_cast<char *>(body.data()), body.size()}};
  iovec *iov = parts;
  int count = 2;
  while (count > 0) {
    ssize_t n = ::writev(Out, iov, count);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    size_t done = static_cast<size_t>(n);
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char *>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return true;
}

} // namespace dfc::lsp
