// The strace log's formatting: flag sets and enumerations by name, with
// leftover bits and zero, per guest architecture where the ABI differs;
// then the log lines a prepared kernel writes, and where it writes them.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "emu/kernel/kernel.h"
#include "syscalls/syscall_table.h"
#include "syscalls/strace_format.h"
#include "test_support.h"

using namespace vmrun;
using namespace vmrun::strace;

namespace {

const Arch kArches[] = {Arch::X86_64, Arch::RiscV64};

// A guest memory of two strings.
std::optional<std::string> fake_memory(uint64_t addr) {
  if (addr == 0x1000) return std::string("/etc/passwd");
  if (addr == 0x2000) return std::string("");
  return std::nullopt;
}

std::string call(const char* name, const char* formats, std::initializer_list<uint64_t> values, uint64_t ret,
                 Arch arch = Arch::X86_64) {
  uint64_t args[6] = {};
  int i = 0;
  for (uint64_t v : values) args[i++] = v;
  return format_call(name, formats, args, ret, arch, fake_memory);
}

uint64_t neg(int64_t v) { return static_cast<uint64_t>(v); }

}  // namespace

TEST_CASE("open flags: the access mode is always named, other bits by name, the rest left over") {
  CHECK(open_flags(0) == "O_RDONLY");
  CHECK(open_flags(02000000) == "O_RDONLY|O_CLOEXEC");
  CHECK(open_flags(01 | 0100 | 01000) == "O_WRONLY|O_CREAT|O_TRUNC");
  CHECK(open_flags(02 | 04000 | 0200000 | 02000000) == "O_RDWR|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC");
  CHECK(open_flags(03) == "0x3");
  // O_SYNC is two bits (__O_SYNC|O_DSYNC); O_DSYNC alone is itself.
  CHECK(open_flags(04010000) == "O_RDONLY|O_SYNC");
  CHECK(open_flags(010000) == "O_RDONLY|O_DSYNC");
  // O_TMPFILE includes O_DIRECTORY.
  CHECK(open_flags(02 | 020200000) == "O_RDWR|O_TMPFILE");
  CHECK(open_flags(0400000 | 0100000) == "O_RDONLY|O_LARGEFILE|O_NOFOLLOW");
  CHECK(open_flags(02000000 | 0x40000000) == "O_RDONLY|O_CLOEXEC|0x40000000");
  CHECK(fd_open_flags(0) == "0");
  CHECK(fd_open_flags(02000000 | 04000) == "O_NONBLOCK|O_CLOEXEC");
}

TEST_CASE("open flags are asm-generic's on both guest arches") {
  // Arches such as arm and powerpc move O_DIRECTORY, O_NOFOLLOW, O_DIRECT
  // and O_LARGEFILE; x86-64 and riscv64 both use asm-generic/fcntl.h.
  for (Arch arch : kArches) {
    CHECK(call("openat", "fsOm", {neg(-100), 0x1000, 0200000 | 0400000 | 040000 | 0100000}, 3, arch) ==
          "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_DIRECT|O_LARGEFILE|O_DIRECTORY|O_NOFOLLOW) = 3");
  }
}

TEST_CASE("AT_* flags, access modes, file modes") {
  CHECK(at_flags(0) == "0");
  CHECK(at_flags(0x1000) == "AT_EMPTY_PATH");
  CHECK(at_flags(0x100 | 0x1000) == "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
  CHECK(at_flags(0x200) == "0x200");  // AT_EACCESS or AT_REMOVEDIR: only the calls that take it name it
  CHECK(faccessat_flags(0x200 | 0x100) == "AT_EACCESS|AT_SYMLINK_NOFOLLOW");
  CHECK(unlinkat_flags(0x200) == "AT_REMOVEDIR");
  CHECK(unlinkat_flags(0x100) == "0x100");
  CHECK(access_mode(0) == "F_OK");
  CHECK(access_mode(4 | 2) == "R_OK|W_OK");
  CHECK(access_mode(1 | 8) == "X_OK|0x8");
  CHECK(file_mode(0644) == "0644");
  CHECK(file_mode(0) == "000");
  CHECK(file_mode(04755) == "04755");
}

TEST_CASE("mmap protections and flags, with x86-64's MAP_32BIT") {
  CHECK(mmap_prot(0) == "PROT_NONE");
  CHECK(mmap_prot(1 | 2) == "PROT_READ|PROT_WRITE");
  CHECK(mmap_prot(1 | 4 | 0x100) == "PROT_READ|PROT_EXEC|0x100");
  for (Arch arch : kArches) {
    CHECK(mmap_flags(0x02 | 0x20, arch) == "MAP_PRIVATE|MAP_ANONYMOUS");
    CHECK(mmap_flags(0x01 | 0x10, arch) == "MAP_SHARED|MAP_FIXED");
    CHECK(mmap_flags(0x02 | 0x100000 | 0x20000, arch) == "MAP_PRIVATE|MAP_STACK|MAP_FIXED_NOREPLACE");
    CHECK(mmap_flags(0, arch) == "0");
    CHECK(mmap_flags(0x0f, arch) == "0xf");
  }
  // 0x40 is MAP_32BIT only on x86-64 (asm/mman.h); riscv64 has no such flag.
  CHECK(mmap_flags(0x02 | 0x40, Arch::X86_64) == "MAP_PRIVATE|MAP_32BIT");
  CHECK(mmap_flags(0x02 | 0x40, Arch::RiscV64) == "MAP_PRIVATE|0x40");
  CHECK(call("mmap", "puPMfx", {0, 8192, 3, 0x22, neg(-1), 0}, 0x7f0000001000) ==
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000");
  CHECK(call("mprotect", "puP", {0x7f0000001000, 4096, 1}, 0) == "mprotect(0x7f0000001000, 4096, PROT_READ) = 0");
}

TEST_CASE("fcntl names its command and reads the argument as the command does") {
  CHECK(call("fcntl", "fFg", {3, 2, 1}, 0) == "fcntl(3, F_SETFD, FD_CLOEXEC) = 0");
  CHECK(call("fcntl", "fFg", {3, 2, 0}, 0) == "fcntl(3, F_SETFD, 0) = 0");
  CHECK(call("fcntl", "fFg", {3, 1, 0x1234}, 1) == "fcntl(3, F_GETFD) = 1");
  CHECK(call("fcntl", "fFg", {3, 4, 02 | 04000}, 0) == "fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
  CHECK(call("fcntl", "fFg", {3, 1030, 10}, 10) == "fcntl(3, F_DUPFD_CLOEXEC, 10) = 10");
  CHECK(call("fcntl", "fFg", {3, 1033, 0x1 | 0x8}, 0) == "fcntl(3, F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_WRITE) = 0");
  CHECK(call("fcntl", "fFg", {3, 999, 0x10}, neg(-EINVAL)) ==
        "fcntl(3, 999, 0x10) = -1 EINVAL (Invalid argument)");
  CHECK(fcntl_command(6) == "F_SETLK");
  CHECK(flock_operation(2 | 4) == "LOCK_EX|LOCK_NB");
}

TEST_CASE("open's mode appears only when the call may create a file") {
  CHECK(call("openat", "fsOm", {neg(-100), 0x1000, 02000000, 0777}, 3) ==
        "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
  CHECK(call("openat", "fsOm", {5, 0x1000, 01 | 0100 | 01000, 0644}, 4) ==
        "openat(5, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4");
  CHECK(call("open", "sOm", {0x1000, 02 | 020200000, 0600}, 4) == "open(\"/etc/passwd\", O_RDWR|O_TMPFILE, 0600) = 4");
  CHECK(call("newfstatat", "fspA", {3, 0x2000, 0x7ffc0000, 0x1000}, 0) ==
        "newfstatat(3, \"\", 0x7ffc0000, AT_EMPTY_PATH) = 0");
  CHECK(call("faccessat", "fsa", {neg(-100), 0x1000, 4 | 2}, neg(-EACCES)) ==
        "faccessat(AT_FDCWD, \"/etc/passwd\", R_OK|W_OK) = -1 EACCES (Permission denied)");
  // Unreadable strings stay addresses; a null one is NULL.
  CHECK(call("unlinkat", "fsU", {neg(-100), 0x3000, 0x200}, neg(-EFAULT)) ==
        "unlinkat(AT_FDCWD, 0x3000, AT_REMOVEDIR) = -1 EFAULT (Bad address)");
  CHECK(call("chdir", "s", {0}, neg(-EFAULT)) == "chdir(NULL) = -1 EFAULT (Bad address)");
}

TEST_CASE("signals, clone flags and wait options") {
  CHECK(call("kill", "dS", {12, 15}, 0) == "kill(12, SIGTERM) = 0");
  CHECK(call("kill", "dS", {12, 0}, 0) == "kill(12, 0) = 0");
  CHECK(signal_name(17) == "SIGCHLD");
  CHECK(signal_name(32) == "SIGRTMIN");
  CHECK(signal_name(34) == "SIGRTMIN+2");
  CHECK(signal_name(64) == "SIGRTMAX");
  CHECK(signal_name(65) == "65");
  CHECK(call("rt_sigprocmask", "hppu", {0, 0x7ffc0000, 0, 8}, 0) == "rt_sigprocmask(SIG_BLOCK, 0x7ffc0000, NULL, 8) = 0");
  CHECK(sigprocmask_how(2) == "SIG_SETMASK");
  CHECK(sigprocmask_how(7) == "7");
  // glibc's fork and pthread_create.
  CHECK(clone_flags(0x01200000 | 17) == "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
  CHECK(clone_flags(0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000) ==
        "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
        "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
  CHECK(clone_flags(0x4000 | 0x100 | 17) == "CLONE_VM|CLONE_VFORK|SIGCHLD");
  CHECK(clone_flags(0) == "0");
  CHECK(clone_flags(0x100000000ull | 17) == "SIGCHLD|0x100000000");
  CHECK(call("wait4", "dpWp", {neg(-1), 0x7ffc0000, 1, 0}, 0) == "wait4(-1, 0x7ffc0000, WNOHANG, NULL) = 0");
  // An int argument is its low 32 bits, as the kernel reads it.
  CHECK(call("wait4", "dpWp", {0xffffffff, 0x7ffc0000, 0, 0}, 2) == "wait4(-1, 0x7ffc0000, 0, NULL) = 2");
  CHECK(wait_options(0) == "0");
  CHECK(wait_options(0x2 | 0x8 | 0x40000000) == "WUNTRACED|WCONTINUED|__WALL");
  CHECK(wait_options(0x10) == "0x10");
}

TEST_CASE("lseek, futex, sockets, prctl, arch_prctl, clocks, epoll") {
  CHECK(call("lseek", "fdw", {3, 0, 0}, 0) == "lseek(3, 0, SEEK_SET) = 0");
  CHECK(call("lseek", "flw", {3, neg(-10), 2}, 90) == "lseek(3, -10, SEEK_END) = 90");
  CHECK(call("pread64", "fpul", {3, 0x7ffc0000, 512, 1ull << 33}, 512) == "pread64(3, 0x7ffc0000, 512, 8589934592) = 512");
  CHECK(lseek_whence(2) == "SEEK_END");
  CHECK(lseek_whence(9) == "9");
  CHECK(futex_op(0 | 128) == "FUTEX_WAIT_PRIVATE");
  CHECK(futex_op(1) == "FUTEX_WAKE");
  CHECK(futex_op(9 | 128 | 256) == "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME");
  CHECK(futex_op(99) == "99");
  CHECK(futex_op(1 | 0x1000) == "FUTEX_WAKE|0x1000");
  CHECK(call("socket", "DTd", {1, 1 | 02000000, 0}, 3) == "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3");
  CHECK(call("socket", "DTd", {2, 2 | 04000, 0}, neg(-EAFNOSUPPORT)) ==
        "socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, 0) = -1 EAFNOSUPPORT (Address family not supported by protocol)");
  CHECK(socket_domain(10) == "AF_INET6");
  CHECK(socket_domain(200) == "200");
  CHECK(socket_type(0) == "0");
  CHECK(socket_type(02000000) == "SOCK_CLOEXEC");  // accept4's flags
  CHECK(socket_type(5 | 0x100) == "SOCK_SEQPACKET|0x100");
  CHECK(prctl_option(15) == "PR_SET_NAME");
  CHECK(prctl_option(38) == "PR_SET_NO_NEW_PRIVS");
  CHECK(prctl_option(1000) == "1000");
  CHECK(arch_prctl_code(0x1002, Arch::X86_64) == "ARCH_SET_FS");
  CHECK(arch_prctl_code(0x3001, Arch::X86_64) == "0x3001");
  CHECK(arch_prctl_code(0x1002, Arch::RiscV64) == "0x1002");  // no arch_prctl there
  CHECK(clock_id(1) == "CLOCK_MONOTONIC");
  CHECK(clock_id(neg(-6)) == "-6");  // another process's CPU clock
  CHECK(clock_nanosleep_flags(1) == "TIMER_ABSTIME");
  CHECK(clock_nanosleep_flags(0) == "0");
  CHECK(epoll_ctl_op(1) == "EPOLL_CTL_ADD");
  CHECK(madvise_advice(4) == "MADV_DONTNEED");
}

TEST_CASE("strings are quoted and escaped, long ones cut; unknown syscalls show six hex words") {
  CHECK(quoted("a\"b\\c\n\t\x01") == "\"a\\\"b\\\\c\\n\\t\\x01\"");
  CHECK(quoted(std::string(70, 'x')) == "\"" + std::string(64, 'x') + "\"...");
  uint64_t args[6] = {1, 0, 0x10, 0, 0, 0};
  CHECK(format_call("syscall_999", nullptr, args, neg(-ENOSYS), Arch::RiscV64, nullptr) ==
        "syscall_999(0x1, 0, 0x10, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
  CHECK(format_result(1u << 20) == "0x100000");
  CHECK(format_result((1u << 20) - 1) == "1048575");
}

TEST_CASE("every syscall table row uses known format letters, one per argument at most") {
  for (Arch arch : kArches)
    for (const auto& e : SyscallTable::for_arch(arch).entries()) {
      if (!e.def) continue;
      CAPTURE(e.name, e.def->args);
      CHECK(std::strlen(e.def->args) <= 6);
      for (const char* c = e.def->args; *c; c++) CHECK(is_format_letter(*c));
    }
}

TEST_CASE("the kernel writes strace lines to vmrun.strace when it exists, else the default logger") {
  auto default_before = spdlog::default_logger();
  std::ostringstream default_out, strace_out;
  auto to_default = std::make_shared<spdlog::logger>("strace-test-default",
                                                     std::make_shared<spdlog::sinks::ostream_sink_mt>(default_out));
  to_default->set_pattern("%v");
  to_default->set_level(spdlog::level::info);
  spdlog::set_default_logger(to_default);

  for (Arch arch : kArches) {
    CAPTURE(arch_name(arch));
    default_out.str("");
    strace_out.str("");
    Config c = test::config_for(arch);
    c.strace = true;
    std::string out, err;
    StdioSpec io;
    io.stdout_capture = &out;
    io.stderr_capture = &err;
    Kernel k(c, std::move(io), linux_syscalls());
    std::string error;
    REQUIRE(k.prepare(test::request({"/bin/busybox", "true"}), &error));
    const auto& entries = SyscallTable::for_arch(arch).entries();
    auto invoke = [&](const char* name, std::initializer_list<uint64_t> values) {
      uint64_t args[6] = {};
      int i = 0;
      for (uint64_t v : values) args[i++] = v;
      for (size_t nr = 0; nr < entries.size(); nr++)
        if (entries[nr].name && std::strcmp(entries[nr].name, name) == 0) return k.invoke_syscall(nr, args);
      FAIL("no syscall " << name);
      return int64_t{-1};
    };

    int64_t page = invoke("mmap", {0, 4096, 3, 0x22, neg(-1), 0});
    REQUIRE(page > 0);
    REQUIRE(k.mem().fill(page, "/etc/hostname", 14).ok());
    int64_t fd = invoke("openat", {neg(-100), static_cast<uint64_t>(page), 02000000, 0});
    REQUIRE(fd >= 0);
    char want[128];
    std::snprintf(want, sizeof want, "[1] mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#llx\n",
                  static_cast<unsigned long long>(page));
    std::string opened = "[1] openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY|O_CLOEXEC) = " + std::to_string(fd) + "\n";
    CHECK(default_out.str() == want + opened);

    // With a "vmrun.strace" logger registered, the trace goes there alone.
    auto own = std::make_shared<spdlog::logger>("vmrun.strace",
                                                std::make_shared<spdlog::sinks::ostream_sink_mt>(strace_out));
    own->set_pattern("%v");
    own->set_level(spdlog::level::info);
    spdlog::register_logger(own);
    default_out.str("");
    invoke("fcntl", {static_cast<uint64_t>(fd), 1});
    invoke("close", {static_cast<uint64_t>(fd)});
    spdlog::drop("vmrun.strace");
    CHECK(strace_out.str() == "[1] fcntl(" + std::to_string(fd) + ", F_GETFD) = 1\n[1] close(" + std::to_string(fd) +
                                  ") = 0\n");
    CHECK(default_out.str().empty());
  }
  spdlog::set_default_logger(default_before);
  spdlog::drop("strace-test-default");
}
