// The syscall table: one shared definition per syscall (name, handler,
// support level, argument format for the strace log), and per-architecture
// number tables generated from the kernel's own lists that only map numbers
// to names. One row drives dispatch, logging, the unknown-syscall report
// and docs/SYSCALLS.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "emu/kernel/syscall_abi.h"
#include "vmrun/sandbox.h"

namespace vmrun {

// Argument formats for the strace log: one letter per argument, formatted
// by syscalls/strace_format.cpp with the guest ABI's names.
//   d int (32 bits)  l long, off_t        u unsigned            x hex (0 as "0")
//   p pointer (NULL for 0)
//   s string         f fd (AT_FDCWD)      o file mode, octal (0644)
//   m file mode, shown only if the previous argument (open flags) has O_CREAT or O_TMPFILE
//   O open flags (O_RDONLY|O_CLOEXEC)     N O_* flags without an access mode (pipe2, dup3)
//   A AT_* flags     E faccessat2 flags (AT_EACCESS)    U unlinkat flags (AT_REMOVEDIR)
//   a access mode (F_OK, R_OK|W_OK)
//   P mmap protection    M mmap flags (per guest arch: MAP_32BIT)    v madvise advice
//   F fcntl command      g fcntl argument, read per the previous argument (the command);
//                        left out for commands without one (F_GETFD)
//   L flock operation    w lseek whence      X futex operation (FUTEX_WAIT_PRIVATE)
//   S signal number      h sigprocmask how   C clone flags (CLONE_*|exit signal)
//   W wait options       D socket domain     T socket type and SOCK_* flags
//   R prctl option       r arch_prctl code   k clock id      t clock_nanosleep flags
//   e epoll_ctl operation
// Each family file contributes its definitions.
std::span<const SyscallDef> file_io_syscalls();
std::span<const SyscallDef> stat_syscalls();
std::span<const SyscallDef> dir_syscalls();
std::span<const SyscallDef> memory_syscalls();
std::span<const SyscallDef> process_syscalls();
std::span<const SyscallDef> time_syscalls();
std::span<const SyscallDef> identity_syscalls();
std::span<const SyscallDef> poll_syscalls();
std::span<const SyscallDef> socket_syscalls();
std::span<const SyscallDef> signal_syscalls();
std::span<const SyscallDef> futex_syscalls();
std::span<const SyscallDef> epoll_syscalls();
std::span<const SyscallDef> lock_syscalls();
std::span<const SyscallDef> inotify_syscalls();
std::span<const SyscallDef> timerfd_syscalls();
std::span<const SyscallDef> xattr_syscalls();
std::span<const SyscallDef> pidfd_syscalls();
std::span<const SyscallDef> posix_timer_syscalls();

// Every family's rows, as the tables are built from them.
std::vector<std::span<const SyscallDef>> all_syscall_families();
// What is wrong with a set of rows: a name that matches no syscall number
// of either architecture (a misspelling: the row would never be used), a
// name given twice (one row would silently win). Empty when all is well.
std::vector<std::string> syscall_row_problems(const std::vector<std::span<const SyscallDef>>& families);

// The syscall layer the kernel is given (Kernel's constructor): these
// tables and the strace formatting of syscalls/strace_format.h.
const SyscallLayer& linux_syscalls();

}  // namespace vmrun
