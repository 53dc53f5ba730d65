// Unit tests of the optimiser: which steps fold and merge at each level, and for every rewrite a
// case where it would be wrong and is refused. Also runs joined scripts in /bin/sh to check that
// the join keeps each body's exit status and isolation.
#include "ir/Build.h"
#include "ir/passes/opt/Optimise.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace dfc;
using namespace dfc::opt;

namespace {

struct Built {
  SyntaxTree tree;
  Program program;
  explicit Built(const std::string &text, BuildOptions opts = {}) : tree(parseDockerfile(text)) {
    program = buildProgram(tree, opts);
  }
};

// The last stage's units as "kind:i,j" strings.
std::vector<std::string> unitsOf(const std::string &dockerfile, Level level, Plan *out = nullptr) {
  Built b(dockerfile);
  INFO(dockerfile);
  REQUIRE_FALSE(b.program.hasErrors());
  Plan p = optimise(b.program, level);
  std::vector<std::string> r;
  const StagePlan *sp = p.stagePlan(b.program.stages.size() - 1);
  REQUIRE(sp);
  for (const Unit &u : sp->units) {
    std::string s = unitKindName(u.kind).str() + ":";
    for (size_t k = 0; k < u.steps.size(); ++k)
      s += (k ? "," : "") + std::to_string(u.steps[k]);
    r.push_back(s);
  }
  if (out)
    *out = p;
  return r;
}

using S = std::vector<std::string>;

// Runs `sh -c script` (with PATH set to `path` when given) and returns its exit status and
// output.
std::pair<int, std::string> shWith(const char *shell, const std::string &script, const std::string &path = "") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    if (!path.empty())
      ::setenv("PATH", path.c_str(), 1);
    ::execl(shell, shell, "-c", script.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
    out.append(buf, size_t(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::pair<int, std::string> sh(const std::string &script, const std::string &path = "") {
  return shWith("/bin/sh", script, path);
}

// O0: each body in its own `sh -c`, stopping at the first failure with its status.
std::pair<int, std::string> separately(const std::vector<std::string> &bodies, const std::string &path = "",
                                       const std::string &dir = "") {
  std::pair<int, std::string> out{0, ""};
  for (const std::string &b : bodies) {
    auto r = sh(dir.empty() ? b : "cd " + dir + "\n" + b, path);
    out.second += r.second;
    out.first = r.first;
    if (r.first != 0)
      break;
  }
  return out;
}

// The join the old `SH -c` processes were there to avoid: every body inline, nothing between.
std::string naivelyInlined(const std::vector<std::string> &bodies) {
  std::string out;
  for (const std::string &b : bodies)
    out += (out.empty() ? "{ " : " && { ") + b + "\n}";
  return out;
}

} // namespace

TEST_CASE("O0 keeps every step; O1 folds metadata; O2 merges RUNs", "[opt]") {
  std::string df = "FROM x\nENV A=1\nLABEL l=1\nRUN echo a\nRUN echo b\nEXPOSE 80\nRUN echo c\nCMD [\"x\"]\n";
  CHECK(unitsOf(df, Level::O0) == S{"config:0", "config:1", "step:2", "step:3", "config:4", "step:5", "config:6"});
  CHECK(unitsOf(df, Level::O1) == S{"config:0,1", "step:2", "step:3", "config:4", "step:5", "config:6"});
  CHECK(unitsOf(df, Level::O2) == S{"config:0,1", "merged-run:2,3,5", "config:4", "config:6"});
}

TEST_CASE("O2 stops a RUN group before its script passes the kernel's limit for one argument", "[opt]") {
  // Each body is ~90 KB (three lines under BuildKit's 64 KiB line limit): alone each runs, joined
  // two of them no longer fit in one execve argument (E2BIG: the merged group could not start).
  std::string line(30000, 'x');
  std::string body = "echo " + line + " \\\n " + line + " \\\n " + line + " | wc -c";
  std::string df = "FROM busybox\nWORKDIR /w\nRUN " + body + " >/one\nRUN " + body + " >/two\nRUN " + body + " >/three\n";
  Plan p;
  CHECK(unitsOf(df, Level::O2, &p) == S{"step:0", "step:1", "step:2", "step:3"});
  REQUIRE(p.refusals.size() == 2);
  CHECK_THAT(p.refusals[0].reason, Catch::Contains("128 KiB"));
  // Small bodies still merge, and a stage without WORKDIR still merges a long run of them.
  std::string many = "FROM busybox\n";
  for (int k = 0; k < 40; ++k)
    many += "RUN echo " + std::to_string(k) + "\n";
  std::vector<std::string> units = unitsOf(many, Level::O2);
  REQUIRE(units.size() >= 2);
  CHECK(units[0].rfind("merged-run:0,1,2,3,4,5,6,7,8,9,10,11,12", 0) == 0);
}

TEST_CASE("O2 merges consecutive COPYs and refuses --link", "[opt]") {
  CHECK(unitsOf("FROM x\nCOPY a /a\nCOPY b /b\nADD c /c\n", Level::O2) == S{"merged-copy:0,1,2"});
  Plan p;
  CHECK(unitsOf("FROM x\nCOPY a /a\nCOPY --link b /b\n", Level::O2, &p) == S{"step:0", "step:1"});
  REQUIRE(p.refusals.size() == 1);
  CHECK(p.refusals[0].reason == "--link writes an independent layer");
  // WORKDIR between two COPYs changes where a relative dest lands.
  CHECK(unitsOf("FROM x\nCOPY a b\nWORKDIR /w\nCOPY a b\n", Level::O2, &p) == S{"step:0", "step:1", "step:2"});
}

TEST_CASE("RUN merges are refused where the join would change the result", "[opt]") {
  struct Case {
    std::string dockerfile, reason;
  } cases[] = {
      {"FROM x\nRUN echo a\nENV A=1\nRUN echo $A\n", "ENV at line 3 between them changes the environment"},
      {"FROM x\nRUN echo a\nARG V=1\nRUN echo $V\n", "ARG at line 3 between them changes the environment"},
      {"FROM x\nRUN id\nUSER nobody\nRUN id\n", "USER at line 3 between them changes the user"},
      {"FROM x\nRUN pwd\nSHELL [\"/bin/bash\", \"-c\"]\nRUN pwd\n", "SHELL at line 3 between them changes the shell"},
      {"FROM x\nRUN echo a\nRUN [\"echo\", \"b\"]\n", "exec form runs no shell to join with"},
      {"FROM x\nRUN echo a\nRUN --network=none echo b\n", "different --network"},
      {"FROM x\nRUN --mount=type=cache,target=/c echo a\nRUN echo b\n", "different --mount flags"},
      {"FROM x\nRUN --mount=type=tmpfs,target=/t touch /t/x\nRUN --mount=type=tmpfs,target=/t ls /t\n",
       "a tmpfs mount is fresh for each RUN"},
      {"FROM x\nRUN sleep 5 & echo a\nRUN echo b\n", "the command has a background job ('&')"},
      {"FROM x\nRUN echo a\nRUN <<EOF\necho b\nEOF\n", "a here-document body"},
      {"FROM x\nRUN echo \"a\nRUN echo b\n", "the command has an unclosed quote, $( ), ${ } or ( )"},
  };
  for (const Case &c : cases) {
    DYNAMIC_SECTION(c.dockerfile) {
      Plan p;
      auto units = unitsOf(c.dockerfile, Level::O2, &p);
      for (const std::string &u : units)
        CHECK(llvm::StringRef(u).startswith("merged") == false);
      REQUIRE(p.refusals.size() == 1);
      CHECK(p.refusals[0].reason == c.reason);
    }
  }
}

TEST_CASE("bodies the background-job check can follow merge", "[opt]") {
  std::string df = "FROM x\nRUN echo \"$(date) ${A:-x}\" 2>&1 >/dev/null # it's fine\n"
                   "RUN for i in 1 2; do echo $i; done && { echo x; }\nRUN (cd /tmp && ls) || true\n"
                   "RUN echo 'it''s' 2>&1\n";
  CHECK(unitsOf(df, Level::O2) == S{"merged-run:0,1,2,3"});
}

TEST_CASE("a non-POSIX shell from the caller refuses merging", "[opt]") {
  Built b("FROM x\nRUN a\nRUN b\n");
  Plan p = optimise(b.program, Level::O2, [](size_t, size_t) { return std::vector<std::string>{"cmd", "/S", "/C"}; });
  REQUIRE(p.refusals.size() == 1);
  CHECK(p.refusals[0].reason == "the shell is not a POSIX sh ending in -c");
}

TEST_CASE("joined scripts keep each body's exit status and isolation", "[opt]") {
  // O0 runs each body in its own `sh -c` and stops at the first failure; the join must print the
  // same, end with the same status, and let no state (set +e/-e, cd, variables, exit, comments,
  // syntax errors) leak from one body into the next. `set -e` inside a body is the case a
  // subshell join `( A ) && ( B )` gets wrong.
  std::vector<std::vector<std::string>> cases = {
      {"echo a", "exit 3", "echo never"},
      {"set +e; false", "echo b"},
      {"set +e; false; echo x", "false; echo y", "echo z"},
      {"set -e; false; echo x", "echo b"},
      {"cd /tmp; X=1; set -u", "pwd; echo ${X:-unset}"},
      {"echo a # comment ) && (", "echo b"},
      {"echo 'it'\\''s' \"$0\"", "if true; then echo unclosed", "echo never"},
      {"trap 'echo trapped' EXIT; echo a", "echo b"},
      {"false || true", "sh -c 'exit 7'", "echo c"},
      {"exec >/dev/null; echo hidden", "echo shown"},
  };
  for (const auto &bodies : cases) {
    std::string joined = joinRunScripts({"/bin/sh", "-c"}, bodies);
    DYNAMIC_SECTION(joined) { CHECK(sh(joined) == separately(bodies)); }
  }
}

TEST_CASE("plain bodies run inline in one shell, with the failing body's status", "[opt]") {
  CHECK(joinRunScripts({"/bin/sh", "-c"}, {"echo a", "echo b # c"}) == "{ echo a\n} && hash -r && { echo b # c\n}");
  CHECK(joinRunScripts({"/bin/sh", "-c"}, {"echo a", "cd /x"}) == "{ echo a\n} && '/bin/sh' '-c' 'cd /x'");
  CHECK(joinRunScripts({"/bin/sh", "-c"}, {"echo a", "echo b"}, /*mayInline=*/false) ==
        "'/bin/sh' '-c' 'echo a' && '/bin/sh' '-c' 'echo b'");
  CHECK(joinRunScripts({"/bin/sh", "-c"}, {"echo a", "cd /x", "echo c"}, true, "/w") ==
        "{ echo a\n} && { [ . -ef '/w' ] || { cd -P -- '/w' && unset OLDPWD; }; } && '/bin/sh' '-c' 'cd /x' && "
        "{ hash -r; [ . -ef '/w' ] || { cd -P -- '/w' && unset OLDPWD; }; } && { echo c\n}");
  // peers/build/b's bodies: all inline.
  for (const char *body : {"mkdir -p /opt/app/bin /opt/app/etc /opt/app/data", "echo \"one\" > /opt/app/data/1.txt",
                           "printf '#!/bin/sh\\necho app\\n' > /opt/app/bin/app", "chmod +x /opt/app/bin/app",
                           "echo \"export APP_DIR=$APP_DIR\" > /opt/app/etc/env.sh",
                           "adduser -D -H -u 1000 app 2>/dev/null || echo 'app:x:1000:1000::/opt/app:/bin/sh' >> "
                           "/etc/passwd",
                           "chown -R 1000:1000 /opt/app/data /var/log/app"}) {
    INFO(body);
    CHECK_FALSE(notInlinable(body));
  }
  std::vector<std::vector<std::string>> cases = {
      {"echo a", "false", "echo never"},
      {"echo a | tr a b", "(echo sub; exit 4)", "echo never"},
      {"true && false || echo or; echo $?", "sh -c 'exit 7'", "echo never"},
      {"! false", "if true; then echo then; else false; fi", "while false; do :; done; echo w"},
      {"echo \"$(echo 'x)'; cd /)\" `pwd`", "{ echo g; } >/dev/null; echo '{'", "echo } fi done"},
      {"echo a # ) } fi", "test -z \"$0\" || echo \"$0\"", "A=1 env | grep -c '^A=1$'", "echo ${A:-unset}"},
      {"ls /nonexistent 2>/dev/null", "echo never"},
      {"echo ok\\\n  more", "echo $((1 + 2 == 3))"},
  };
  for (const auto &bodies : cases) {
    std::string joined = joinRunScripts({"/bin/sh", "-c"}, bodies);
    DYNAMIC_SECTION(joined) {
      CHECK(llvm::StringRef(joined).startswith("{ "));
      CHECK(llvm::StringRef(joined).contains("'-c'") == false);
      CHECK(sh(joined) == separately(bodies));
    }
  }
}

TEST_CASE("bodies that change the shell or leave their control flow keep their own process", "[opt]") {
  // Each pair (A, B): A is refused, running A and B naively inline differs from O0 (so the
  // refusal is needed), and the join equals O0.
  struct Case {
    std::string a, b, reason;
  } cases[] = {
      {"cd /tmp", "pwd", "'cd'"},
      {"X=1", "echo ${X:-unset}", "an assignment without a command"},
      {"X=1 :", "echo ${X:-unset}", "an assignment before the builtin ':'"},
      {"export X=1", "env | grep -c '^X=' || true", "'export'"},
      {"unset HOME", "echo ${HOME:-unset}", "'unset'"},
      {"set -u", "echo ${UNSET_Y}x", "'set'"},
      {"( set -e; false; echo x )", "echo b", "'set'"},
      {"trap 'echo trapped' EXIT", "echo b", "'trap'"},
      {"umask 077", "umask", "'umask'"},
      {"eval X=1", "echo ${X:-unset}", "'eval'"},
      {"exec >/dev/null", "echo shown", "'exec'"},
      {"exit 0", "echo b", "'exit'"},
      {"read X </etc/passwd", "echo ${X:-unset}", "'read'"},
      {"getopts a X || true", "echo ${X:-unset}", "'getopts'"},
      {"f() { echo f; }", "f 2>/dev/null || echo none", "a function definition"},
      {"echo ${X=1}", "echo ${X:-unset}", "an assignment in ${X=...}"},
      {"echo ${X:=1}", "echo ${X:-unset}", "an assignment in ${X=...}"},
      {"echo $((X=1))", "echo ${X:-unset}", "an arithmetic assignment"},
      {"for X in a; do :; done", "echo ${X:-unset}", "'for'"},
      {"echo x; }  && { echo y", "echo z", "a '}' where it does not belong"},
      {"echo {; } && { echo }", "echo z", "a '}' where it does not belong"},
  };
  for (const Case &c : cases) {
    DYNAMIC_SECTION(c.a) {
      auto why = notInlinable(c.a);
      REQUIRE(why);
      CHECK_THAT(*why, Catch::Contains(c.reason));
      std::vector<std::string> bodies = {c.a, c.b};
      CHECK(sh(naivelyInlined(bodies)) != separately(bodies));
      CHECK(sh(joinRunScripts({"/bin/sh", "-c"}, bodies)) == separately(bodies));
    }
  }
  // Refused where a shell (dash here or another) would differ or the check cannot read it.
  for (const char *body : {"echo $$", "echo $LINENO", "echo $(set -e; false; echo x)", "(eval set -e)", "echo $!", "echo $-", "echo $PPID", "echo ${RANDOM}", "alias ll=ls",
                           ". /dev/null", "source /dev/null", "wait", "return 0", "break", "continue",
                           "shopt -s nullglob", "ulimit -n 64", "printf -v X %s 1", "hash -r",
                           "command cd /", "$CMD /", "(( X = 1 ))", "case a in a) true;; esac",
                           "[[ -n x ]]", "# only a comment", "echo a &&", "if true; then echo x",
                           "A=1 >/tmp/f if true; then :; fi", "function f { :; }", "exec 3>/dev/null",
                           "echo a; exit", "pushd /tmp", "let X=1", "local X", "declare X=1",
                           "echo $'\\''; cd /tmp; echo '", "c\\\nd /tmp", "\"c\\\nd\" /tmp", "echo $(echo $'\\')'); cd /tmp; echo ')",
                           "{ echo; }\r"}) {
    INFO(body);
    CHECK(notInlinable(body));
  }
}

TEST_CASE("assignments hidden in arithmetic and bash's assignment forms keep their own process", "[opt]") {
  // Each (shell, A, B): A naively inlined changes what B prints in that shell; the join does not.
  struct Case {
    const char *shell;
    std::string a, b;
  } cases[] = {
      {"/bin/sh", "echo $((X<<=1))", "echo ${X:-unset}"},
      {"/bin/sh", "echo $((X>>=1))", "echo ${X:-unset}"},
      {"/bin/bash", "echo $[X=5]", "echo ${X:-unset}"},
      {"/bin/bash", "echo ${a[X=3]}", "echo ${X:-unset}"},
      {"/bin/bash", "echo ${HOME:X=0:1}", "echo ${X:-unset}"},
      {"/bin/bash", "X+=1", "echo ${X:-unset}"},
      {"/bin/bash", "X=\"1\"", "echo ${X:-unset}"},
      {"/bin/sh", "X='1'", "echo ${X:-unset}"},
      {"/bin/bash", "a[0]=1", "echo ${a:-unset}"},
      {"/bin/bash", "a[\"k\"]=1", "echo ${a[k]:-unset}"},
      {"/bin/bash", "echo a", "echo \"$BASH_EXECUTION_STRING\""},
      {"/bin/bash", "a=(1 2); echo ${#a[X=1]}", "echo ${X:-unset}"},
      // The shell's messages name the line, which counts from the top of the joined script.
      {"/bin/sh", "echo a", "no-such-command 2>/tmp/dfc-opt-test-err || true; cat /tmp/dfc-opt-test-err"},
      {"/bin/sh", "echo a", "{ no-such-command; } 2>&1 | cat"},
      {"/bin/bash", "echo a", "no-such-command |& cat"},
      {"/bin/bash", "echo a", "no-such-command &>/tmp/dfc-opt-test-err; cat /tmp/dfc-opt-test-err"},
      {"/bin/bash", "echo a", "no-such-command >&/tmp/dfc-opt-test-err; cat /tmp/dfc-opt-test-err"},
  };
  for (const Case &c : cases) {
    DYNAMIC_SECTION(c.shell << " " << c.a << " then " << c.b) {
      if (::access(c.shell, X_OK) != 0) {
        WARN("SKIP: no " << c.shell);
        continue;
      }
      std::vector<std::string> bodies = {c.a, c.b};
      std::pair<int, std::string> alone{0, ""};
      for (const std::string &b : bodies) {
        auto r = shWith(c.shell, b);
        alone.second += r.second;
        alone.first = r.first;
      }
      CHECK(shWith(c.shell, naivelyInlined(bodies)) != alone);
      CHECK(shWith(c.shell, joinRunScripts({c.shell, "-c"}, bodies)) == alone);
    }
  }
  ::unlink("/tmp/dfc-opt-test-err");
}

TEST_CASE("a later body whose stderr goes to the log or /dev/null still runs inline", "[opt]") {
  for (const char *b : {"ls /nonexistent 2>/dev/null || true", "echo x >&2", "true 2>>/dev/null", "true 2> /dev/null"}) {
    INFO(b);
    CHECK_THAT(joinRunScripts({"/bin/sh", "-c"}, {"true", b}), Catch::Contains(std::string("{ ") + b));
  }
}

TEST_CASE("random bodies: the join prints and ends as separate shells do", "[opt]") {
  // Bodies drawn from words that change the shell, words that do not, structure and operators,
  // whatever notInlinable decides: the join must equal separate `sh -c` runs (stdout and status).
  const char *pieces[] = {"echo a", "echo $X", "X=1", "cd /", "pwd", "false", "true", "set -e", "exit 3",
                          "{", "}", "(", ")", "if true;", "then", "else", "fi", "while false;", "do", "done",
                          ";", "&&", "||", "|", "\n", "export X=2", "unset X", "# c", "echo ${X:-u}",
                          "echo $(echo s)", ">/dev/null", "X=3 echo p", "trap 'echo t' EXIT", "!",
                          "f() { echo f; }", "f", "cat", "exit 0", "echo \"$((1+1))\""};
  uint32_t seed = 12345;
  auto next = [&seed](uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
  };
  size_t inlined = 0;
  for (int k = 0; k < 300; ++k) {
    std::vector<std::string> bodies;
    for (uint32_t b = 0, nb = 2 + next(2); b < nb; ++b) {
      std::string body;
      for (uint32_t p = 0, np = 1 + next(5); p < np; ++p)
        body += (body.empty() ? "" : " ") + std::string(pieces[next(std::size(pieces))]);
      if (unmergeableBody(body))
        body = "echo " + std::to_string(b); // merging itself refuses it
      inlined += !notInlinable(body);
      bodies.push_back(body);
    }
    std::string joined = joinRunScripts({"/bin/sh", "-c"}, bodies, true, "/");
    INFO(joined);
    CHECK(sh("cd / && " + joined) == separately(bodies, "", "/"));
  }
  CHECK(inlined > 100); // the draw reaches the inline path
}

TEST_CASE("an inlined body finds a command installed by the body before it", "[opt]") {
  // The shell hashes where it found a command; O0's next RUN searches PATH afresh.
  char tmpl[] = "/tmp/dfc-opt-hash.XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string d(tmpl);
  REQUIRE(::mkdir((d + "/first").c_str(), 0755) == 0);
  REQUIRE(::mkdir((d + "/second").c_str(), 0755) == 0);
  std::string path = d + "/first:" + d + "/second:/usr/bin:/bin";
  REQUIRE(sh("printf '#!/bin/sh\\necho second\\n' > " + d + "/second/tool && chmod +x " + d + "/second/tool").first ==
          0);
  std::vector<std::string> bodies = {
      "tool && printf '#!/bin/sh\\necho first\\n' > " + d + "/first/tool && chmod +x " + d + "/first/tool", "tool"};
  CHECK_FALSE(notInlinable(bodies[0]));
  auto o0 = separately(bodies, path);
  CHECK(o0 == std::pair<int, std::string>{0, "second\nfirst\n"});
  ::unlink((d + "/first/tool").c_str());
  CHECK(sh(joinRunScripts({"/bin/sh", "-c"}, bodies), path) == o0);
  ::unlink((d + "/first/tool").c_str());
  CHECK(sh(naivelyInlined(bodies), path) != o0); // without hash -r
  sh("rm -r " + d);
}

TEST_CASE("O1 drops stages the target does not need and schedules waves", "[opt]") {
  std::string df = "FROM x AS a\nRUN a\nFROM x AS b\nRUN b\nFROM x AS unused\nRUN u\n"
                   "FROM a AS c\nCOPY --from=b /b /b\n";
  Built b(df);
  REQUIRE_FALSE(b.program.hasErrors());
  Plan p1 = optimise(b.program, Level::O1);
  CHECK(p1.dropped == std::vector<size_t>{2});
  CHECK(p1.waves == std::vector<std::vector<size_t>>{{0, 1}, {3}});
  // A stage used only through COPY --from is needed: never dropped.
  CHECK(p1.stagePlan(1) != nullptr);
  Plan p0 = optimise(b.program, Level::O0);
  CHECK(p0.dropped.empty());
  CHECK(p0.waves == std::vector<std::vector<size_t>>{{0}, {1}, {2}, {3}});
}

TEST_CASE("merged keys differ from member keys and follow them", "[opt]") {
  std::string k = mergedKey({"sha256:a", "sha256:b"});
  CHECK(k != "sha256:b");
  CHECK(k == mergedKey({"sha256:a", "sha256:b"}));
  CHECK(k != mergedKey({"sha256:a", "sha256:c"}));
  CHECK(parseLevel("-O2") == Level::O2);
  CHECK(parseLevel("1") == Level::O1);
  CHECK_FALSE(parseLevel("3"));
}
