#include "server/job_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vmrun::server {

std::string check_file_name(const std::string& name) {
  if (name.empty()) return "empty file name";
  if (name.size() > 1024) return "file name longer than 1024 bytes";
  if (name[0] == '/') return "absolute file name '" + name + "' (names are relative to the job directory)";
  int depth = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return "file name '" + name + "' has an empty, '.' or '..' component";
    if (part.size() > 255) return "a component of file name '" + name.substr(0, 64) + "...' is longer than 255 bytes";
    for (unsigned char c : part)
      if (c < 0x20 || c == 0x7f) return "file name has a NUL or control character";
    if (++depth > 8) return "file name '" + name + "' is more than 8 levels deep";
    start = end + 1;
  }
  return "";
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::string> decode_base64(const std::string& in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      padding++;
      continue;
    }
    if (padding) return std::nullopt;  // data after padding
    int d = base64_digit(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2 || bits >= 6) return std::nullopt;  // a lone sextet is no byte
  return out;
}

}  // namespace

std::optional<std::string> decode_content(const std::string& content, const std::string& encoding) {
  if (encoding.empty() || encoding == "utf8" || encoding == "utf-8") return content;
  if (encoding == "base64") return decode_base64(content);
  if (encoding == "hex") {
    if (content.size() % 2) return std::nullopt;
    std::string out(content.size() / 2, '\0');
    for (size_t i = 0; i < out.size(); i++) {
      int hi = hex_digit(content[2 * i]), lo = hex_digit(content[2 * i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out[i] = static_cast<char>(hi * 16 + lo);
    }
    return out;
  }
  return std::nullopt;
}

JobDirectory::JobDirectory(const std::string& parent) {
  std::string tmpl = parent + "/vmrun-job-XXXXXX";
  if (mkdtemp(tmpl.data()))
    path_ = tmpl;
  else
    error_ = "cannot create a job directory in " + parent + ": " + std::strerror(errno);
}

JobDirectory::~JobDirectory() {
  if (path_.empty()) return;
  std::error_code ec;
  // remove_all removes symbolic links themselves, never what they point to.
  // A guest may leave a directory without write or search permission: give
  // them back first (on the tree itself, links not followed).
  for (auto it = std::filesystem::recursive_directory_iterator(
           path_, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0700);
  }
  chmod(path_.c_str(), 0700);
  std::filesystem::remove_all(path_, ec);
}

bool JobDirectory::write(const std::vector<JobFile>& files, std::string* error) {
  int root = open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    *error = "cannot open the job directory: " + std::string(std::strerror(errno));
    return false;
  }
  bool ok = true;
  for (const JobFile& f : files) {
    // Walk the components with *at() calls: the directory is fresh and
    // private, and no link is followed even so.
    int dir = dup(root);
    size_t start = 0;
    while (ok) {
      size_t slash = f.name.find('/', start);
      if (slash == std::string::npos) break;
      std::string part = f.name.substr(start, slash - start);
      if (mkdirat(dir, part.c_str(), 0755) != 0 && errno != EEXIST) ok = false;
      int next = ok ? openat(dir, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
      close(dir);
      dir = next;
      if (dir < 0) ok = false;
      start = slash + 1;
    }
    if (ok) {
      std::string leaf = f.name.substr(start);
      int fd = openat(dir, leaf.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) ok = false;
      size_t done = 0;
      while (ok && done < f.content.size()) {
        ssize_t w = ::write(fd, f.content.data() + done, f.content.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) ok = false;
        else done += static_cast<size_t>(w);
      }
      if (fd >= 0) close(fd);
    }
    if (dir >= 0) close(dir);
    if (!ok) {
      *error = "cannot write job file '" + f.name + "': " + std::strerror(errno);
      break;
    }
  }
  close(root);
  return ok;
}

namespace {

constexpr const char* kServerDirPrefix = "vmrun-serve-";

void remove_tree(const std::string& path) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           path, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0700);
  }
  std::filesystem::remove_all(path, ec);
}

}  // namespace

ServerWorkDirectory::ServerWorkDirectory(const std::string& parent) {
  std::string tmpl = parent + "/" + kServerDirPrefix + "XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    error_ = "cannot create a directory in " + parent + ": " + std::strerror(errno);
    return;
  }
  // The lock is held by this process (and the emulator processes it
  // forks, which die with it): a free lock means the server is gone.
  lock_fd_ = open((tmpl + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    error_ = "cannot lock " + tmpl + "/.lock: " + std::strerror(errno);
    remove_tree(tmpl);
    return;
  }
  path_ = tmpl;
}

ServerWorkDirectory::~ServerWorkDirectory() {
  if (!path_.empty()) remove_tree(path_);
  if (lock_fd_ >= 0) close(lock_fd_);
}

int ServerWorkDirectory::remove_stale(const std::string& parent) {
  int removed = 0;
  DIR* d = opendir(parent.c_str());
  if (!d) return 0;
  std::vector<std::string> names;
  while (dirent* e = readdir(d))
    if (std::string(e->d_name).rfind(kServerDirPrefix, 0) == 0) names.push_back(e->d_name);
  closedir(d);
  for (const std::string& n : names) {
    std::string dir = parent + "/" + n;
    struct stat st;
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
    int fd = open((dir + "/.lock").c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;  // not ours, or still being made
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      remove_tree(dir);
      removed++;
    }
    close(fd);
  }
  return removed;
}

}  // namespace vmrun::server
