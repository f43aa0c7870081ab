// Handler-level tests: a prepared (loaded, not running) process, syscalls
// invoked directly with chosen, often hostile, arguments.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "emu/kernel/kernel.h"
#include "syscalls/syscall_table.h"
#include "test_support.h"

using namespace vmrun;

namespace {

// Syscall numbers differ per architecture; look them up by name in the
// same table the dispatcher uses.
uint64_t nr_of(Arch arch, const char* name) {
  const auto& entries = SyscallTable::for_arch(arch).entries();
  for (size_t i = 0; i < entries.size(); i++)
    if (entries[i].name && std::strcmp(entries[i].name, name) == 0) return i;
  FAIL("no syscall " << name);
  return 0;
}

struct Prepared {
  Arch arch;
  std::string out, err;
  std::unique_ptr<Kernel> k;
  explicit Prepared(Arch a, uint64_t max_memory = 0, std::vector<Mount> extra_mounts = {}) : arch(a) {
    Config c = test::config_for(a);
    c.limits.max_memory = max_memory;
    for (auto& m : extra_mounts) c.mounts.push_back(m);
    StdioSpec io;
    io.stdout_capture = &out;
    io.stderr_capture = &err;
    k = std::make_unique<Kernel>(c, std::move(io), linux_syscalls());
    std::string error;
    REQUIRE(k->prepare(test::request({"/bin/busybox", "true"}), &error));
  }
  int64_t call(const char* name, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    return k->invoke_syscall(nr_of(arch, name), args);
  }
  // Two fresh pages; the second is unmapped again so the first ends at a hole.
  uint64_t page_before_hole() {
    int64_t p = call("mmap", 0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0);
    REQUIRE(p > 0);
    REQUIRE(call("munmap", p + 4096, 4096) == 0);
    return static_cast<uint64_t>(p);
  }
  void put_string(uint64_t addr, const std::string& s) { REQUIRE(k->mem().fill(addr, s.c_str(), s.size() + 1).ok()); }
};

const Arch kArches[] = {Arch::X86_64, Arch::RiscV64};

}  // namespace

TEST_CASE("bad pointers give EFAULT, never a crash") {
  for (Arch arch : kArches) {
    Prepared p(arch);
    uint64_t page = p.page_before_hole();
    uint64_t hole = page + 4096;
    CHECK(p.call("write", 1, hole, 10) == -EFAULT);
    CHECK(p.call("write", 1, 8, 10) == -EFAULT);
    CHECK(p.call("openat", AT_FDCWD, hole, O_RDONLY) == -EFAULT);
    CHECK(p.call("openat", AT_FDCWD, 1, O_RDONLY) == -EFAULT);
    CHECK(p.call("newfstatat", AT_FDCWD, 0, page, 0) == -EFAULT);
    CHECK(p.call("uname", hole) == -EFAULT);
    CHECK(p.call("clock_gettime", 0, hole) == -EFAULT);
    CHECK(p.call("getcwd", hole, 100) == -EFAULT);
    CHECK(p.call("getrandom", hole, 16, 0) == -EFAULT);
    CHECK(p.call("pipe2", hole - 4, 0) == -EFAULT);  // half of int[2] mapped
    // Nothing was written to stdout by the failed writes.
    CHECK(p.out.empty());
  }
}

TEST_CASE("a read into a buffer ending at a hole is short, one byte past is EFAULT") {
  for (Arch arch : kArches) {
    Prepared p(arch);
    uint64_t page = p.page_before_hole();
    p.put_string(page, "/etc/passwd");
    int64_t fd = p.call("openat", AT_FDCWD, page, O_RDONLY);
    REQUIRE(fd >= 0);
    // 10 writable bytes then the hole: Linux copies what fits.
    CHECK(p.call("read", fd, page + 4096 - 10, 4096) == 10);
    CHECK(p.call("read", fd, page + 4096, 1) == -EFAULT);
    CHECK(p.call("pread64", fd, page + 4096 - 1, 100, 0) == 1);
    CHECK(p.call("close", fd) == 0);
    CHECK(p.call("close", fd) == -EBADF);
  }
}

TEST_CASE("paths are bounded") {
  Prepared p(Arch::X86_64);
  int64_t buf = p.call("mmap", 0, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0);
  REQUIRE(buf > 0);
  p.put_string(buf, std::string(5000, 'a'));
  CHECK(p.call("openat", AT_FDCWD, buf, O_RDONLY) == -ENAMETOOLONG);
  p.put_string(buf, "");
  CHECK(p.call("openat", AT_FDCWD, buf, O_RDONLY) == -ENOENT);
  p.put_string(buf, "/etc/passwd/x");
  CHECK(p.call("openat", AT_FDCWD, buf, O_RDONLY) == -ENOTDIR);
  p.put_string(buf, "etc");
  CHECK(p.call("openat", 999, buf, O_RDONLY) == -EBADF);
}

TEST_CASE("hostile counts and sizes are refused before any allocation") {
  Prepared p(Arch::RiscV64, 64 << 20);
  int64_t buf = p.call("mmap", 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0);
  REQUIRE(buf > 0);
  CHECK(p.call("writev", 1, buf, 1 << 30) == -EINVAL);   // iovcnt way past IOV_MAX
  CHECK(p.call("ppoll", buf, 1ull << 40, 0, 0) == -EINVAL);
  CHECK(p.call("pselect6", 100000, buf, 0, 0, 0, 0) == -EINVAL);
  CHECK(p.call("mmap", 0, 1ull << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0) == -ENOMEM);
  CHECK(p.call("mmap", 0, ~0ull, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0) == -ENOMEM);
  CHECK(p.call("mmap", 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ~0ull, 0) == -EINVAL);
  CHECK(p.call("mmap", 0, 4096, PROT_READ, 0, ~0ull, 0) == -EINVAL);      // neither shared nor private
  CHECK(p.call("mmap", 0, 4096, PROT_READ, MAP_PRIVATE, 12345, 0) == -EBADF);
  CHECK(p.call("getdents64", 0, buf, 10) == -ENOTDIR);
  CHECK(p.call("rt_sigaction", 0, 0, 0, 8) == -EINVAL);
  CHECK(p.call("rt_sigaction", 9, buf, 0, 8) == -EINVAL);  // SIGKILL cannot be caught
  CHECK(p.call("getrandom", buf, 1ull << 40, 0) > 0);       // capped, not allocated whole
}

TEST_CASE("unknown syscalls give ENOSYS and are reported once by name") {
  Prepared p(Arch::X86_64);
  uint64_t args[6] = {};
  CHECK(p.k->invoke_syscall(100000, args) == -ENOSYS);
  CHECK(p.k->invoke_syscall(100000, args) == -ENOSYS);
  CHECK(p.call("bpf") == -ENOSYS);
  const auto& un = p.k->partial_result().unimplemented_syscalls;
  CHECK(un.at("out_of_range") == 2);
  CHECK(un.at("bpf") == 1);
}

TEST_CASE("the report of unknown syscalls stays bounded whatever the guest calls") {
  Prepared p(Arch::X86_64);
  uint64_t args[6] = {};
  for (uint64_t nr = 335; nr < 1024; nr++) p.k->invoke_syscall(nr, args);
  for (uint64_t nr = 1ull << 40; nr < (1ull << 40) + 5000; nr++) p.k->invoke_syscall(nr, args);
  const auto& un = p.k->partial_result().unimplemented_syscalls;
  CHECK(un.size() <= 65);
  CHECK(un.at("out_of_range") >= 5000);  // every number beyond the table shares one entry
}

TEST_CASE("sockets are refused for every family but AF_UNIX and the loopback's AF_INET/AF_INET6") {
  for (Arch arch : kArches) {
    Prepared p(arch);
    for (int family : {AF_NETLINK, AF_PACKET, 200, -1})
      CHECK(p.call("socket", family, SOCK_STREAM, 0) == -EAFNOSUPPORT);
    CHECK(p.call("socket", AF_INET, SOCK_RAW, 1) == -EPERM);
    CHECK(p.call("socket", AF_INET, SOCK_STREAM, 0) >= 3);
    CHECK(p.call("socket", AF_INET6, SOCK_DGRAM, 0) >= 3);
    CHECK(p.call("socket", AF_UNIX, SOCK_STREAM, 0) >= 3);
    CHECK(p.call("connect", 1, 0, 0) == -ENOTSOCK);
    CHECK(p.call("connect", 77, 0, 0) == -EBADF);
  }
}

namespace {

// A sockaddr_un for `path` at guest address `at`; returns its length.
uint64_t put_unix_address(Prepared& p, uint64_t at, const std::string& path) {
  std::string sa(2, '\0');
  sa[0] = AF_UNIX;
  sa += path;
  REQUIRE(p.k->mem().fill(at, sa.data(), sa.size()).ok());
  return sa.size();
}

}  // namespace

TEST_CASE("AF_UNIX bind: names live in the in-memory layer only, hostile arguments are refused") {
  for (Arch arch : kArches) {
    Prepared p(arch);
    uint64_t page = p.page_before_hole();
    int64_t s = p.call("socket", AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(s >= 3);
    // The read-only mount of the guest programs: EROFS, as Linux in a
    // read-only filesystem; nothing appears on the host.
    uint64_t len = put_unix_address(p, page, "/t/sock");
    CHECK(p.call("bind", s, page, len) == -EROFS);
    CHECK(p.call("bind", s, page, 1) == -EINVAL);
    CHECK(p.call("bind", s, page, 111) == -EINVAL);
    // An address running into the unmapped page: EFAULT, never a crash.
    CHECK(p.call("bind", s, page + 4096 - 20, 110) == -EFAULT);
    CHECK(p.call("connect", s, page + 4096 - 1, 3) == -EFAULT);
    len = put_unix_address(p, page, "/tmp/s");
    CHECK(p.call("bind", s, page, len) == 0);
    p.put_string(page + 512, "/tmp/s");
    CHECK(p.call("mknodat", static_cast<uint64_t>(AT_FDCWD), page + 512, 0140644, 0) == -EEXIST);
    CHECK(p.call("listen", s, -5) == 0);  // as Linux: a huge backlog is somaxconn
    // sendmsg/recvmsg: a msghdr in the hole, too many iovecs, a huge
    // control buffer.
    int64_t sp = page + 1024;
    REQUIRE(p.call("socketpair", AF_UNIX, SOCK_DGRAM, 0, sp) == 0);
    int32_t fds[2];
    REQUIRE(p.k->mem().peek(sp, fds, sizeof fds).ok());
    CHECK(p.call("sendmsg", fds[0], page + 4096 - 8, 0) == -EFAULT);
    uint64_t msg[7] = {0, 0, page + 2048, 2000, 0, 0, 0};
    REQUIRE(p.k->mem().fill(page + 1100, msg, sizeof msg).ok());
    CHECK(p.call("sendmsg", fds[0], page + 1100, 0) == -EMSGSIZE);
    uint64_t msg2[7] = {0, 0, page + 2048, 0, page, 1ull << 40, 0};
    REQUIRE(p.k->mem().fill(page + 1100, msg2, sizeof msg2).ok());
    CHECK(p.call("sendmsg", fds[0], page + 1100, 0) == -ENOBUFS);
    // A datagram larger than the queue: EMSGSIZE before any copy.
    CHECK(p.call("sendto", fds[0], page, 1u << 20, 0, 0, 0) == -EMSGSIZE);
    CHECK(p.call("recvfrom", fds[1], page, 16, MSG_DONTWAIT, 0, 0) == -EAGAIN);
    int32_t four = 4;
    REQUIRE(p.k->mem().fill(page + 16, &four, 4).ok());
    CHECK(p.call("getsockopt", fds[0], SOL_SOCKET, SO_TYPE, page + 4096 - 2, page + 16) == -EFAULT);
    CHECK(p.call("getsockopt", fds[0], SOL_SOCKET, SO_TYPE, page + 32, page + 4096 - 2) == -EFAULT);
  }
}

TEST_CASE("AF_UNIX bind in a read-write mount is refused: a guest socket never becomes a host socket") {
  std::string dir = std::string(VMRUN_BINARY_DIR) + "/unix-socket-rw-mount";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Prepared p(Arch::X86_64, 0, {Mount{dir, "/rw", true}});
  uint64_t page = p.page_before_hole();
  int64_t s = p.call("socket", AF_UNIX, SOCK_STREAM, 0);
  uint64_t len = put_unix_address(p, page, "/rw/s");
  CHECK(p.call("bind", s, page, len) == -EPERM);
  p.put_string(page + 512, "/rw/n");
  CHECK(p.call("mknodat", static_cast<uint64_t>(AT_FDCWD), page + 512, 0140644, 0) == -EPERM);
  CHECK(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("fds: dup2, fcntl and cloexec follow Linux") {
  Prepared p(Arch::X86_64);
  CHECK(p.call("dup2", 1, 1) == 1);
  CHECK(p.call("dup2", 55, 56) == -EBADF);
  CHECK(p.call("dup3", 1, 1, 0) == -EINVAL);
  CHECK(p.call("dup3", 1, 10, O_CLOEXEC) == 10);
  CHECK(p.call("fcntl", 10, F_GETFD) == FD_CLOEXEC);
  CHECK(p.call("fcntl", 1, F_DUPFD, 20) == 20);
  CHECK(p.call("fcntl", 1, F_DUPFD, 100000) == -EINVAL);
  CHECK(p.call("close", 20) == 0);
  // The lowest free descriptor is reused.
  CHECK(p.call("dup", 1) == 3);
}

TEST_CASE("brk grows, shrinks and never overlaps other mappings") {
  Prepared p(Arch::RiscV64);
  int64_t start = p.call("brk", 0);
  REQUIRE(start > 0);
  CHECK(p.call("brk", start + 100000) == start + 100000);
  uint64_t v = 0x1122334455667788;
  CHECK(p.k->mem().write({static_cast<uint64_t>(start) + 99992}, v).ok());
  CHECK(p.call("brk", start + 10) == start + 10);
  CHECK_FALSE(p.k->mem().read<uint64_t>({static_cast<uint64_t>(start) + 99992}).ok());
  // A mapping right above the break stops the heap from growing into it.
  uint64_t above = (static_cast<uint64_t>(start) + 4096 * 16) & ~4095ull;
  CHECK(p.call("mmap", above, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, ~0ull, 0) ==
        static_cast<int64_t>(above));
  CHECK(p.call("brk", above + 8192) == start + 10);
}

TEST_CASE("AF_UNIX: descriptors in flight are bounded, and a socket sent over itself is freed with the run") {
  for (Arch arch : kArches) {
    Prepared p(arch);
    uint64_t page = p.page_before_hole();
    REQUIRE(p.call("socketpair", AF_UNIX, SOCK_DGRAM, 0, page) == 0);
    int32_t fds[2];
    REQUIRE(p.k->mem().peek(page, fds, sizeof fds).ok());
    std::weak_ptr<fs::File> first = p.k->proc().fds->get(fds[0]);
    // A message carrying both ends of the pair, sent into the pair: a cycle
    // only the end of the run can break.
    struct {
      uint64_t len;
      int32_t level, type;
      int32_t fd[2];
    } cmsg = {24, SOL_SOCKET, SCM_RIGHTS, {fds[0], fds[1]}};
    uint64_t iov[2] = {page + 64, 1};
    uint64_t msg[7] = {0, 0, page + 128, 1, page + 256, sizeof cmsg, 0};
    REQUIRE(p.k->mem().fill(page + 128, iov, sizeof iov).ok());
    REQUIRE(p.k->mem().fill(page + 256, &cmsg, sizeof cmsg).ok());
    REQUIRE(p.k->mem().fill(page + 512, msg, sizeof msg).ok());
    int64_t r = 0;
    int sent = 0;
    for (int i = 0; i < 100000 && r >= 0; i++) {
      r = p.call("sendmsg", fds[0], page + 512, MSG_DONTWAIT);
      if (r == 1) sent++;
    }
    // Not more descriptors in flight than the open-file limit.
    CHECK(r == -ETOOMANYREFS);
    CHECK(sent * 2 <= static_cast<int>(p.k->proc().fds->limit()));
    CHECK(sent > 0);
    CHECK(p.call("close", fds[0]) == 0);
    CHECK(p.call("close", fds[1]) == 0);
    CHECK(!first.expired());  // kept alive by its own queue
    p.k.reset();
    CHECK(first.expired());
  }
}
