#include "fuzz/fuzz_support.h"

#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vmrun::fuzz {

void fail(const std::string& what) {
  std::fprintf(stderr, "FUZZ HARNESS FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

TempDir::TempDir(const char* prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) fail("mkdtemp " + tmpl + ": " + std::strerror(errno));
  path_ = tmpl;
}

TempDir::~TempDir() { remove_tree(path_); }

void remove_tree_contents(const std::string& dir) {
  // Directories may have been chmod'ed by the guest (rw mount): make them
  // searchable and writable first, then remove depth-first.
  nftw(dir.c_str(), [](const char* p, const struct stat*, int type, struct FTW*) {
    if (type == FTW_D || type == FTW_DNR || type == FTW_DP) chmod(p, 0700);
    return 0;
  }, 32, FTW_PHYS);
  nftw(dir.c_str(), [](const char* p, const struct stat*, int, struct FTW* ftw) {
    if (ftw->level > 0) remove(p);
    return 0;
  }, 32, FTW_DEPTH | FTW_PHYS);
}

void remove_tree(const std::string& dir) {
  remove_tree_contents(dir);
  rmdir(dir.c_str());
}

void write_host_file(const std::string& path, std::string_view data, unsigned mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail("open " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = write(fd, data.data() + done, data.size() - done);
    if (w <= 0) fail("write " + path);
    done += static_cast<size_t>(w);
  }
  fchmod(fd, mode);
  close(fd);
}

void make_host_dir(const std::string& path, unsigned mode) {
  if (mkdir(path.c_str(), mode) != 0) fail("mkdir " + path + ": " + std::strerror(errno));
  chmod(path.c_str(), mode);
}

void make_host_symlink(const std::string& target, const std::string& path) {
  if (symlink(target.c_str(), path.c_str()) != 0) fail("symlink " + path + ": " + std::strerror(errno));
}

std::string minimal_elf(Arch arch, std::string_view code) {
  constexpr uint64_t kBase = kCodeAddr - 0x1000;
  std::string f(0x1000, '\0');
  f.append(code.data(), code.size());
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  eh.e_type = ET_EXEC;
  eh.e_machine = arch == Arch::X86_64 ? EM_X86_64 : EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = kCodeAddr;
  eh.e_phoff = sizeof eh;
  eh.e_flags = arch == Arch::RiscV64 ? 0x5 : 0;  // RVC, double-float ABI
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 3;
  Elf64_Phdr ph[3]{};
  // Headers and code, read+execute; at least one byte past the headers so
  // that the entry point lies inside the segment even for empty code.
  ph[0].p_type = PT_LOAD;
  ph[0].p_flags = PF_R | PF_X;
  ph[0].p_offset = 0;
  ph[0].p_vaddr = ph[0].p_paddr = kBase;
  ph[0].p_filesz = f.size();
  ph[0].p_memsz = std::max<uint64_t>(f.size(), 0x1000 + 1);
  ph[0].p_align = 0x1000;
  // Zeroed data, read+write.
  ph[1].p_type = PT_LOAD;
  ph[1].p_flags = PF_R | PF_W;
  ph[1].p_offset = 0;
  ph[1].p_vaddr = ph[1].p_paddr = kDataAddr;
  ph[1].p_filesz = 0;
  ph[1].p_memsz = kDataSize;
  ph[1].p_align = 0x1000;
  ph[2].p_type = PT_GNU_STACK;
  ph[2].p_flags = PF_R | PF_W;
  std::memcpy(f.data(), &eh, sizeof eh);
  std::memcpy(f.data() + sizeof eh, ph, sizeof ph);
  return f;
}

namespace {

// Depth-first walk with directory fds; calls `visit(path, st)` for each
// entry. Helpers here are built without coverage instrumentation (see
// fuzz/CMakeLists.txt) so that they do not feed libFuzzer's coverage.
template <class F>
void walk_tree(int dirfd, const std::string& path, const std::string& skip_below, F& visit) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  std::vector<std::string> names;
  while (auto* de = readdir(d))
    if (std::strcmp(de->d_name, ".") && std::strcmp(de->d_name, "..")) names.push_back(de->d_name);
  std::sort(names.begin(), names.end());
  for (auto& n : names) {
    struct stat st {};
    if (fstatat(fd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    std::string p = path + "/" + n;
    visit(p, st);
    if (S_ISDIR(st.st_mode) && p != skip_below) {
      int sub = openat(fd, n.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) {
        walk_tree(sub, p, skip_below, visit);
        close(sub);
      }
    }
  }
  closedir(d);
}

template <class F>
void walk_root(const std::string& dir, const std::string& skip_below, F visit) {
  int fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  if (fstat(fd, &st) == 0) visit(dir, st);
  walk_tree(fd, dir, skip_below, visit);
  close(fd);
}

}  // namespace

uint64_t host_tree_hash(const std::string& dir, const std::string& skip_below) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  };
  walk_root(dir, skip_below, [&](const std::string& p, const struct stat& st) {
    mix(p.data(), p.size());
    bool skip = p == skip_below;
    if (skip) {
      uint64_t v[] = {st.st_mode & S_IFMT, st.st_ino};
      mix(v, sizeof v);
      return;
    }
    uint64_t v[] = {st.st_mode,
                    static_cast<uint64_t>(st.st_size),
                    st.st_ino,
                    st.st_nlink,
                    st.st_uid,
                    st.st_gid,
                    static_cast<uint64_t>(st.st_mtim.tv_sec),
                    static_cast<uint64_t>(st.st_mtim.tv_nsec),
                    static_cast<uint64_t>(st.st_ctim.tv_sec),
                    static_cast<uint64_t>(st.st_ctim.tv_nsec)};
    mix(v, sizeof v);
    // Contents too: a same-size write within one coarse timestamp tick
    // changes neither size nor times (the rw mount then kept a previous
    // input's bytes, and the secret one of them wrote read as an escape).
    if (S_ISREG(st.st_mode) && st.st_size <= (64 << 10)) {
      int fd = open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
      if (fd >= 0) {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) mix(buf, static_cast<size_t>(n));
        close(fd);
      }
    }
  });
  return h;
}

std::string host_tree_text(const std::string& dir, const std::string& skip_below) {
  std::string out;
  walk_root(dir, skip_below, [&](const std::string& p, const struct stat& st) {
    char buf[256];
    std::snprintf(buf, sizeof buf, " mode=%o size=%lld ino=%llu nlink=%llu m=%lld.%09ld c=%lld.%09ld\n", st.st_mode,
                  static_cast<long long>(st.st_size), static_cast<unsigned long long>(st.st_ino),
                  static_cast<unsigned long long>(st.st_nlink), static_cast<long long>(st.st_mtim.tv_sec),
                  st.st_mtim.tv_nsec, static_cast<long long>(st.st_ctim.tv_sec), st.st_ctim.tv_nsec);
    out += p + buf;
  });
  return out;
}

std::vector<std::pair<int, std::string>> host_fds() {
  std::vector<std::pair<int, std::string>> out;
  DIR* d = opendir("/proc/self/fd");
  if (!d) fail("opendir /proc/self/fd");
  int self = dirfd(d);
  while (auto* de = readdir(d)) {
    if (de->d_name[0] == '.') continue;
    int fd = std::atoi(de->d_name);
    if (fd == self) continue;
    char buf[4096];
    ssize_t n = readlinkat(self, de->d_name, buf, sizeof buf - 1);
    if (n > 0) out.emplace_back(fd, std::string(buf, static_cast<size_t>(n)));
  }
  closedir(d);
  return out;
}

void quiet_logging() { spdlog::set_level(spdlog::level::off); }

std::string default_rootfs(Arch arch) {
  const char* env = std::getenv("VMRUN_FUZZ_ROOTFS_BASE");
  std::string base = env && *env ? env : std::string(VMRUN_SOURCE_DIR) + "/.deps/rootfs";
  return base + "/" + arch_name(arch);
}

}  // namespace vmrun::fuzz
