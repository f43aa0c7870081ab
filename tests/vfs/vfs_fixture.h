// Shared scaffolding for the Vfs tests: a throw-away host tree per test
// (the guest root plus a sentinel outside it), a byte-exact snapshot of a
// host tree, a fake process, and small I/O helpers.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "rootfs/vfs.h"

namespace vfs_test {

using namespace vmrun;
using namespace vmrun::fs;

inline std::string slurp_host(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_host(const std::string& p, const std::string& data, mode_t mode = 0644) {
  int fd = ::open(p.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("write_host " + p);
  if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) throw std::runtime_error("write");
  ::fchmod(fd, mode);
  ::close(fd);
}

inline void mkdir_host(const std::string& p, mode_t mode = 0755) {
  if (::mkdir(p.c_str(), mode) != 0) throw std::runtime_error("mkdir " + p);
  ::chmod(p.c_str(), mode);
}

inline void symlink_host(const std::string& target, const std::string& p) {
  if (::symlink(target.c_str(), p.c_str()) != 0) throw std::runtime_error("symlink " + p);
}

// Every entry below `root`: type, permissions, size, mtime, ctime, content
// or link target. Equal snapshots mean the tree was not modified.
inline std::map<std::string, std::string> snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  std::vector<std::string> todo{""};
  while (!todo.empty()) {
    std::string rel = todo.back();
    todo.pop_back();
    std::string full = root + rel;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) continue;
    std::ostringstream d;
    d << std::oct << st.st_mode << std::dec << " " << st.st_size << " " << st.st_uid << ":" << st.st_gid << " m"
      << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " c" << st.st_ctim.tv_sec << "." << st.st_ctim.tv_nsec
      << " n" << st.st_nlink;
    if (S_ISREG(st.st_mode)) d << " [" << slurp_host(full) << "]";
    if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t n = ::readlink(full.c_str(), buf, sizeof buf);
      d << " -> " << std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
    }
    if (S_ISDIR(st.st_mode) && rel.size() < 3000) {
      if (DIR* dir = ::opendir(full.c_str())) {
        while (auto* de = ::readdir(dir)) {
          std::string n = de->d_name;
          if (n != "." && n != "..") todo.push_back(rel + "/" + n);
        }
        ::closedir(dir);
      }
    }
    out[rel.empty() ? "/" : rel] = d.str();
  }
  return out;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vmrun-vfs-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    if (!p) throw std::runtime_error("mkdtemp");
    path = p;
  }
  ~TempDir() {
    // Make everything removable again, then remove depth-first without
    // following symlinks.
    ::nftw(path.c_str(), [](const char* p, const struct stat* st, int type, struct FTW*) {
      if (type == FTW_D || type == FTW_DP) ::chmod(p, 0700);
      (void)st;
      return 0;
    }, 64, FTW_PHYS);
    ::nftw(path.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 64,
           FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

class FakeProcess : public ProcessView {
 public:
  int pid() const override { return pid_; }
  int parent_pid() const override { return ppid_; }
  char state_code() const override { return state_; }
  std::string exe_path() const override { return "/bin/sh"; }
  std::string cwd() const override { return cwd_; }
  std::vector<int> open_fds() const override {
    std::vector<int> v;
    for (auto& [fd, f] : fds) v.push_back(fd);
    return v;
  }
  FileRef fd_file(int fd) const override {
    auto it = fds.find(fd);
    return it == fds.end() ? nullptr : it->second;
  }
  std::string maps() const override { return "00400000-00401000 r-xp 00000000 00:00 0 /bin/sh\n"; }
  std::string cmdline() const override { return std::string("sh\0-c\0true\0", 11); }
  std::map<int, FileRef> fds;
  std::string cwd_ = "/home/user";
  int pid_ = 42, ppid_ = 0;
  char state_ = 'R';
};

// Several FakeProcesses, as the kernel's process table shows them.
class FakeDirectory : public ProcessDirectory {
 public:
  std::vector<int> process_ids() const override {
    std::vector<int> ids;
    for (auto* p : procs) ids.push_back(p->pid());
    return ids;
  }
  const ProcessView* process_view(int pid) const override {
    for (auto* p : procs)
      if (p->pid() == pid) return p;
    return nullptr;
  }
  int thread_count(int) const override { return 1; }
  std::vector<const FakeProcess*> procs;
};

// The standard hostile lower tree, with a sentinel file next to (outside)
// the guest root.
struct World {
  TempDir tmp;
  std::string root = tmp.path + "/root";
  std::string outside = tmp.path + "/outside";
  std::string sentinel = tmp.path + "/outside/secret.txt";

  explicit World(bool with_tmp = true) {
    mkdir_host(root);
    mkdir_host(outside);
    write_host(sentinel, "SENTINEL");
    write_host(tmp.path + "/secret.txt", "SENTINEL");
    mkdir_host(root + "/etc");
    write_host(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write_host(root + "/etc/hostname", "guest\n");
    symlink_host("/../../../../etc", root + "/etc/evil");
    symlink_host("../../../../../..", root + "/etc/up");
    symlink_host("/", root + "/etc/abs");
    symlink_host(sentinel, root + "/etc/hostsecret");
    symlink_host(tmp.path, root + "/etc/hosttmp");
    symlink_host("loop2", root + "/etc/loop1");
    symlink_host("loop1", root + "/etc/loop2");
    symlink_host("self", root + "/etc/self");
    symlink_host("passwd", root + "/etc/pw");
    mkdir_host(root + "/bin");
    write_host(root + "/bin/sh", "#!ELF sh", 0755);
    write_host(root + "/bin/noexec", "data", 0644);
    mkdir_host(root + "/usr");
    mkdir_host(root + "/usr/lib");
    write_host(root + "/usr/lib/libc.so", "libc-bytes");
    mkdir_host(root + "/usr/share");
    mkdir_host(root + "/usr/share/doc");
    write_host(root + "/usr/share/doc/a.txt", "doc a");
    write_host(root + "/usr/share/doc/b.txt", "doc b");
    mkdir_host(root + "/home");
    mkdir_host(root + "/home/user");
    write_host(root + "/home/user/file.txt", "hello lower");
    mkdir_host(root + "/secret", 0700);
    write_host(root + "/secret/key", "k", 0600);
    mkdir_host(root + "/dev");  // hidden by the synthetic /dev
    write_host(root + "/dev/sda", "not a device");
    if (with_tmp) mkdir_host(root + "/tmp", 01777);
    if (::link((root + "/etc/passwd").c_str(), (root + "/etc/passwd.hard").c_str()) != 0)
      throw std::runtime_error("link");
  }

  VfsConfig config() const {
    VfsConfig c;
    c.lower_root = root;
    c.now = [] { return Timespec{1000, 5}; };
    c.cpuinfo = "processor\t: 0\n";
    c.meminfo = "MemTotal: 1024 kB\n";
    c.uptime = [] { return 12.34; };
    c.random_seed = 7;
    return c;
  }

  std::unique_ptr<Vfs> make(VfsConfig c) const {
    std::string err;
    auto v = Vfs::create(c, &err);
    if (!v) throw std::runtime_error("Vfs::create: " + err);
    return v;
  }
  std::unique_ptr<Vfs> make() const { return make(config()); }
};

inline std::string read_all(const FileRef& f) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto r = f->read(buf, sizeof buf);
    if (!r || *r == 0) break;
    out.append(buf, *r);
  }
  return out;
}

inline Result<std::string> read_path(Vfs& v, std::string_view path) {
  TRY_ASSIGN(FileRef f, v.open("/", path, O_RDONLY, 0));
  return read_all(f);
}

inline Result<void> write_path(Vfs& v, std::string_view path, const std::string& data, int extra = O_TRUNC) {
  TRY_ASSIGN(FileRef f, v.open("/", path, O_WRONLY | O_CREAT | extra, 0644));
  TRY_ASSIGN(size_t n, f->write(data.data(), data.size()));
  if (n != data.size()) return Err{EIO};
  return Ok();
}

inline std::vector<std::string> names(Vfs& v, std::string_view path) {
  std::vector<std::string> out;
  auto f = v.open("/", path, O_RDONLY | O_DIRECTORY, 0);
  if (!f) return {"<error " + std::to_string(f.error()) + ">"};
  auto l = (*f)->list_dir();
  if (!l) return {"<list error " + std::to_string(l.error()) + ">"};
  for (auto& e : *l) out.push_back(e.name);
  std::sort(out.begin(), out.end());
  return out;
}

inline bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace vfs_test
