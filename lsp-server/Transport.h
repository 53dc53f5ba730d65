// JSON-RPC 2.0 framing over a pair of file descriptors: `Content-Length` headers, then the body.
// Knows nothing of LSP methods; the Server decides what a message means.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

namespace dfc::lsp {

class Transport {
public:
  Transport(int inFd, int outFd) : In(inFd), Out(outFd) {}

  enum class ReadStatus { Message, EndOfInput, BadHeader };
  // Reads one framed message body. BadHeader: the header block had no usable Content-Length
  // (the body, if any, cannot be found; the caller reports it and reads on).
  ReadStatus read(std::string &body);
  // Writes one framed message; safe to call from several threads.
  bool write(const std::string &body);

private:
  bool fill();
  bool readLine(std::string &line);

  int In, Out;
  std::string Buffer;
  size_t Pos = 0;
  bool Eof = false;
  std::mutex WriteLock;
};

} // namespace dfc::lsp
