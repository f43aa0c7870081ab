// The argument and result formatting of the strace log (`vmrun --strace`):
// symbolic names for flag sets and enumerations, as strace(1) shows them.
// The kernel passes a syscall's raw arguments and the format letters of its
// table row (syscall_table.h lists the letters); everything here is pure
// formatting, so it is tested without running a guest.
//
// All values are the guest ABI's, written from the kernel's UAPI headers.
// x86-64 and riscv64 share the asm-generic values for every family here
// (both arches' asm/fcntl.h, asm/signal.h and asm/socket.h are the generic
// ones), except that x86-64 adds MAP_32BIT to the mmap flags and alone has
// arch_prctl; those two take the guest architecture.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "vmrun/sandbox.h"

namespace vmrun::strace {

// Reads the NUL-terminated guest string at addr; nullopt if it cannot.
using StringReader = std::function<std::optional<std::string>(uint64_t addr)>;

// One log line without the "[pid] " prefix: `name(args) = result`.
// formats is the table row's letter string; null means an unknown syscall,
// shown as six hex words.
std::string format_call(std::string_view name, const char* formats, const uint64_t args[6], uint64_t ret, Arch arch,
                        const StringReader& read);

// The arguments alone, comma-separated (some letters leave their argument
// out, as strace does: open's mode without O_CREAT, fcntl's for F_GETFD).
std::string format_args(const char* formats, const uint64_t args[6], Arch arch, const StringReader& read);

// What follows " = ": "3", "0x7f0000001000", "-1 ENOENT (No such file or directory)".
std::string format_result(uint64_t ret);

// Whether c is one of the format letters (syscall_table.h lists them).
bool is_format_letter(char c);

// One function per kind of value. Flag sets list the names of the bits set,
// joined by '|', with unnamed bits left over as "|0x..." and an empty set
// as "0". Enumerations give the name, or the number if it has none.
std::string open_flags(uint64_t flags);      // O_RDONLY|O_CLOEXEC; the access mode is always named
std::string fd_open_flags(uint64_t flags);   // pipe2, dup3: O_CLOEXEC|O_NONBLOCK, 0 if none
std::string at_flags(uint64_t flags);        // AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW
std::string faccessat_flags(uint64_t flags); // at_flags plus AT_EACCESS (0x200)
std::string unlinkat_flags(uint64_t flags);  // AT_REMOVEDIR (the same 0x200)
std::string access_mode(uint64_t mode);      // F_OK, R_OK|W_OK
std::string file_mode(uint64_t mode);        // octal: 0644, 000
std::string mmap_prot(uint64_t prot);        // PROT_READ|PROT_WRITE, PROT_NONE
std::string mmap_flags(uint64_t flags, Arch arch);  // MAP_PRIVATE|MAP_ANONYMOUS
std::string madvise_advice(uint64_t advice); // MADV_DONTNEED
std::string fcntl_command(uint64_t cmd);     // F_SETFD
// fcntl's third argument as its command reads it; nullopt for the commands
// that take none (F_GETFD, F_GETFL, ...).
std::optional<std::string> fcntl_argument(uint64_t cmd, uint64_t arg);
std::string flock_operation(uint64_t op);    // LOCK_EX|LOCK_NB
std::string signal_name(uint64_t sig);       // SIGTERM, SIGRTMIN+2, 0
std::string sigprocmask_how(uint64_t how);   // SIG_BLOCK
std::string clone_flags(uint64_t flags);     // CLONE_VM|CLONE_FS|...|SIGCHLD (the low byte is the exit signal)
std::string wait_options(uint64_t options);  // WNOHANG|WUNTRACED
std::string lseek_whence(uint64_t whence);   // SEEK_SET
std::string futex_op(uint64_t op);           // FUTEX_WAIT_PRIVATE, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME
std::string socket_domain(uint64_t domain);  // AF_UNIX
std::string socket_type(uint64_t type);      // SOCK_STREAM|SOCK_CLOEXEC
std::string prctl_option(uint64_t option);   // PR_SET_NAME
std::string arch_prctl_code(uint64_t code, Arch arch);  // ARCH_SET_FS (x86-64 only)
std::string clock_id(uint64_t clock);        // CLOCK_MONOTONIC
std::string clock_nanosleep_flags(uint64_t flags);  // TIMER_ABSTIME
std::string epoll_ctl_op(uint64_t op);       // EPOLL_CTL_ADD
std::string quoted(std::string_view s);      // "a\nb", at most 64 bytes, then "..."

}  // namespace vmrun::strace
