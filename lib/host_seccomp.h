// Host hardening for the emulator process: a seccomp filter that allows
// only the host system calls the emulator needs once the guest's files are
// open. See docs/SECURITY.md.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

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

// install_host_syscall_filter in two steps, for a template's standby spawn
// (lib/template.cpp): compiling with libseccomp takes milliseconds, so the
// standby compiles before its request arrives and loads the program when
// it does. The program names the compiling process (signals only to
// itself), so it loads only in that process.
struct CompiledSyscallFilter {
  std::vector<sock_filter> program;
  pid_t pid = 0;
};
bool compile_host_syscall_filter(CompiledSyscallFilter* out, std::string* error);
bool load_host_syscall_filter(const CompiledSyscallFilter& filter, std::string* error);

// The filter of a template's holder process (lib/template.cpp): the same
// allowlist, and besides what the holder does to serve spawns — fork (clone
// of a process), waiting for and signalling its children (and signals to
// any process: a spawn's abort must still reach itself), passing
// descriptors over its control socket and unix socket pairs, dup2, prctl and installing the
// spawn's own filter. Each spawn installs install_host_syscall_filter's
// on top (filters stack; the stricter answer wins), before any input of
// the spawn reaches the guest.
bool install_template_holder_filter(std::string* error);

// Test seam: make host system calls the filter must refuse, from inside a
// process that installed it. Returns a description of what happened to the
// ones that return (the fatal ones do not return).
std::string probe_forbidden_host_syscall(const std::string& which);

}  // namespace vmrun
