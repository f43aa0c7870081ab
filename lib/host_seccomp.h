// Host hardening for the emulator process: a seccomp filter that allows
// only the host system calls the emulator needs once the guest's files are
// open. See docs/SECURITY.md.
#pragma once

#include <string>

namespace vmrun {

// Install the filter on the calling process (all its threads, and it is
// inherited by threads created later). Irreversible. A refused call that
// can only come from a bug or an escape attempt (socket, connect, execve,
// fork, ptrace, ...) ends the process with SIGSYS after a one-line message
// on stderr naming the call; opening a path relative to the current
// directory or by absolute path (open, openat with AT_FDCWD) fails with
// EACCES: only directory fds opened before (the rootfs and the mounts)
// can be the base of an open. Returns false with `error` if the kernel
// refused the filter.
bool install_host_syscall_filter(std::string* error);

// Test seam: make host system calls the filter must refuse, from inside a
// process that installed it. Returns a description of what happened to the
// ones that return (the fatal ones do not return).
std::string probe_forbidden_host_syscall(const std::string& which);

}  // namespace vmrun
