// The synthetic /dev and /proc.
#include <catch2/catch.hpp>
#include <sys/sysmacros.h>

#include <cstring>

#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

TEST_CASE("/dev devices behave and report Linux numbers", "[dev]") {
  World w;
  auto v = w.make();
  CHECK(names(*v, "/dev") == std::vector<std::string>{".", "..", "fd", "full", "null", "ptmx", "pts", "random",
                                                      "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"});
  // Without the kernel's pseudo-terminals (set_terminal_devices): no master, no slaves.
  CHECK(v->open("/", "/dev/ptmx", O_RDWR, 0).error() == ENODEV);
  CHECK(names(*v, "/dev/pts") == std::vector<std::string>{".", ".."});
  CHECK(v->stat("/", "/dev/pts/0", true).error() == ENOENT);
  CHECK(v->stat("/", "/dev/sda", true).error() == ENOENT);  // the lower /dev is hidden
  struct Want {
    const char* path;
    unsigned major, minor;
  } wants[] = {{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
               {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
               {"/dev/ptmx", 5, 2}};
  for (auto& want : wants) {
    INFO(want.path);
    auto st = v->stat("/", want.path, true);
    REQUIRE(st.ok());
    CHECK(S_ISCHR(st->mode));
    CHECK(major(st->rdev) == want.major);
    CHECK(minor(st->rdev) == want.minor);
  }
  auto null = v->open("/", "/dev/null", O_RDWR, 0);
  REQUIRE(null.ok());
  char buf[16];
  CHECK((*null)->read(buf, sizeof buf).value_or(99) == 0);
  CHECK((*null)->write("abc", 3).value_or(0) == 3);
  auto zero = v->open("/", "/dev/zero", O_RDONLY, 0);
  REQUIRE(zero.ok());
  std::memset(buf, 1, sizeof buf);
  REQUIRE((*zero)->read(buf, sizeof buf).value_or(0) == sizeof buf);
  CHECK(std::count(buf, buf + sizeof buf, 0) == static_cast<long>(sizeof buf));
  auto full = v->open("/", "/dev/full", O_WRONLY, 0);
  REQUIRE(full.ok());
  CHECK((*full)->write("x", 1).error() == ENOSPC);
  CHECK(v->open("/", "/dev/tty", O_RDWR, 0).error() == ENXIO);
  CHECK(v->statfs("/", "/dev/null").value_or(FsStats{}).type == 0x1373);
  CHECK(v->statfs("/", "/dev/shm").value_or(FsStats{}).type == 0x01021994);
  CHECK(v->stat("/", "/dev/pts", true).ok());
  CHECK(names(*v, "/dev/pts") == std::vector<std::string>{".", ".."});
}

TEST_CASE("/dev/urandom is reproducible per seed and per instance", "[dev]") {
  World w;
  auto bytes = [&](uint64_t seed) {
    auto c = w.config();
    c.random_seed = seed;
    auto v = w.make(c);
    auto f = v->open("/", "/dev/urandom", O_RDONLY, 0);
    std::string s(32, '\0');
    REQUIRE((*f)->read(s.data(), s.size()).value_or(0) == 32);
    return s;
  };
  std::string a = bytes(1), b = bytes(1), c = bytes(2);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != std::string(32, '\0'));
}

TEST_CASE("/dev/shm is a writable in-memory directory", "[dev]") {
  World w;
  auto v = w.make();
  REQUIRE(write_path(*v, "/dev/shm/seg", "shared").ok());
  CHECK(read_path(*v, "/dev/shm/seg").value_or("") == "shared");
  CHECK(v->changed_files().empty());
  REQUIRE(v->unlink("/", "/dev/shm/seg").ok());
  CHECK(v->rmdir("/", "/dev/shm").error() == EBUSY);
}

TEST_CASE("/proc/self and friends follow the ProcessView", "[proc]") {
  World w;
  auto v = w.make();
  CHECK(v->stat("/", "/proc/self", true).error() == ENOENT);
  FakeProcess proc;
  auto passwd = v->open("/", "/etc/passwd", O_RDONLY, 0);
  REQUIRE(passwd.ok());
  proc.fds[3] = *passwd;
  v->set_process(&proc);
  CHECK(v->readlink("/", "/proc/self").value_or("") == "42");
  CHECK(v->readlink("/", "/proc/self/exe").value_or("") == "/bin/sh");
  CHECK(v->readlink("/", "/proc/42/cwd").value_or("") == "/home/user");
  CHECK(v->readlink("/", "/proc/self/root").value_or("") == "/");
  CHECK(v->resolve_dir("/", "/proc/self/root").value_or("") == "/");
  CHECK(v->resolve_dir("/", "/proc/self/cwd").value_or("") == "/home/user");
  CHECK(read_path(*v, "/proc/self/exe").value_or("") == "#!ELF sh");
  CHECK(v->readlink("/", "/proc/self/fd/3").value_or("") == "/etc/passwd");
  CHECK(names(*v, "/proc/self/fd") == std::vector<std::string>{".", "..", "3"});
  auto same = v->open("/", "/proc/self/fd/3", O_RDONLY, 0);
  REQUIRE(same.ok());
  CHECK(same->get() == passwd->get());
  auto via_dev = v->open("/", "/dev/fd/3", O_RDONLY, 0);
  REQUIRE(via_dev.ok());
  CHECK(via_dev->get() == passwd->get());
  CHECK(v->open("/", "/dev/stdin", O_RDONLY, 0).error() == ENOENT);  // fd 0 not open
  CHECK(v->stat("/", "/proc/self/fd/3", true)->ino == (*passwd)->stat()->ino);
  CHECK(v->stat("/", "/proc/43", true).error() == ENOENT);
  CHECK(v->stat("/", "/proc/self/fd/03", true).error() == ENOENT);
  CHECK(v->stat("/", "/proc/self/fd/99999999999", true).error() == ENOENT);

  auto status = read_path(*v, "/proc/self/status");
  REQUIRE(status.ok());
  CHECK(status->find("Name:\tsh\n") != std::string::npos);
  CHECK(status->find("Pid:\t42\n") != std::string::npos);
  CHECK(status->find("PPid:\t0\n") != std::string::npos);
  CHECK(status->find("Uid:\t0") != std::string::npos);
  CHECK(read_path(*v, "/proc/self/cmdline").value_or("") == std::string("sh\0-c\0true\0", 11));
  CHECK(read_path(*v, "/proc/self/maps").value_or("").find("/bin/sh") != std::string::npos);
  CHECK(read_path(*v, "/proc/cpuinfo").value_or("") == "processor\t: 0\n");
  CHECK(read_path(*v, "/proc/meminfo").value_or("") == "MemTotal: 1024 kB\n");
  CHECK(read_path(*v, "/proc/uptime").value_or("") == "12.34 0.00\n");
  auto root = names(*v, "/proc");
  CHECK(contains(root, "self"));
  CHECK(contains(root, "42"));
  CHECK(v->statfs("/", "/proc/self/status").value_or(FsStats{}).type == 0x9fa0);

  CHECK(v->open("/", "/proc/self/status", O_WRONLY, 0).error() == EACCES);
  CHECK(v->open("/", "/proc/cpuinfo", O_RDWR, 0).error() == EACCES);
  CHECK(v->open("/", "/proc/newfile", O_WRONLY | O_CREAT, 0644).error() == EACCES);
  CHECK(v->unlink("/", "/proc/cpuinfo").error() == EACCES);
  CHECK(v->mkdir("/", "/proc/d", 0755).error() == EACCES);
  CHECK(v->chmod("/", "/proc/cpuinfo", 0777, true).error() == EPERM);
  CHECK(v->rmdir("/", "/proc").error() == EBUSY);
  CHECK(v->changed_files().empty());
  v->set_process(nullptr);
  CHECK(v->stat("/", "/proc/self", false).error() == ENOENT);
  CHECK(v->stat("/", "/proc/42", false).error() == ENOENT);
}

TEST_CASE("/proc/<pid> shows every process of the directory", "[proc]") {
  World w;
  auto v = w.make();
  FakeProcess shell, child;
  child.pid_ = 43;
  child.ppid_ = 42;
  child.state_ = 'S';
  child.cwd_ = "/tmp";
  auto passwd = v->open("/", "/etc/passwd", O_RDONLY, 0);
  REQUIRE(passwd.ok());
  child.fds[5] = *passwd;
  FakeDirectory dir;
  dir.procs = {&shell, &child};
  v->set_process(&shell);
  v->set_process_directory(&dir);
  auto root = names(*v, "/proc");
  CHECK(contains(root, "42"));
  CHECK(contains(root, "43"));
  CHECK(!contains(root, "44"));
  CHECK(v->stat("/", "/proc/44", true).error() == ENOENT);
  // Another process's own view, not the caller's.
  CHECK(v->readlink("/", "/proc/43/cwd").value_or("") == "/tmp");
  CHECK(read_path(*v, "/proc/43/comm").value_or("") == "sh\n");
  auto stat = read_path(*v, "/proc/43/stat");
  REQUIRE(stat.ok());
  CHECK(stat->rfind("43 (sh) S 42 ", 0) == 0);
  int fields = 0;
  for (size_t i = 0; i < stat->size(); i++) fields += (*stat)[i] == ' ';
  CHECK(fields + 1 == 52);  // Linux's count, so parsers find every field
  auto status = read_path(*v, "/proc/43/status");
  REQUIRE(status.ok());
  CHECK(status->find("State:\tS (sleeping)\n") != std::string::npos);
  CHECK(status->find("PPid:\t42\n") != std::string::npos);
  // Its descriptors are its own: fd 5 is open in 43, not in 42.
  CHECK(names(*v, "/proc/43/fd") == std::vector<std::string>{".", "..", "5"});
  CHECK(v->readlink("/", "/proc/43/fd/5").value_or("") == "/etc/passwd");
  auto same = v->open("/", "/proc/43/fd/5", O_RDONLY, 0);
  REQUIRE(same.ok());
  CHECK(same->get() == passwd->get());
  CHECK(v->open("/", "/proc/42/fd/5", O_RDONLY, 0).error() == ENOENT);
  // A process that has gone: its directory goes with it.
  dir.procs = {&shell};
  CHECK(v->stat("/", "/proc/43", true).error() == ENOENT);
  CHECK(!contains(names(*v, "/proc"), "43"));
  v->set_process_directory(nullptr);
  v->set_process(nullptr);
}

TEST_CASE("two instances share no state", "[dev]") {
  World w;
  auto a = w.make();
  auto b = w.make();
  REQUIRE(write_path(*a, "/tmp/only_a", "a").ok());
  CHECK(b->stat("/", "/tmp/only_a", true).error() == ENOENT);
  FakeProcess proc;
  a->set_process(&proc);
  CHECK(a->stat("/", "/proc/self", false).ok());
  CHECK(b->stat("/", "/proc/self", false).error() == ENOENT);
  CHECK(b->upper_bytes() == 0);
}
