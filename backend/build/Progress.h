// What `dfc build` shows while it runs: BuildKit's plain log ("#N [stage k/n] TEXT", output lines,
// "#N DONE 0.1s"), or on a terminal a redrawn view of the running steps with timers and their last
// output lines, finished steps scrolling away above it as BuildKit's tty progress does.
#pragma once

#include <llvm/ADT/StringRef.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dfc::build {

class Progress {
public:
  enum class Style { Plain, Tty, Quiet };
  Progress(FILE *out, Style style);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  int begin(const std::string &title);
  void line(int n, double seconds, llvm::StringRef text); // a line the step printed
  void cached(int n);
  void done(int n, double seconds);
  void miss(int n, const std::string &reason);
  void error(int n, const std::string &message);
  void text(const std::string &s); // free text after the steps (lint warnings)
  // Draws the final state and stops redrawing (the destructor does it too).
  void finish();

private:
  using Clock = std::chrono::steady_clock;
  enum class State { Running, Done, Cached, Error };
  struct Step {
    std::string title;
    Clock::time_point start;
    State state = State::Running;
    double seconds = 0;
    std::string reason; // cache miss reason
    std::string error;
    std::deque<std::string> tail; // last output lines, shown while it runs and on error
  };

  void print(const std::string &s);
  // Tty: erases the live block, prints finished steps for good, draws the running ones again.
  void redraw();
  std::string stepLine(const Step &s, double seconds) const;
  unsigned width() const;

  FILE *Out;
  Style TheStyle;
  std::mutex M;
  int Next = 1;
  Clock::time_point Start;
  // Tty state.
  std::map<int, Step> Steps;
  std::vector<int> Order;      // running steps in the order they began
  std::vector<int> Finished;   // finished since the last redraw, to print above the live block
  std::vector<std::string> Texts;
  unsigned LiveLines = 0;      // lines of the live block on screen now
  size_t Total = 0, Completed = 0;
  bool Stop = false;
  std::condition_variable Wake;
  std::thread Ticker;
};

} // namespace dfc::build
