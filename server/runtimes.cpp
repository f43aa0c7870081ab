#include "server/runtimes.h"

#include <dirent.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <regex>

namespace vmrun::server {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The first line of a Debian changelog.Debian.gz: "python3.11 (3.11.2-6+deb12u8) bookworm; ...".
std::string first_changelog_line(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return "";
  char line[512] = {};
  const char* got = gzgets(f, line, sizeof line);
  gzclose(f);
  return got ? std::string(got) : "";
}

// The upstream version of a Debian package from its changelog:
// "busybox (1:1.35.0-4+deb12u1) ..." -> "1.35.0".
std::string debian_upstream_version(const std::string& changelog) {
  static const std::regex pattern(R"(^\S+ \((?:\d+:)?(\d+(?:\.\d+)+)[^)]*\))");
  std::smatch m;
  std::string line = first_changelog_line(changelog);
  return std::regex_search(line, m, pattern) ? m[1].str() : "";
}

// The version a guest program prints, run once in the sandbox: the
// fallback when the root filesystem carries no Debian changelog.
std::string probe_version(const std::string& rootfs, const std::vector<std::string>& argv, const std::string& pattern) {
  Config config;
  config.rootfs = rootfs;
  config.limits.timeout_seconds = 60;
  RunRequest req;
  req.argv = argv;
  RunResult r = Sandbox(config).run(req);
  std::smatch m;
  std::string text = r.stdout_data + r.stderr_data;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

// python3.N directories under usr/lib, newest first.
std::vector<std::string> python_dirs(const std::string& rootfs) {
  std::vector<std::pair<int, std::string>> found;
  if (DIR* d = opendir((rootfs + "/usr/lib").c_str())) {
    static const std::regex name(R"(python3\.(\d+))");
    while (dirent* e = readdir(d)) {
      std::smatch m;
      std::string n = e->d_name;
      if (std::regex_match(n, m, name)) found.push_back({std::stoi(m[1].str()), n});
    }
    closedir(d);
  }
  std::sort(found.rbegin(), found.rend());
  std::vector<std::string> out;
  for (auto& [minor, n] : found) out.push_back(n);
  return out;
}

}  // namespace

std::vector<Runtime> discover_runtimes(const std::string& rootfs_base) {
  std::vector<Runtime> out;
  for (Arch arch : all_arches()) {
    std::string rootfs = rootfs_base + "/" + arch_name(arch);
    if (!exists(rootfs)) continue;
    std::string suffix = arch == Arch::X86_64 ? "" : std::string("-") + arch_name(arch);
    auto dirs = python_dirs(rootfs);
    if (!dirs.empty() && exists(rootfs + "/usr/bin/" + dirs[0])) {
      Runtime py;
      py.family = "python";
      py.runtime = "cpython";
      py.arch = arch;
      py.rootfs = rootfs;
      py.language = "python" + suffix;
      py.aliases = {"py" + suffix, "python3" + suffix};
      py.command = {"/usr/bin/" + dirs[0]};
      py.default_file_name = "main.py";
      py.version = debian_upstream_version(rootfs + "/usr/share/doc/lib" + dirs[0] + "-minimal/changelog.Debian.gz");
      if (py.version.empty())
        py.version = probe_version(rootfs, {py.command[0], "-c", "import platform; print(platform.python_version())"},
                                   R"((\d+\.\d+\.\d+))");
      if (!py.version.empty())
        out.push_back(py);
      else
        spdlog::warn("runtimes: cannot tell the version of {} in {}; python{} not offered", dirs[0], rootfs, suffix);
    }
    if (exists(rootfs + "/bin/busybox")) {
      Runtime sh;
      sh.family = "sh";
      sh.runtime = "busybox";
      sh.arch = arch;
      sh.rootfs = rootfs;
      sh.language = "bash" + suffix;
      sh.aliases = {"sh" + suffix, "busybox" + suffix};
      sh.command = {"/bin/busybox", "sh"};
      sh.default_file_name = "main.sh";
      sh.version = debian_upstream_version(rootfs + "/usr/share/doc/busybox-static/changelog.Debian.gz");
      if (sh.version.empty()) sh.version = probe_version(rootfs, {"/bin/busybox"}, R"(BusyBox v(\d+\.\d+\.\d+))");
      if (!sh.version.empty())
        out.push_back(sh);
      else
        spdlog::warn("runtimes: cannot tell busybox's version in {}; bash{} not offered", rootfs, suffix);
    }
  }
  return out;
}

bool version_matches(const std::string& version, const std::string& selector) {
  if (selector.empty() || selector == "*" || selector == "x" || selector == "latest") return true;
  // Component by component; "x", "X" or "*" matches anything from there on.
  size_t v = 0, s = 0;
  while (s < selector.size()) {
    size_t s_end = selector.find('.', s), v_end = version.find('.', v);
    std::string want = selector.substr(s, s_end == std::string::npos ? std::string::npos : s_end - s);
    if (want == "x" || want == "X" || want == "*") return true;
    if (v > version.size()) return false;
    std::string have = version.substr(v, v_end == std::string::npos ? std::string::npos : v_end - v);
    if (want != have) return false;
    if (s_end == std::string::npos) return true;
    if (v_end == std::string::npos) return false;
    s = s_end + 1;
    v = v_end + 1;
  }
  return true;
}

const Runtime* find_runtime(const std::vector<Runtime>& runtimes, const std::string& language,
                            const std::string& version, const std::optional<Arch>& arch) {
  const Runtime* named = nullptr;
  for (const Runtime& r : runtimes) {
    bool name_ok = r.language == language || std::find(r.aliases.begin(), r.aliases.end(), language) != r.aliases.end();
    if (name_ok) {
      named = &r;
      break;
    }
  }
  if (!named) return nullptr;
  for (const Runtime& r : runtimes) {
    if (r.family != named->family) continue;
    if (arch ? r.arch != *arch : &r != named) continue;
    return version_matches(r.version, version) ? &r : nullptr;
  }
  return nullptr;
}

}  // namespace vmrun::server
