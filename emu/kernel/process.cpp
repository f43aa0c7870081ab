#include "emu/kernel/process.h"

#include <fcntl.h>

#include "emu/engine/cpu_context.h"

namespace vmrun {

Result<int> FdTable::install(fs::FileRef file, bool cloexec, int min_fd) {
  if (min_fd < 0 || static_cast<uint32_t>(min_fd) >= limit_) return Err{min_fd < 0 ? EINVAL : EMFILE};
  for (size_t fd = min_fd; fd < limit_; fd++) {
    if (fd >= entries_.size()) entries_.resize(fd + 1);
    if (!entries_[fd].file) {
      entries_[fd] = {std::move(file), cloexec};
      return static_cast<int>(fd);
    }
  }
  return Err{EMFILE};
}

Result<int> FdTable::install_at(int fd, fs::FileRef file, bool cloexec) {
  if (fd < 0 || static_cast<uint32_t>(fd) >= limit_) return Err{EBADF};
  if (static_cast<size_t>(fd) >= entries_.size()) entries_.resize(fd + 1);
  entries_[fd] = {std::move(file), cloexec};
  return fd;
}

fs::FileRef FdTable::get(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size()) return nullptr;
  return entries_[fd].file;
}

const FdTable::Entry* FdTable::entry(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= entries_.size() || !entries_[fd].file) return nullptr;
  return &entries_[fd];
}

Result<void> FdTable::set_cloexec(int fd, bool on) {
  if (!entry(fd)) return Err{EBADF};
  entries_[fd].cloexec = on;
  return Ok();
}

Result<void> FdTable::close(int fd) {
  if (!entry(fd)) return Err{EBADF};
  entries_[fd] = {};
  while (!entries_.empty() && !entries_.back().file) entries_.pop_back();
  return Ok();
}

void FdTable::close_on_exec() {
  for (auto& e : entries_)
    if (e.cloexec) e = {};
  while (!entries_.empty() && !entries_.back().file) entries_.pop_back();
}

std::vector<int> FdTable::open_fds() const {
  std::vector<int> out;
  for (size_t i = 0; i < entries_.size(); i++)
    if (entries_[i].file) out.push_back(static_cast<int>(i));
  return out;
}

char Process::state_code() const {
  switch (state) {
    case ProcState::Runnable: return 'R';
    case ProcState::Blocked: return 'S';
    case ProcState::Stopped: return 'T';
    case ProcState::Zombie: return 'Z';
  }
  return 'R';
}

uint64_t Process::vm_bytes() const { return mem ? mem->mapped_bytes() : 0; }

std::string Process::namespace_link(std::string_view kind) const {
  if (kind != "uts" || !uts) return {};
  return "uts:[" + std::to_string(uts->id) + "]";
}

fs::FileRef Process::open_namespace(std::string_view kind) const {
  if (kind != "uts" || !uts) return nullptr;
  auto f = std::make_shared<UtsNamespaceFile>(uts);
  f->flags = O_RDONLY;
  f->path = "/proc/" + std::to_string(pid()) + "/ns/uts";
  return f;
}

std::string Process::cmdline() const {
  std::string s;
  for (auto& a : argv) s += a, s += '\0';
  return s;
}

Process::~Process() = default;

}  // namespace vmrun
