// fuzz_vfs_path: the virtual filesystem (rootfs/) on arbitrary guest paths.
//
// A small host tree is built once in a temporary directory T:
//   T/w/root     the lower layer (read-only rootfs) with hostile symlinks:
//                loops, links to "/", links climbing with ../../.., links
//                naming host paths outside the root, chains of 39 and 45
//                links (etc/chain39, etc/chain45 through etc/d -> .), a
//                FIFO, a private directory
//   T/w/ro       mounted read-only at /data/ro
//   T/w/rw       mounted read-write at /mnt/rw, with its own escaping
//                symlinks (put back as it was after every input that
//                changed it)
//   T/w/outside  and T/secret.txt: host files no guest path may reach
// Every input gets a fresh Vfs (overlay of the lower layer, in-memory upper
// layer with a 4 MiB quota, the mounts, /dev, /proc) and is a list of
// operations, one per line:
//
//   <op><sel><path>[\t<path2>[\t<base>]]
//
// op: o open (then read/write/list/stat/truncate the file), s stat,
// r readlink, a access, m mkdir, n mknod, d rmdir, u unlink, R rename,
// l link, y symlink (path2 is the target), c chmod, C chown, t utimens,
// T truncate, D resolve_dir, f statfs, w read_whole_file, h chdir,
// ! identity (sel odd: uid/gid 1000; only before the first other op).
// sel: one byte choosing flags/modes (see each op). base: a guest
// directory (resolved like chdir) or "#N", the path of open file N; empty
// means the current directory.
//
// Checked, besides "no crash": no file content, inode or host descriptor
// ever refers to anything outside T/w/root and the two mount sources; the
// host tree outside the rw mount is never modified; every path the Vfs
// reports as canonical is canonical.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "rootfs/vfs.h"

using namespace vmrun;
using namespace vmrun::fs;
using vmrun::fuzz::fail;

namespace {

constexpr const char* kSecret = "HOST-SECRET-5f1d";

struct World {
  fuzz::TempDir tmp{"vmrun-fuzz-vfs"};
  std::string w = tmp.path() + "/w";
  std::string root = w + "/root";
  std::string rw = w + "/rw";
  std::string ro = w + "/ro";
  std::string outside = w + "/outside";
  std::set<uint64_t> forbidden_inodes;  // host inodes outside the allowed trees
  uint64_t baseline = 0;     // host_tree_hash of T, the rw mount's contents left out
  std::string baseline_text;
  uint64_t rw_baseline = 0;  // host_tree_hash of the rw mount as populate_rw leaves it
  std::map<int, std::string> baseline_fds;
};
World* g_world = nullptr;

void populate_rw(const World& w) {
  fuzz::write_host_file(w.rw + "/existing", "rw data\n");
  fuzz::make_host_dir(w.rw + "/d");
  fuzz::write_host_file(w.rw + "/d/f", "in d\n");
  fuzz::make_host_symlink(w.outside, w.rw + "/escape");
  fuzz::make_host_symlink(w.outside + "/secret.txt", w.rw + "/escape_file");
  fuzz::make_host_symlink("../outside", w.rw + "/escape_rel");
  fuzz::make_host_symlink("../../../../../../..", w.rw + "/up");
  fuzz::make_host_symlink("/", w.rw + "/slash");
  fuzz::make_host_symlink("/mnt/rw/loop", w.rw + "/loop");
  if (mkfifo((w.rw + "/fifo").c_str(), 0644) != 0) fail("mkfifo rw");
}

void build_world(World& w) {
  using fuzz::make_host_dir, fuzz::write_host_file, fuzz::make_host_symlink;
  make_host_dir(w.w);
  make_host_dir(w.root);
  make_host_dir(w.rw);
  make_host_dir(w.ro);
  make_host_dir(w.outside);
  write_host_file(w.outside + "/secret.txt", kSecret);
  write_host_file(w.tmp.path() + "/secret.txt", kSecret);
  write_host_file(w.w + "/secret.txt", kSecret);
  const std::string& r = w.root;
  make_host_dir(r + "/etc");
  write_host_file(r + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
  write_host_file(r + "/etc/hostname", "guest\n");
  write_host_file(r + "/etc/shadow", "root:*:1::::::\n", 0600);
  if (link((r + "/etc/passwd").c_str(), (r + "/etc/passwd.hard").c_str()) != 0) fail("link");
  make_host_symlink("/../../../../etc", r + "/etc/evil");
  make_host_symlink("../../../../../..", r + "/etc/up");
  make_host_symlink("/", r + "/etc/abs");
  make_host_symlink("..", r + "/etc/dotdot");
  make_host_symlink(w.outside + "/secret.txt", r + "/etc/hostsecret");
  make_host_symlink(w.tmp.path(), r + "/etc/hosttmp");
  make_host_symlink(w.outside, r + "/etc/hostdir");
  make_host_symlink("loop2", r + "/etc/loop1");
  make_host_symlink("loop1", r + "/etc/loop2");
  make_host_symlink("self", r + "/etc/self");
  make_host_symlink("passwd", r + "/etc/pw");
  make_host_symlink("pw/", r + "/etc/pwslash");
  make_host_symlink("../usr/share/doc/../../etc/up/etc", r + "/etc/deep");
  make_host_symlink("/proc/self/root/etc/up", r + "/etc/viaproc");
  make_host_symlink("/mnt/rw/escape", r + "/etc/tomount");
  make_host_symlink(std::string(250, 'x') + "/" + std::string(250, 'y'), r + "/etc/longtarget");
  // Long chains from one file: etc/d -> "." so that d/d/.../passwd
  // expands one link per "d": 39 links in chain39 (allowed), 45 in chain45
  // (ELOOP).
  make_host_symlink(".", r + "/etc/d");
  std::string d38, d44;
  for (int i = 0; i < 38; i++) d38 += "d/";
  for (int i = 0; i < 44; i++) d44 += "d/";
  make_host_symlink(d38 + "passwd", r + "/etc/chain39");
  make_host_symlink(d44 + "passwd", r + "/etc/chain45");
  if (mkfifo((r + "/etc/fifo").c_str(), 0644) != 0) fail("mkfifo");
  make_host_dir(r + "/bin");
  write_host_file(r + "/bin/sh", "\x7f" "ELF not really", 0755);
  write_host_file(r + "/bin/noexec", "data", 0644);
  make_host_dir(r + "/usr");
  make_host_dir(r + "/usr/lib");
  make_host_symlink("../lib", r + "/usr/lib64");
  make_host_symlink("usr/lib", r + "/lib");
  write_host_file(r + "/usr/lib/libc.so", "libc-bytes");
  make_host_dir(r + "/usr/share");
  make_host_dir(r + "/usr/share/doc");
  write_host_file(r + "/usr/share/doc/a.txt", "doc a");
  make_host_dir(r + "/home");
  make_host_dir(r + "/home/user");
  write_host_file(r + "/home/user/file.txt", "hello lower");
  make_host_symlink("../../../../..", r + "/home/user/up");
  make_host_symlink("/tmp", r + "/home/user/tmplink");
  make_host_dir(r + "/secret", 0700);
  write_host_file(r + "/secret/key", "k", 0600);
  make_host_dir(r + "/dev");  // hidden by the synthetic /dev
  write_host_file(r + "/dev/sda", "not a device");
  make_host_dir(r + "/proc");
  make_host_dir(r + "/tmp", 01777);
  make_host_dir(r + "/readonly", 0555);
  write_host_file(r + "/readonly/f", "ro", 0444);
  write_host_file(w.ro + "/readme", "ro data\n");
  make_host_dir(w.ro + "/sub");
  make_host_symlink("../../etc/passwd", w.ro + "/sub/link");
  make_host_symlink(w.outside, w.ro + "/escape");
  populate_rw(w);
}

bool under(const std::string& p, const std::string& dir) {
  return p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 && p[dir.size()] == '/');
}

// Every host fd we did not have before the input must be inside the root
// or a mount source.
void check_host_fds(const World& w) {
  for (auto& [fd, target] : fuzz::host_fds()) {
    auto it = w.baseline_fds.find(fd);
    if (it != w.baseline_fds.end() && it->second == target) continue;
    if (target.empty() || target[0] != '/') continue;  // pipe:, anon_inode:, socket:
    if (under(target, w.root) || under(target, w.ro) || under(target, w.rw)) continue;
    fail("host fd " + std::to_string(fd) + " refers to " + target + ", outside the guest's trees");
  }
}

bool canonical(const std::string& p) {
  if (p.empty() || p[0] != '/') return false;
  if (p == "/") return true;
  if (p.back() == '/') return false;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string_view c(p.data() + i, j - i);
    if (c.empty() || c == "." || c == "..") return false;
    i = j + 1;
  }
  return true;
}

void check_content(std::string_view data, const char* what) {
  if (data.find(kSecret) != std::string_view::npos) fail(std::string(what) + " returned a host file outside the root");
}

void check_attr(const World& w, const Attr& a, const char* what) {
  if (a.ino < (1ull << 40) && w.forbidden_inodes.count(a.ino))
    fail(std::string(what) + " returned the inode of a host file outside the root");
}

class FakeProcess : public ProcessView {
 public:
  int pid() const override { return 7; }
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
  std::string cmdline() const override { return std::string("sh\0-c\0x\0", 8); }
  std::map<int, FileRef> fds;
  std::string cwd_ = "/";
};

struct Op {
  char op = 0;
  uint8_t sel = 0;
  std::string_view path, path2, base;
};

std::vector<Op> parse(std::string_view in) {
  std::vector<Op> ops;
  while (!in.empty() && ops.size() < 64) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (line.empty()) continue;
    Op o;
    o.op = line[0];
    if (line.size() > 1) o.sel = static_cast<uint8_t>(line[1]);
    std::string_view rest = line.size() > 2 ? line.substr(2) : std::string_view();
    std::string_view* fields[3] = {&o.path, &o.path2, &o.base};
    for (int i = 0; i < 3; i++) {
      size_t tab = i < 2 ? rest.find('\t') : std::string_view::npos;
      *fields[i] = rest.substr(0, tab);
      if (tab == std::string_view::npos) break;
      rest = rest.substr(tab + 1);
    }
    ops.push_back(o);
  }
  return ops;
}

constexpr int kOpenFlags[8] = {O_RDONLY,          O_WRONLY,           O_RDWR,
                               O_RDONLY | O_PATH, O_WRONLY | O_CREAT, O_RDWR | O_CREAT | O_EXCL,
                               O_WRONLY | O_CREAT | O_TRUNC,          O_RDWR | O_CREAT};

void exercise_file(const World& w, const FileRef& f, uint8_t sel, std::string_view data) {
  if (!canonical(f->path) && f->path.rfind("pipe:", 0) != 0 && f->path.rfind("anon_inode:", 0) != 0)
    fail("open gave a non-canonical path: " + f->path);
  auto st = f->stat();
  if (st.ok()) check_attr(w, st.value(), "fstat");
  char buf[512];
  auto r = f->read(buf, sizeof buf);
  if (r.ok()) {
    if (r.value() > sizeof buf) fail("read returned more than asked");
    check_content(std::string_view(buf, r.value()), "read");
  }
  auto pr = f->pread(buf, sizeof buf, sel & 0x10 ? 3 : 0);
  if (pr.ok()) check_content(std::string_view(buf, pr.value()), "pread");
  if (!data.empty()) {
    auto wr = f->write(data.data(), data.size());
    if (wr.ok() && wr.value() > data.size()) fail("write reported more than given");
    (void)f->pwrite(data.data(), data.size(), sel & 0x20 ? 4096 : 1);
  }
  if (sel & 0x40) (void)f->seek(sel & 0x10 ? -1 : 2, sel & 3);
  if (sel & 0x80) (void)f->truncate(sel & 0x10 ? 1 : 0);
  auto l = f->list_dir();
  if (l.ok())
    for (auto& e : l.value())
      if (e.name.empty() || e.name.find('/') != std::string::npos) fail("list_dir gave a bad name");
  (void)f->poll_ready();
}

void run_ops(World& w, const std::vector<Op>& ops) {
  VfsConfig c;
  c.lower_root = w.root;
  c.mounts.push_back(MountSpec{w.rw, "/mnt/rw", true});
  c.mounts.push_back(MountSpec{w.ro, "/data/ro", false});
  c.max_upper_bytes = 4 << 20;
  c.now = [] { return Timespec{1767225600, 0}; };
  c.cpuinfo = "processor\t: 0\n";
  c.meminfo = "MemTotal: 1024 kB\n";
  c.uptime = [] { return 1.5; };
  c.random_seed = 1;
  size_t first = 0;
  if (!ops.empty() && ops[0].op == '!') {
    if (ops[0].sel & 1) c.uid = c.gid = 1000;
    first = 1;
  }
  std::string err;
  std::unique_ptr<Vfs> v = Vfs::create(c, &err);
  if (!v) fail("Vfs::create: " + err);
  FakeProcess proc;
  v->set_process(&proc);
  std::vector<FileRef> held;  // kept open until the fd check

  auto base_of = [&](std::string_view spec) -> std::string {
    if (spec.empty()) return proc.cwd_;
    if (spec[0] == '#') {
      int n = spec.size() > 1 ? (spec[1] - '0') : 0;
      auto f = proc.fd_file(n);
      return f ? f->path : proc.cwd_;
    }
    auto d = v->resolve_dir("/", spec);
    return d.ok() ? d.value() : std::string("/");
  };

  for (size_t i = first; i < ops.size(); i++) {
    const Op& o = ops[i];
    std::string base = base_of(o.base);
    if (!canonical(base)) fail("base not canonical: " + base);
    uint8_t s = o.sel;
    switch (o.op) {
      case 'o': {
        int flags = kOpenFlags[s & 7];
        if (s & 0x08) flags |= O_NOFOLLOW;
        if (s & 0x10) flags |= O_DIRECTORY;
        if (s & 0x20) flags |= O_APPEND;
        if (s & 0x40) flags |= O_TRUNC;
        auto f = v->open(base, o.path, flags, s & 0x80 ? 0 : 0644);
        if (f.ok()) {
          if (!f.value()) fail("open returned a null file");
          exercise_file(w, f.value(), s, o.path2);
          if (proc.fds.size() < 10) proc.fds[static_cast<int>(proc.fds.size())] = f.value();
          held.push_back(f.value());
        }
        break;
      }
      case 's': {
        auto a = v->stat(base, o.path, !(s & 1));
        if (a.ok()) check_attr(w, a.value(), "stat");
        break;
      }
      case 'r': {
        auto t = v->readlink(base, o.path);
        if (t.ok() && t.value().size() >= 4096) fail("readlink longer than PATH_MAX");
        break;
      }
      case 'a': (void)v->access(base, o.path, s & 7, !(s & 8)); break;
      case 'm': {
        static const uint32_t kModes[4] = {0755, 0, 01777, 0700};
        (void)v->mkdir(base, o.path, kModes[s & 3]);
        break;
      }
      case 'n': {
        static const uint32_t kTypes[4] = {S_IFIFO, S_IFREG, S_IFCHR, S_IFSOCK};
        (void)v->mknod(base, o.path, kTypes[s & 3] | 0644, makedev(1, s >> 2));
        break;
      }
      case 'd': (void)v->rmdir(base, o.path); break;
      case 'u': (void)v->unlink(base, o.path); break;
      case 'R': (void)v->rename(base, o.path, base, o.path2, s & 3); break;
      case 'l': (void)v->link(base, o.path, base, o.path2, s & 1); break;
      case 'y': (void)v->symlink(o.path2, base, o.path); break;
      case 'c': (void)v->chmod(base, o.path, (s * 0x41u) & 07777, !(s & 0x80)); break;
      case 'C': {
        static const int64_t kIds[4] = {-1, 0, 1000, 65534};
        (void)v->chown(base, o.path, kIds[s & 3], kIds[(s >> 2) & 3], !(s & 0x80));
        break;
      }
      case 't': {
        Timespec a{s & 1 ? 0 : 12345, s & 2 ? kUtimeNow : (s & 4 ? kUtimeOmit : 7)};
        Timespec m{s & 8 ? -1 : 99, s & 0x10 ? kUtimeOmit : 0};
        (void)v->utimens(base, o.path, a, m, !(s & 0x80));
        break;
      }
      case 'T': {
        uint64_t len = static_cast<uint64_t>(s & 0x3f) << ((s >> 6) * 10);
        (void)v->truncate(base, o.path, len);
        break;
      }
      case 'D': {
        auto d = v->resolve_dir(base, o.path);
        if (d.ok() && !canonical(d.value())) fail("resolve_dir gave a non-canonical path: " + d.value());
        break;
      }
      case 'f': (void)v->statfs(base, o.path); break;
      case 'w': {
        auto d = v->read_whole_file(o.path, s & 1 ? 4096 : 16);
        if (d.ok()) {
          if (d.value().size() > (s & 1 ? 4096u : 16u)) fail("read_whole_file exceeded its maximum");
          check_content(d.value(), "read_whole_file");
        }
        break;
      }
      case 'h': {
        auto d = v->resolve_dir(base, o.path);
        if (d.ok()) {
          if (!canonical(d.value())) fail("resolve_dir gave a non-canonical path: " + d.value());
          proc.cwd_ = d.value();
        }
        break;
      }
      default: break;
    }
    if (v->upper_bytes() > c.max_upper_bytes + (1 << 20)) fail("upper layer far beyond its quota");
  }
  for (auto& cf : v->changed_files())
    if (!canonical(cf.guest_path)) fail("changed_files gave a non-canonical path: " + cf.guest_path);
  check_host_fds(w);
  proc.fds.clear();
  held.clear();
  v.reset();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logging();
  g_world = new World;
  World& w = *g_world;
  build_world(w);
  for (const std::string& p : {w.tmp.path(), w.w, w.outside, w.outside + "/secret.txt", w.tmp.path() + "/secret.txt",
                               w.w + "/secret.txt"}) {
    struct stat st {};
    if (lstat(p.c_str(), &st) == 0) w.forbidden_inodes.insert(st.st_ino);
  }
  w.baseline = fuzz::host_tree_hash(w.tmp.path(), w.rw);
  w.baseline_text = fuzz::host_tree_text(w.tmp.path(), w.rw);
  w.rw_baseline = fuzz::host_tree_hash(w.rw);
  for (auto& [fd, target] : fuzz::host_fds()) w.baseline_fds[fd] = target;
  std::atexit([] {
    delete g_world;
    g_world = nullptr;
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return -1;
  World& w = *g_world;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  run_ops(w, parse(in));
  if (fuzz::host_tree_hash(w.tmp.path(), w.rw) != w.baseline)
    fail("the host tree changed outside the rw mount; before:\n" + w.baseline_text + "after:\n" +
         fuzz::host_tree_text(w.tmp.path(), w.rw));
  // The rw mount back to its initial state for the next input (only when
  // the input changed it: recreating it costs more than the input).
  if (fuzz::host_tree_hash(w.rw) != w.rw_baseline) {
    fuzz::remove_tree_contents(w.rw);
    populate_rw(w);
    w.rw_baseline = fuzz::host_tree_hash(w.rw);
  }
  return 0;
}
