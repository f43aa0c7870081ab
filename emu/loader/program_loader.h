// exec's loader: reads the program from the guest filesystem (through the
// executable cache), follows a #! line to its interpreter, maps the ELF
// file and its ELF interpreter (ld.so) into an engine's address space, and
// builds the initial stack: argv, envp and the auxiliary vector. The
// kernel then installs the image in the process.
//
// Also the lookups that decide what to load before a run: the ELF machine
// of a file (which architecture, hence which root filesystem) and
// execvp's PATH search.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "emu/engine/engines.h"
#include "emu/loader/executable_cache.h"
#include "rootfs/vfs.h"
#include "vmrun/sandbox.h"

namespace vmrun {

struct ProcessImage;

// Why a program could not be started or exec'd.
struct ExecError {
  StopReason reason = StopReason::CannotExecute;
  std::string message;
  int err_no = ENOEXEC;  // what execve returns
};

// A program ready to run: its image (not yet any process's) and where it
// starts.
struct LoadedProgram {
  std::shared_ptr<ProcessImage> image;
  std::string path;               // the file run (a #! script's interpreter)
  std::vector<std::string> argv;  // as the program sees it
  uint64_t start_pc = 0;
  uint64_t brk = 0;               // the end of its data, page-aligned
};

class ProgramLoader {
 public:
  // The run's identity and architecture rules come from `config`; AT_RANDOM
  // bytes from `rng`.
  ProgramLoader(const Config& config, std::mt19937_64* rng, Engines* engines)
      : config_(config), rng_(rng), engines_(engines) {}

  // Load `path` (relative to `cwd`, a directory of `vfs`) with argv and
  // envp. On failure nothing is changed and *error says why.
  bool load(fs::Vfs& vfs, const fs::DirRef& cwd, const std::string& path, const std::vector<std::string>& argv,
            const std::vector<std::string>& envp, LoadedProgram* out, ExecError* error);

  // The architecture of an ELF file, if it is one we run.
  static std::optional<Arch> probe_arch(fs::Vfs& vfs, const std::string& cwd, const std::string& path);
  // execvp(3)'s search of `path_var` for `name`; "" and *err when none.
  static std::string search_path(fs::Vfs& vfs, const std::string& name, const std::string& path_var,
                                 const std::string& cwd, int* err);

 private:
  bool load_at_depth(fs::Vfs& vfs, const fs::DirRef& cwd, const std::string& path,
                     const std::vector<std::string>& argv, const std::vector<std::string>& envp, LoadedProgram* out,
                     ExecError* error, int depth);
  // A whole executable's bytes, from the cache when its file cannot have
  // changed; 0 or an errno. `content_key`: its fs::File::content_key.
  int read_executable(fs::Vfs& vfs, const fs::DirRef& cwd, const std::string& path,
                      std::shared_ptr<const ProgramBytes>* bytes, uint64_t* content_key);

  const Config& config_;
  std::mt19937_64* rng_;
  Engines* engines_;
  ExecutableCache cache_;
};

}  // namespace vmrun
