// The synthetic /proc: nodes are made on each lookup from the current
// ProcessView and VfsConfig, so they are never stale and cost nothing
// when unused. Everything is read-only; /proc/<pid>/root is "/" so it can
// only ever lead back into the guest root.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

constexpr uint64_t kProcInoBase = 1ull << 56;
constexpr uint64_t kProcFdInoBase = 1ull << 57;

class ProcFile final : public File {
 public:
  ProcFile(NodeRef node, std::string content) : node_(std::move(node)), content_(std::move(content)) {}
  Result<size_t> read(void* buf, size_t n) override {
    TRY_ASSIGN(size_t k, pread(buf, n, off_));
    off_ += k;
    return k;
  }
  Result<size_t> pread(void* buf, size_t n, uint64_t off) override {
    if (off >= content_.size()) return size_t{0};
    size_t k = std::min<uint64_t>(n, content_.size() - off);
    std::memcpy(buf, content_.data() + off, k);
    return k;
  }
  Result<size_t> write(const void*, size_t) override { return Err{EBADF}; }
  Result<int64_t> seek(int64_t off, int whence) override {
    int64_t basepos = whence == SEEK_SET ? 0
                      : whence == SEEK_CUR ? static_cast<int64_t>(off_)
                      : whence == SEEK_END ? static_cast<int64_t>(content_.size())
                                           : -1;
    if (basepos < 0) return Err{EINVAL};
    if (off > 0 && basepos > INT64_MAX - off) return Err{EOVERFLOW};
    if (basepos + off < 0) return Err{EINVAL};
    off_ = static_cast<uint64_t>(basepos + off);
    return basepos + off;
  }
  Result<Attr> stat() override { return node_->attr(); }
  Result<int64_t> bytes_available() override {
    return static_cast<int64_t>(content_.size() > off_ ? content_.size() - off_ : 0);
  }

 private:
  NodeRef node_;
  std::string content_;
  uint64_t off_ = 0;
};

// Parses a small non-negative decimal ("0".."999999999"), no signs or
// leading zeros; anything else is not a pid/fd name.
bool parse_small_int(std::string_view s, int* out) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  *out = v;
  return true;
}

const char* const kRootFiles[] = {"cpuinfo", "meminfo", "uptime", "mounts", "stat", "loadavg"};
const char* const kPidEntries[] = {"exe",    "cwd",  "root",   "fd",     "maps",      "cmdline",
                                   "comm",   "stat", "status", "mounts", "mountinfo", "ns"};

const char* state_name(char c) {
  switch (c) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'T': return "T (stopped)";
    case 'Z': return "Z (zombie)";
    default: return "R (running)";
  }
}

// /proc/<pid>/stat: the 52 fields of Linux 6.x; what vmrun does not track
// (fault counts, CPU times, start time, signal masks) reads 0.
std::string stat_text(const ProcessView& q, int threads) {
  uint64_t vsize = q.vm_bytes();
  char buf[512];
  std::snprintf(buf, sizeof buf, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 %d 0 0 %llu 0 18446744073709551615",
                q.pid(), q.comm().c_str(), q.state_code(), q.parent_pid(), q.group_id(), q.session_id(), threads,
                static_cast<unsigned long long>(vsize));
  std::string s = buf;
  for (int field = 26; field <= 52; field++) s += " 0";
  return s + "\n";
}

std::string status_text(const ProcessView& q, int threads, uint32_t uid, uint32_t gid) {
  std::string s = "Name:\t" + q.comm() + "\n";
  s += std::string("State:\t") + state_name(q.state_code()) + "\n";
  s += "Tgid:\t" + std::to_string(q.thread_group()) + "\n";
  s += "Pid:\t" + std::to_string(q.pid()) + "\n";
  s += "PPid:\t" + std::to_string(q.parent_pid()) + "\n";
  s += "TracerPid:\t0\n";
  std::string u = std::to_string(uid), g = std::to_string(gid);
  s += "Uid:\t" + u + "\t" + u + "\t" + u + "\t" + u + "\n";
  s += "Gid:\t" + g + "\t" + g + "\t" + g + "\t" + g + "\n";
  if (uint64_t vm = q.vm_bytes()) s += "VmSize:\t" + std::to_string(vm / 1024) + " kB\n";
  s += "Threads:\t" + std::to_string(threads) + "\n";
  return s;
}

}  // namespace

const ProcessView* VfsCore::proc_target(int pid) const {
  if (processes) return processes->process_view(pid);
  return process && process->pid() == pid ? process : nullptr;
}

FileRef VfsCore::magic_target(const Walk& w) const {
  const ProcessView* owner = proc_target(w.magic_pid);
  if (!owner) return nullptr;
  return w.magic_fd >= 0 ? owner->fd_file(w.magic_fd) : owner->open_namespace(w.magic_ns);
}

NodeRef VfsCore::build_proc_root() {
  NodeRef n = new_node(NodeKind::kProcDir, S_IFDIR | 0555, kFsProc);
  n->uid = n->gid = 0;
  n->proc = ProcDirKind::kRoot;
  n->synthetic = true;
  n->changed = false;
  n->ino = kProcInoBase + 1;
  return n;
}

NodeRef VfsCore::proc_lookup(const MemNode& dir, std::string_view name) {
  auto make = [&](NodeKind kind, uint32_t mode, uint64_t ino) {
    auto n = std::make_shared<MemNode>(kind, shared);
    n->mode = mode;
    n->fsid = kFsProc;
    n->ino = ino;
    n->synthetic = true;
    n->links = 1;
    n->atime = n->mtime = n->ctime = shared->now();
    if (process) {
      n->uid = config.uid;
      n->gid = config.gid;
    }
    return n;
  };
  auto symlink = [&](std::string target, uint64_t ino) {
    auto n = make(NodeKind::kSymlink, S_IFLNK | 0777, ino);
    n->target = std::move(target);
    return n;
  };
  auto file = [&](std::function<std::string()> gen, uint64_t ino) {
    auto n = make(NodeKind::kProcFile, S_IFREG | 0444, ino);
    n->content = std::move(gen);
    return n;
  };
  const ProcessView* p = process;
  switch (dir.proc) {
    case ProcDirKind::kRoot: {
      if (name == "self") return p ? symlink(std::to_string(p->thread_group()), kProcInoBase + 2) : nullptr;
      if (name == "cpuinfo") { std::string s = config.cpuinfo; return file([s] { return s; }, kProcInoBase + 3); }
      if (name == "meminfo") { std::string s = config.meminfo; return file([s] { return s; }, kProcInoBase + 4); }
      // As on Linux, /proc/mounts is the reader's own view.
      if (name == "mounts") return p ? symlink("self/mounts", kProcInoBase + 6) : nullptr;
      if (name == "stat" && config.stat) return file(config.stat, kProcInoBase + 7);
      if (name == "loadavg" && config.loadavg) return file(config.loadavg, kProcInoBase + 8);
      if (name == "uptime") {
        auto up = config.uptime;
        return file([up] {
          double secs = up ? up() : 0.0;
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.2f %.2f\n", secs, 0.0);
          return std::string(buf);
        }, kProcInoBase + 5);
      }
      int pid;
      if (parse_small_int(name, &pid) && proc_target(pid)) {
        auto n = make(NodeKind::kProcDir, S_IFDIR | 0555, kProcInoBase + (static_cast<uint64_t>(pid) << 8));
        n->proc = ProcDirKind::kPid;
        n->proc_pid = pid;
        return n;
      }
      return nullptr;
    }
    case ProcDirKind::kPid: {
      // Contents are made when opened, from the process as it is then.
      const int pid = dir.proc_pid;
      const ProcessView* q = proc_target(pid);
      if (!q) return nullptr;
      auto from = [this, pid](std::string (*gen)(const VfsCore&, const ProcessView&)) {
        return [this, pid, gen] {
          const ProcessView* now = proc_target(pid);
          return now ? gen(*this, *now) : std::string();
        };
      };
      uint64_t base = kProcInoBase + (static_cast<uint64_t>(pid) << 8);
      if (name == "exe") return symlink(q->exe_path(), base + 1);
      if (name == "cwd") return symlink(q->cwd(), base + 2);
      if (name == "root") return symlink("/", base + 3);
      if (name == "fd") {
        auto n = make(NodeKind::kProcDir, S_IFDIR | 0500, base + 4);
        n->proc = ProcDirKind::kFd;
        n->proc_pid = pid;
        return n;
      }
      if (name == "maps") return file(from([](const VfsCore&, const ProcessView& v) { return v.maps(); }), base + 5);
      if (name == "cmdline")
        return file(from([](const VfsCore&, const ProcessView& v) { return v.cmdline(); }), base + 6);
      if (name == "status")
        return file(from([](const VfsCore& core, const ProcessView& v) {
                      int threads = core.processes ? core.processes->thread_count(v.thread_group()) : 1;
                      return status_text(v, threads, core.config.uid, core.config.gid);
                    }),
                    base + 7);
      if (name == "stat")
        return file(from([](const VfsCore& core, const ProcessView& v) {
                      return stat_text(v, core.processes ? core.processes->thread_count(v.thread_group()) : 1);
                    }),
                    base + 8);
      if (name == "comm")
        return file(from([](const VfsCore&, const ProcessView& v) { return v.comm() + "\n"; }), base + 9);
      if (name == "mounts")
        return file(from([](const VfsCore& core, const ProcessView&) { return core.mounts_text(); }), base + 10);
      if (name == "mountinfo")
        return file(from([](const VfsCore& core, const ProcessView&) { return core.mountinfo_text(); }), base + 11);
      if (name == "ns") {
        auto n = make(NodeKind::kProcDir, S_IFDIR | 0511, base + 12);
        n->proc = ProcDirKind::kNs;
        n->proc_pid = pid;
        return n;
      }
      return nullptr;
    }
    case ProcDirKind::kNs: {
      // Only the namespaces vmrun has (UTS); each a link "kind:[N]" that
      // opens to the namespace itself.
      const ProcessView* q = proc_target(dir.proc_pid);
      if (!q || name != "uts") return nullptr;
      std::string text = q->namespace_link(name);
      if (text.empty()) return nullptr;
      auto n = symlink(std::move(text), kProcInoBase + (static_cast<uint64_t>(q->pid()) << 8) + 13);
      n->magic_ns = std::string(name);
      n->proc_pid = q->pid();
      return n;
    }
    case ProcDirKind::kFd: {
      int fd;
      const ProcessView* q = proc_target(dir.proc_pid);
      if (!q || !parse_small_int(name, &fd)) return nullptr;
      FileRef f = q->fd_file(fd);
      if (!f) return nullptr;
      auto n = symlink(f->shown_path(), kProcFdInoBase + (static_cast<uint64_t>(q->pid()) << 24) + static_cast<uint64_t>(fd));
      n->magic_fd = fd;
      n->proc_pid = q->pid();
      n->mode = S_IFLNK | 0700;
      return n;
    }
  }
  return nullptr;
}

std::vector<DirEntry> VfsCore::proc_list(const MemNode& dir) {
  std::vector<std::string> names;
  const ProcessView* p = process;
  switch (dir.proc) {
    case ProcDirKind::kRoot:
      if (p) names.push_back("self");
      if (processes) {
        for (int pid : processes->process_ids()) names.push_back(std::to_string(pid));
      } else if (p) {
        names.push_back(std::to_string(p->thread_group()));
      }
      for (const char* f : kRootFiles)
        if ((std::string_view(f) != "stat" || config.stat) && (std::string_view(f) != "loadavg" || config.loadavg))
          names.push_back(f);
      break;
    case ProcDirKind::kPid:
      if (proc_target(dir.proc_pid)) names.insert(names.end(), std::begin(kPidEntries), std::end(kPidEntries));
      break;
    case ProcDirKind::kFd:
      if (const ProcessView* q = proc_target(dir.proc_pid))
        for (int fd : q->open_fds()) names.push_back(std::to_string(fd));
      break;
    case ProcDirKind::kNs:
      if (proc_target(dir.proc_pid)) names.push_back("uts");
      break;
  }
  std::vector<DirEntry> out;
  for (auto& name : names) {
    NodeRef n = proc_lookup(dir, name);
    if (n) out.push_back(DirEntry{n->ino, static_cast<uint8_t>((n->mode & S_IFMT) >> 12), std::move(name)});
  }
  return out;
}

Result<FileRef> VfsCore::open_proc_file(const NodeRef& node, int flags) {
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) return Err{EACCES};
  auto f = std::make_shared<ProcFile>(node, node->content ? node->content() : std::string());
  f->flags = status_flags(flags);
  return FileRef(f);
}

}  // namespace vmrun::fs
