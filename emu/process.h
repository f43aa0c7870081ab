// A guest process: its address space, file descriptors, working directory
// and the other per-process state syscalls act on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "emu/guest_memory.h"
#include "rootfs/vfs.h"

struct uc_struct;

namespace vmrun {

class FdTable {
 public:
  struct Entry {
    fs::FileRef file;
    bool cloexec = false;
  };
  explicit FdTable(uint32_t limit) : limit_(limit) {}

  // Lowest free descriptor >= min_fd; EMFILE at the limit.
  Result<int> install(fs::FileRef file, bool cloexec, int min_fd = 0);
  // dup2/dup3 semantics: replaces whatever `fd` held.
  Result<int> install_at(int fd, fs::FileRef file, bool cloexec);
  fs::FileRef get(int fd) const;
  const Entry* entry(int fd) const;
  Result<void> set_cloexec(int fd, bool on);
  Result<void> close(int fd);
  std::vector<int> open_fds() const;
  uint32_t limit() const { return limit_; }
  void set_limit(uint32_t limit) { limit_ = limit; }

 private:
  std::vector<Entry> entries_;
  uint32_t limit_;
};

// Signal dispositions as the guest set them (raw guest struct sigaction).
struct SignalState {
  static constexpr int kNsig = 64;
  uint8_t actions[kNsig + 1][32] = {};
  uint64_t mask = 0;
  uint8_t altstack[24] = {0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};  // ss_flags = SS_DISABLE
};

class Process final : public fs::ProcessView {
 public:
  Process(int pid, uint32_t fd_limit) : pid_(pid), fds(fd_limit) {}

  // fs::ProcessView
  int pid() const override { return pid_; }
  std::string exe_path() const override { return exe; }
  std::string cwd() const override { return cwd_path; }
  std::vector<int> open_fds() const override { return fds.open_fds(); }
  fs::FileRef fd_file(int fd) const override { return fds.get(fd); }
  std::string maps() const override { return mem ? mem->format_maps() : std::string(); }
  std::string cmdline() const override;

  int pid_;
  uc_struct* uc = nullptr;
  std::unique_ptr<AddressSpace> mem;
  FdTable fds;
  std::string cwd_path = "/";
  uint32_t umask = 022;
  std::string exe;
  std::vector<std::string> argv;
  uint64_t brk_start = 0, brk_current = 0, brk_mapped_end = 0;
  uint64_t mmap_top = 0;
  uint64_t clear_child_tid = 0;
  std::string name;  // comm, for prctl(PR_GET_NAME)
  SignalState signals;
  uint64_t next_pipe_inode = 4000;
};

}  // namespace vmrun
