// The runtimes `vmrun serve` offers (GET /api/v2/runtimes), found in the
// default root filesystems at start-up: Python (the rootfs's python3.N) and
// busybox sh, once per architecture whose root filesystem exists.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vmrun/sandbox.h"

namespace vmrun::server {

struct Runtime {
  std::string language;              // Piston's name: "python", "bash", "python-riscv64", ...
  std::string version;               // "3.11.2": from the root filesystem
  std::vector<std::string> aliases;  // other names a request may use
  std::string runtime;               // what runs it: "cpython", "busybox"
  std::string family;                // "python" or "sh": the same language on every arch
  Arch arch = Arch::X86_64;
  std::string rootfs;                // host directory of the guest root
  std::vector<std::string> command;  // argv before the file and the job's args
  std::string default_file_name;     // for a first file sent without a name
};

// Every runtime found under `rootfs_base` (one directory per arch).
// x86_64 runtimes come first and take the plain names ("python", "bash");
// the others are suffixed with their arch ("python-riscv64").
std::vector<Runtime> discover_runtimes(const std::string& rootfs_base);

// The runtime a request names: `language` is a language or an alias;
// `version` a Piston version selector ("3.11.2", "3.11", "3.x", "*", or
// empty for any); `arch`, when given, picks that architecture's runtime of
// the same family. nullptr when none matches.
const Runtime* find_runtime(const std::vector<Runtime>& runtimes, const std::string& language,
                            const std::string& version, const std::optional<Arch>& arch);

// Whether `version` ("3.11.2") matches the selector ("3.11", "3.x", "*").
bool version_matches(const std::string& version, const std::string& selector);

}  // namespace vmrun::server
