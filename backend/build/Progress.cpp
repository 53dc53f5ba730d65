// The tty view is redrawn from one thread every 100 ms (timers move) and on every event: cursor up
// over the previous live block, clear to the end of the screen, finished steps printed for good,
// then the header and the running steps, each cut to the terminal width so no line wraps (a
// wrapped line would break the count of lines to move up over).
#include "backend/build/Progress.h"

#include <algorithm>
#include <sys/ioctl.h>
#include <unistd.h>

namespace dfc::build {

namespace {
const size_t TailLines = 6;

std::string seconds1(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}
} // namespace

Progress::Progress(FILE *out, Style style) : Out(out), TheStyle(out ? style : Style::Quiet), Start(Clock::now()) {
  if (TheStyle == Style::Tty)
    Ticker = std::thread([this] {
      std::unique_lock<std::mutex> l(M);
      while (!Stop) {
        Wake.wait_for(l, std::chrono::milliseconds(100));
        if (!Stop)
          redraw();
      }
    });
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  {
    std::lock_guard<std::mutex> l(M);
    if (Stop)
      return;
    Stop = true;
    if (TheStyle == Style::Tty)
      redraw();
  }
  Wake.notify_all();
  if (Ticker.joinable())
    Ticker.join();
}

void Progress::print(const std::string &s) {
  if (TheStyle != Style::Quiet && Out) {
    std::fwrite(s.data(), 1, s.size(), Out);
    std::fflush(Out);
  }
}

unsigned Progress::width() const {
  struct winsize ws {};
  if (Out && ::ioctl(::fileno(Out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
    return ws.ws_col;
  return 80;
}

std::string Progress::stepLine(const Step &s, double seconds) const {
  std::string left = std::string(" => ") + (s.state == State::Cached ? "CACHED " : "") +
                     (s.state == State::Error ? "ERROR " : "") + s.title;
  std::string right = s.state == State::Cached ? "" : seconds1(seconds);
  size_t w = width() - 1;
  if (left.size() + right.size() + 1 > w)
    left = left.substr(0, w > right.size() + 4 ? w - right.size() - 4 : 0) + "...";
  size_t pad = w > left.size() + right.size() ? w - left.size() - right.size() : 1;
  return left + std::string(pad, ' ') + right;
}

void Progress::redraw() {
  std::string out;
  if (LiveLines)
    out += "\x1b[" + std::to_string(LiveLines) + "F";
  out += "\x1b[J";
  unsigned w = width() - 1;
  auto cut = [&](std::string s) { return s.size() > w ? s.substr(0, w) : s; };
  for (int n : Finished) {
    const Step &s = Steps[n];
    out += stepLine(s, s.seconds) + "\n";
    if (!s.reason.empty() && s.state != State::Cached)
      out += cut(" => => cache miss: " + s.reason) + "\n";
    if (s.state == State::Error) {
      for (const std::string &t : s.tail)
        out += cut(" => => # " + t) + "\n";
      out += " => => ERROR: " + s.error + "\n";
    }
  }
  Finished.clear();
  for (const std::string &t : Texts)
    out += t;
  Texts.clear();
  unsigned lines = 0;
  {
    auto now = Clock::now();
    out += cut("[+] Building " + seconds1(std::chrono::duration<double>(now - Start).count()) + " (" +
               std::to_string(Completed) + "/" + std::to_string(Total) + ")" + (Stop ? " FINISHED" : "")) +
           "\n";
    ++lines;
    for (int n : Order) {
      const Step &s = Steps[n];
      out += stepLine(s, std::chrono::duration<double>(now - s.start).count()) + "\n";
      ++lines;
      for (const std::string &t : s.tail) {
        out += cut(" => => # " + t) + "\n";
        ++lines;
      }
    }
  }
  LiveLines = Stop ? 0 : lines; // the final view stays on screen
  print(out);
}

int Progress::begin(const std::string &title) {
  std::lock_guard<std::mutex> l(M);
  int n = Next++;
  if (TheStyle == Style::Tty) {
    Step s;
    s.title = title;
    s.start = Clock::now();
    Steps[n] = std::move(s);
    Order.push_back(n);
    ++Total;
    redraw();
    return n;
  }
  print("#" + std::to_string(n) + " " + title + "\n");
  return n;
}

void Progress::line(int n, double t, llvm::StringRef text) {
  std::lock_guard<std::mutex> l(M);
  if (TheStyle == Style::Tty) {
    auto it = Steps.find(n);
    if (it == Steps.end())
      return;
    it->second.tail.push_back(text.str());
    if (it->second.tail.size() > TailLines)
      it->second.tail.pop_front();
    return; // the ticker shows it within 100 ms; a chatty step must not redraw per line
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, " %.3f ", t);
  print("#" + std::to_string(n) + buf + text.str() + "\n");
}

void Progress::cached(int n) {
  std::lock_guard<std::mutex> l(M);
  if (TheStyle == Style::Tty) {
    auto it = Steps.find(n);
    if (it == Steps.end())
      return;
    it->second.state = State::Cached;
    Order.erase(std::remove(Order.begin(), Order.end(), n), Order.end());
    Finished.push_back(n);
    ++Completed;
    redraw();
    return;
  }
  print("#" + std::to_string(n) + " CACHED\n\n");
}

void Progress::done(int n, double secs) {
  std::lock_guard<std::mutex> l(M);
  if (TheStyle == Style::Tty) {
    auto it = Steps.find(n);
    if (it == Steps.end())
      return;
    it->second.state = State::Done;
    it->second.seconds = secs;
    Order.erase(std::remove(Order.begin(), Order.end(), n), Order.end());
    Finished.push_back(n);
    ++Completed;
    redraw();
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, " DONE %.1fs\n\n", secs);
  print("#" + std::to_string(n) + buf);
}

void Progress::miss(int n, const std::string &reason) {
  std::lock_guard<std::mutex> l(M);
  if (TheStyle == Style::Tty) {
    auto it = Steps.find(n);
    if (it != Steps.end())
      it->second.reason = reason;
    return;
  }
  print("#" + std::to_string(n) + " CACHE MISS: " + reason + "\n");
}

void Progress::error(int n, const std::string &msg) {
  std::lock_guard<std::mutex> l(M);
  if (TheStyle == Style::Tty) {
    auto it = Steps.find(n);
    if (it == Steps.end())
      return;
    it->second.state = State::Error;
    it->second.error = msg;
    it->second.seconds = std::chrono::duration<double>(Clock::now() - it->second.start).count();
    Order.erase(std::remove(Order.begin(), Order.end(), n), Order.end());
    Finished.push_back(n);
    redraw();
    return;
  }
  print("#" + std::to_string(n) + " ERROR: " + msg + "\n\n");
}

void Progress::text(const std::string &s) {
  std::lock_guard<std::mutex> l(M);
  if (TheStyle == Style::Tty) {
    Texts.push_back(s);
    redraw();
    return;
  }
  print(s);
}

} // namespace dfc::build
