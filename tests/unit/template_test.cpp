// Warm templates (Sandbox::prepare, Template::spawn): runs forked from a
// program frozen at its ready point, each isolated from the others and from
// the template, with fresh limits, counters and randomness.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

using namespace vmrun;

namespace {

const Arch kArches[] = {Arch::X86_64, Arch::RiscV64};

SpawnRequest input(const std::string& text) {
  SpawnRequest s;
  s.stdin_data = text;
  return s;
}

// A python3 template: `setup` runs before the ready point, then the program
// comes on stdin and runs in the same globals.
Template python_template(const Sandbox& box, const std::string& setup) {
  RunRequest r;
  r.argv = {"/usr/bin/python3", "-c",
            "import sys, os\n" + setup +
                "\nsys.stdout.flush()\nsrc = sys.stdin.read()\nexec(compile(src, '<stdin>', 'exec'))\n"};
  return box.prepare(r);
}

// The spawns (children) the holder process has right now.
std::vector<int> holder_children(int holder) {
  std::ifstream f("/proc/" + std::to_string(holder) + "/task/" + std::to_string(holder) + "/children");
  std::vector<int> pids;
  for (int pid; f >> pid;) pids.push_back(pid);
  return pids;
}

bool process_exists(int pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

// Host CPU ticks a process has used (utime + stime of /proc/PID/stat).
long cpu_ticks(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream rest(text.substr(paren + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; i++) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// The holder's child running a busy spawn: besides it the holder may have
// a standby spawn forked ahead, idle. Waits until one has used CPU.
int busy_spawn(int holder) {
  for (int i = 0; i < 1000; i++) {
    for (int pid : holder_children(holder))
      if (cpu_ticks(pid) > 5) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace

TEST_CASE("a template spawns runs from its ready point on both architectures") {
  for (Arch arch : kArches) {
    Sandbox box(test::config_for(arch));
    Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
    INFO(arch_name(arch) << " " << t.prepare_result().message);
    REQUIRE(t.ready());
    CHECK(t.holder_pid() > 0);
    CHECK(t.prepare_result().arch == arch);
    CHECK(t.prepare_result().instructions > 0);
    for (int code : {0, 3, 7}) {
      RunResult r = t.spawn(input("echo hello " + std::to_string(code) + "; exit " + std::to_string(code) + "\n"));
      INFO(r.message);
      CHECK(r.stop_reason == StopReason::Exited);
      CHECK(r.exit_code == code);
      CHECK(r.stdout_data == "hello " + std::to_string(code) + "\n");
      CHECK(r.arch == arch);
    }
    // End of input ends the shell: its stdin is the spawn's, not the template's.
    RunResult eof = t.spawn(SpawnRequest{});
    CHECK(eof.stop_reason == StopReason::Exited);
    CHECK(eof.exit_code == 0);
  }
}

TEST_CASE("a program that ends before its ready point gives its result, not a template") {
  Sandbox box(test::config_for(Arch::X86_64));
  Template t = box.prepare(test::request({"/bin/busybox", "sh", "-c", "echo early; exit 4"}));
  CHECK_FALSE(t.ready());
  CHECK(t.holder_pid() == 0);
  CHECK(t.prepare_result().stop_reason == StopReason::Exited);
  CHECK(t.prepare_result().exit_code == 4);
  CHECK(t.prepare_result().stdout_data == "early\n");
  RunResult r = t.spawn(input("echo no\n"));
  CHECK(r.stop_reason == StopReason::SandboxError);

  Config uncontained = test::config_for(Arch::X86_64);
  uncontained.contain = false;
  Template u = Sandbox(uncontained).prepare(test::request({"/bin/busybox", "sh"}));
  CHECK_FALSE(u.ready());
  CHECK(u.prepare_result().stop_reason == StopReason::SandboxError);
}

TEST_CASE("files written by a spawn are seen by neither the next spawn nor the template") {
  Sandbox box(test::config_for(Arch::X86_64));
  // The template writes a file before its ready point; every spawn starts from it.
  Template t = box.prepare(test::request({"/bin/busybox", "sh", "-c", "echo base > /tmp/base; exec /bin/busybox sh"}));
  REQUIRE(t.ready());
  RunResult first = t.spawn(input("cat /tmp/base; echo changed > /tmp/base; echo mine > /tmp/new; cat /tmp/new\n"));
  CHECK(first.stdout_data == "base\nmine\n");
  RunResult second = t.spawn(input("cat /tmp/base; cat /tmp/new 2>/dev/null || echo absent\n"));
  CHECK(second.stdout_data == "base\nabsent\n");
}

TEST_CASE("the spawn's additions to env and args are files the guest reads") {
  Sandbox box(test::config_for(Arch::X86_64));
  Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(t.ready());
  SpawnRequest s = input("tr '\\0' '\\n' < /run/vmrun/env; tr '\\0' '\\n' < /run/vmrun/args\n");
  s.env = {"GREETING=hi there", "N=2"};
  s.args = {"--one", "two"};
  RunResult r = t.spawn(s);
  CHECK(r.stdout_data == "GREETING=hi there\nN=2\n--one\ntwo\n");
  RunResult bare = t.spawn(input("wc -c < /run/vmrun/env; wc -c < /run/vmrun/args\n"));
  CHECK(bare.stdout_data == "0\n0\n");
}

TEST_CASE("guest memory changed by a spawn, shared mappings included, is not seen by the next") {
  for (Arch arch : kArches) {
    Sandbox box(test::config_for(arch));
    // mmap.mmap(-1, n) is an anonymous MAP_SHARED mapping: host-shared memory.
    Template t = python_template(box, "import mmap\nshared = mmap.mmap(-1, 4096)\nshared[0:4] = b'tmpl'\nitems = [1]");
    INFO(arch_name(arch) << " " << t.prepare_result().message << t.prepare_result().stderr_data);
    REQUIRE(t.ready());
    const std::string program = "print(bytes(shared[0:5]), items)\nshared[0:5] = b'dirty'\nitems.append(2)\n";
    RunResult first = t.spawn(input(program));
    INFO(first.message << first.stderr_data);
    CHECK(first.stdout_data == "b'tmpl\\x00' [1]\n");
    RunResult second = t.spawn(input(program));
    CHECK(second.stdout_data == "b'tmpl\\x00' [1]\n");
  }
}

TEST_CASE("every spawn has the same pids, in a process table of its own") {
  Sandbox box(test::config_for(Arch::X86_64));
  Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(t.ready());
  // ls alone (no pipeline: whether grep exists yet when ls reads /proc
  // is a race once a spawn's turns end by the clock, as on Linux).
  const std::string script = "echo $$; /bin/busybox sh -c 'echo $$'; ls /proc > /tmp/p; grep -c '^[0-9]' /tmp/p\n";
  RunResult a = t.spawn(input(script));
  RunResult b = t.spawn(input(script));
  CHECK(a.stop_reason == StopReason::Exited);
  CHECK(a.stdout_data == b.stdout_data);
  std::istringstream lines(a.stdout_data);
  std::string self, child, count;
  lines >> self >> child >> count;
  CHECK(self == "1");
  CHECK(child != self);
  CHECK(count == "2");  // the shell and ls: nothing of other spawns
}

TEST_CASE("each spawn gets fresh randomness unless the template is deterministic") {
  const std::string program =
      "print(os.urandom(16).hex(), open('/dev/urandom', 'rb').read(16).hex())\n";
  for (Arch arch : kArches) {
    Sandbox box(test::config_for(arch));
    Template t = python_template(box, "");
    INFO(arch_name(arch) << " " << t.prepare_result().message);
    REQUIRE(t.ready());
    RunResult a = t.spawn(input(program));
    RunResult b = t.spawn(input(program));
    INFO(a.message << a.stderr_data);
    REQUIRE(a.stdout_data.size() == 66);
    REQUIRE(b.stdout_data.size() == 66);
    CHECK(a.stdout_data.substr(0, 32) != b.stdout_data.substr(0, 32));    // getrandom
    CHECK(a.stdout_data.substr(33, 32) != b.stdout_data.substr(33, 32));  // /dev/urandom
  }
  Config c = test::config_for(Arch::X86_64);
  c.deterministic = true;
  c.seed = 42;
  Template d = python_template(Sandbox(c), "");
  REQUIRE(d.ready());
  RunResult a = d.spawn(input(program));
  RunResult b = d.spawn(input(program));
  REQUIRE(a.stdout_data.size() == 66);
  CHECK(a.stdout_data == b.stdout_data);
  CHECK(a.instructions == b.instructions);
  SpawnRequest other = input(program);
  other.seed = 43;
  CHECK(d.spawn(other).stdout_data != a.stdout_data);
}

TEST_CASE("a spawn without a budget is not counted, and its busy tasks still take turns") {
  for (Arch arch : kArches) {
    Config c = test::config_for(arch);
    c.limits.timeout_seconds = 30;
    Sandbox box(c);
    Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
    INFO(arch_name(arch) << " " << t.prepare_result().message);
    REQUIRE(t.ready());
    // A child that never blocks and a parent that must run beside it:
    // only the watchdog's tick ends the child's turns (its block hook
    // returns at once in such a spawn).
    const std::string script = "while :; do :; done & sleep 0.2; echo after; kill $!; wait $!; echo $?\n";
    RunResult r = t.spawn(input(script));
    INFO(r.message << r.stderr_data);
    CHECK(r.stop_reason == StopReason::Exited);
    CHECK(r.stdout_data == "after\n143\n");
    CHECK_FALSE(r.instructions.has_value());
    CHECK(r.wall_seconds < 20);
    // Past InstructionMeter::kDropHooksAfterNs of CPU time the spawn's
    // counting hooks are removed and its blocks translated again: the
    // results stay right.
    RunResult busy = t.spawn(input("i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done; echo $i\n"));
    INFO(busy.message << busy.stderr_data);
    CHECK(busy.stdout_data == "40000\n");
    CHECK(busy.host_cpu_seconds > 0.2);
    // With a budget the same template's spawn counts exactly again.
    SpawnRequest counted = input("echo hi\n");
    counted.limits = c.limits;
    counted.limits->max_instructions = 500'000'000;
    RunResult k = t.spawn(counted);
    CHECK(k.stdout_data == "hi\n");
    REQUIRE(k.instructions.has_value());
    CHECK(*k.instructions > 0);
  }
}

TEST_CASE("instructions, time and limits count from the spawn") {
  Config c = test::config_for(Arch::X86_64);
  c.limits.timeout_seconds = 60;
  Sandbox box(c);
  const auto before_prepare = std::chrono::steady_clock::now();
  Template t = python_template(box, "import json, decimal");
  REQUIRE(t.ready());
  REQUIRE(t.prepare_result().instructions.has_value());  // templates count: their spawns may bring a budget
  const uint64_t to_ready = *t.prepare_result().instructions;
  RunResult r = t.spawn(input("print(sum(range(10)))\n"));
  const double since_prepare =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - before_prepare).count();
  CHECK(r.stop_reason == StopReason::Exited);
  CHECK(r.stdout_data == "45\n");
  // No budget: not counted, like a run without one (timed turns; the
  // template's block hooks return at once).
  CHECK_FALSE(r.instructions.has_value());
  SpawnRequest counted = input("print(sum(range(10)))\n");
  counted.limits = c.limits;
  counted.limits->max_instructions = 1'000'000'000;
  RunResult rc = t.spawn(counted);
  CHECK(rc.stdout_data == "45\n");
  REQUIRE(rc.instructions.has_value());
  CHECK(*rc.instructions > 0);
  CHECK(*rc.instructions < to_ready);  // counted from the template's start, it would be more
  // Counted from the template's start, the spawn's wall time would take
  // in the preparation too (whatever the machine's load).
  CHECK(r.wall_seconds + 0.9 * t.prepare_result().wall_seconds < since_prepare);
  CHECK(r.started_at >= t.prepare_result().started_at + t.prepare_result().wall_seconds - 0.01);

  // A budget smaller than what the template used is enough for a spawn.
  SpawnRequest small = input("print(2)\n");
  small.limits = c.limits;
  small.limits->max_instructions = to_ready / 2;
  RunResult within = t.spawn(small);
  CHECK(within.stop_reason == StopReason::Exited);
  CHECK(within.limits.max_instructions == to_ready / 2);

  // Hitting the instruction limit is classified like a run's, exactly.
  SpawnRequest loop = input("while True: pass\n");
  loop.limits = c.limits;
  loop.limits->max_instructions = 3'000'000;
  RunResult stopped = t.spawn(loop);
  CHECK(stopped.stop_reason == StopReason::InstructionLimit);
  CHECK(stopped.instructions == 3'000'000);
  CHECK(stopped.exit_status() == 124);

  // And the time limit, from the spawn's start.
  SpawnRequest slow = input("while True: pass\n");
  slow.limits = c.limits;
  slow.limits->timeout_seconds = 0.5;
  RunResult timed = t.spawn(slow);
  CHECK(timed.stop_reason == StopReason::TimeLimit);
  CHECK(timed.wall_seconds >= 0.5);
  CHECK(timed.wall_seconds < 4.0);

  // Output cap of the spawn.
  SpawnRequest loud = input("print('x' * 100000)\n");
  loud.limits = c.limits;
  loud.limits->max_output = 1000;
  RunResult capped = t.spawn(loud);
  CHECK(capped.stop_reason == StopReason::OutputLimit);
  CHECK(capped.stdout_data.size() <= 1000);

  // The next spawn is unaffected by any of them.
  RunResult after = t.spawn(input("print(3)\n"));
  CHECK(after.stop_reason == StopReason::Exited);
  CHECK(after.stdout_data == "3\n");
  CHECK(after.limits.max_instructions == c.limits.max_instructions);
}

// A spawn without a budget has no counting hook: its watchdog is a timer
// signal on its own thread (RunControl::run_watched, by_signal), which must
// still end turns, reach the deadline, give the kill-after grace and end it.
TEST_CASE("a spawn without a budget: turns end, the deadline and its grace hold") {
  Config c = test::config_for(Arch::X86_64);
  c.limits.timeout_seconds = 60;
  Sandbox box(c);
  Template py = python_template(box, "import signal, time");
  REQUIRE(py.ready());

  // SIGTERM at the deadline, caught and ignored; SIGKILL after the grace.
  SpawnRequest stubborn = input(
      "signal.signal(signal.SIGTERM, lambda *a: print('term', flush=True))\n"
      "while True: pass\n");
  stubborn.limits = c.limits;
  stubborn.limits->max_instructions = 0;
  stubborn.limits->timeout_seconds = 0.4;
  stubborn.limits->kill_after_seconds = 0.4;
  RunResult r = py.spawn(stubborn);
  CHECK(r.stop_reason == StopReason::TimeLimit);
  CHECK(r.stdout_data == "term\n");
  CHECK(r.wall_seconds >= 0.8);
  CHECK(r.wall_seconds < 5.0);
  CHECK_FALSE(r.instructions.has_value());  // not counted: no guess either

  // A busy child cannot keep the CPU from its parent: the timer ends turns.
  Template sh = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(sh.ready());
  SpawnRequest shared = input("while :; do :; done &\nbusybox sleep 0.2\nkill $!\necho parent ran\n");
  shared.limits = c.limits;
  shared.limits->max_instructions = 0;
  shared.limits->timeout_seconds = 20;
  RunResult fair = sh.spawn(shared);
  CHECK(fair.stop_reason == StopReason::Exited);
  CHECK(fair.stdout_data == "parent ran\n");
  CHECK(fair.wall_seconds < 10.0);

  // A spawn with a budget after them still counts exactly.
  SpawnRequest counted = input("x = 1\n");
  counted.limits = c.limits;
  counted.limits->max_instructions = 50'000'000;
  RunResult k = py.spawn(counted);
  CHECK(k.stop_reason == StopReason::Exited);
  CHECK(k.instructions.has_value());
}

TEST_CASE("a spawn's emulator dying is emulator_fault for it alone; the template lives on") {
  Sandbox box(test::config_for(Arch::X86_64));
  Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(t.ready());
  const int holder = t.holder_pid();
  RunResult crashed;
  std::thread victim([&] { crashed = t.spawn(input("while :; do :; done\n")); });
  // The spawn's process dies as a crashing emulator would.
  int busy = busy_spawn(holder);
  REQUIRE(busy > 0);
  kill(busy, SIGSEGV);
  victim.join();
  CHECK(crashed.stop_reason == StopReason::EmulatorFault);
  CHECK(crashed.message.find("signal 11") != std::string::npos);
  CHECK(process_exists(holder));
  RunResult next = t.spawn(input("echo alive\n"));
  CHECK(next.stop_reason == StopReason::Exited);
  CHECK(next.stdout_data == "alive\n");
}

TEST_CASE("destroying a template ends its holder and its spawns") {
  Sandbox box(test::config_for(Arch::X86_64));
  int holder = 0;
  std::vector<int> spawns;
  std::atomic<bool> done{false};
  RunResult running;
  std::thread user;
  {
    Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
    REQUIRE(t.ready());
    holder = t.holder_pid();
    Template moved = std::move(t);  // the holder goes with the move
    CHECK_FALSE(t.ready());
    CHECK(moved.holder_pid() == holder);
    user = std::thread([&] {
      running = moved.spawn(input("while :; do :; done\n"));
      done = true;
    });
    REQUIRE(busy_spawn(holder) > 0);
    spawns = holder_children(holder);  // the running spawn, and maybe a standby
    REQUIRE_FALSE(spawns.empty());
    CHECK(process_exists(holder));
  }
  user.join();
  CHECK(done);
  CHECK(running.stop_reason == StopReason::EmulatorFault);
  CHECK_FALSE(process_exists(holder));
  for (int pid : spawns) CHECK_FALSE(process_exists(pid));
}

TEST_CASE("spawns from four threads at once get their own outputs") {
  Sandbox box(test::config_for(Arch::X86_64));
  Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(t.ready());
  constexpr int kThreads = 4, kEach = 6;
  std::vector<std::vector<RunResult>> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; i++) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; j++) {
        std::string id = std::to_string(i) + "." + std::to_string(j);
        SpawnRequest s = input("echo out " + id + "; echo err " + id + " >&2; echo " + id + " > /tmp/id; cat /tmp/id\n");
        results[i].push_back(t.spawn(s));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < kThreads; i++) {
    for (int j = 0; j < kEach; j++) {
      std::string id = std::to_string(i) + "." + std::to_string(j);
      const RunResult& r = results[i][j];
      INFO(id << " " << r.message);
      CHECK(r.stop_reason == StopReason::Exited);
      CHECK(r.stdout_data == "out " + id + "\n" + id + "\n");
      CHECK(r.stderr_data == "err " + id + "\n");
    }
  }
}

TEST_CASE("a spawn streams to the caller's fds and reads stdin from one") {
  Sandbox box(test::config_for(Arch::X86_64));
  Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(t.ready());
  int in[2], out[2];
  REQUIRE(pipe(in) == 0);
  REQUIRE(pipe(out) == 0);
  const std::string script = "echo streamed; exit 5\n";
  REQUIRE(write(in[1], script.data(), script.size()) == static_cast<ssize_t>(script.size()));
  close(in[1]);
  SpawnRequest s;
  s.stdin_fd = in[0];
  s.stdout_fd = out[1];
  RunResult r = t.spawn(s);
  close(in[0]);
  close(out[1]);
  char buf[64] = {};
  ssize_t n = read(out[0], buf, sizeof buf - 1);
  close(out[0]);
  CHECK(r.stop_reason == StopReason::Exited);
  CHECK(r.exit_code == 5);
  CHECK(r.stdout_data.empty());
  CHECK(std::string(buf, n > 0 ? n : 0) == "streamed\n");
}

TEST_CASE("a hostile spawn is classified and contained; a cancelled one stops; the template lives on") {
  Config c = test::config_for(Arch::X86_64);
  c.limits.timeout_seconds = 30;
  c.limits.max_processes = 20;
  Sandbox box(c);
  Template t = box.prepare(test::request({"/bin/busybox", "sh"}));
  REQUIRE(t.ready());
  const int holder = t.holder_pid();

  // A fork bomb inside its process limit and instruction budget.
  SpawnRequest bomb = input("b() { b | b & }; b; sleep 1; echo done\n");
  bomb.limits = c.limits;
  bomb.limits->max_instructions = 50'000'000;
  RunResult r = t.spawn(bomb);
  INFO(r.message);
  // Which limit ends it first depends on the machine's speed and load (the
  // 50 M instructions take seconds idle, more than 30 s on a busy machine).
  CHECK((r.stop_reason == StopReason::InstructionLimit || r.stop_reason == StopReason::Exited ||
         r.stop_reason == StopReason::Deadlock || r.stop_reason == StopReason::TimeLimit));
  CHECK(process_exists(holder));

  // The embedder's cancel fd stops a busy spawn with its statistics so far.
  int cancel[2];
  REQUIRE(pipe(cancel) == 0);
  SpawnRequest busy = input("while :; do :; done\n");
  busy.cancel_fd = cancel[0];
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(write(cancel[1], "x", 1) == 1);
  });
  RunResult cancelled = t.spawn(busy);
  canceller.join();
  close(cancel[0]);
  close(cancel[1]);
  CHECK(cancelled.stop_reason == StopReason::Cancelled);
  CHECK_FALSE(cancelled.instructions.has_value());  // no budget: not counted

  RunResult next = t.spawn(input("echo still here\n"));
  CHECK(next.stop_reason == StopReason::Exited);
  CHECK(next.stdout_data == "still here\n");
}

TEST_CASE("a spawn reports the blocks it translated and its page faults; code run before the ready point is not translated again") {
  for (Arch arch : kArches) {
    Sandbox box(test::config_for(arch));
    Template plain = box.prepare(test::request({"/bin/busybox", "sh"}));
    Template warmed =
        box.prepare(test::request({"/bin/busybox", "sh", "-c", "x=$((6*7)); echo $x > /dev/null; exec /bin/busybox sh"}));
    INFO(arch_name(arch) << " " << plain.prepare_result().message << warmed.prepare_result().message);
    REQUIRE(plain.ready());
    REQUIRE(warmed.ready());
    const std::string script = "x=$((6*7)); echo $x\n";
    RunResult cold = plain.spawn(input(script));
    RunResult warm = warmed.spawn(input(script));
    CHECK(cold.stdout_data == "42\n");
    CHECK(warm.stdout_data == "42\n");
    CHECK(cold.blocks_translated > 0);
    CHECK(warm.blocks_translated < cold.blocks_translated);
    CHECK(warm.host_minor_faults > 0);
    // The second spawn of the same template translates again: spawns do not
    // share what they translate.
    RunResult again = plain.spawn(input(script));
    CHECK(again.blocks_translated > warm.blocks_translated);
    RunResult back = RunResult::from_json(warm.to_json());
    CHECK(back.blocks_translated == warm.blocks_translated);
    CHECK(back.host_minor_faults == warm.host_minor_faults);
  }
}
