#include "emu/loader/program_loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "emu/arch/guest_abi.h"
#include "emu/kernel/process.h"
#include "emu/loader/elf_loader.h"

namespace vmrun {
namespace {

constexpr uint64_t kMaxProgramBytes = 1ull << 30;
constexpr uint64_t kMaxArgBytes = 2ull << 20;  // argv+envp strings (ARG_MAX-like), E2BIG beyond

}  // namespace

bool ProgramLoader::load(fs::Vfs& vfs, const fs::DirRef& cwd, const std::string& path,
                         const std::vector<std::string>& argv, const std::vector<std::string>& envp, LoadedProgram* out,
                         ExecError* error) {
  return load_at_depth(vfs, cwd, path, argv, envp, out, error, 0);
}

bool ProgramLoader::load_at_depth(fs::Vfs& vfs, const fs::DirRef& cwd, const std::string& path,
                                  const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                                  LoadedProgram* out, ExecError* error, int depth) {
  auto fail = [&](StopReason reason, std::string msg, int err_no = ENOEXEC) {
    error->reason = reason;
    error->message = path + ": " + msg;
    error->err_no = err_no;
    return false;
  };
  std::shared_ptr<const ProgramBytes> file;
  uint64_t content_key = 0;
  int read_error = read_executable(vfs, cwd, path, &file, &content_key);
  if (read_error) {
    int e = read_error;
    const char* what = e == EISDIR ? "Is a directory" : e == ENODEV ? "not a regular file" : std::strerror(e);
    return fail(e == ENOENT || e == ENOTDIR ? StopReason::NotFound : StopReason::CannotExecute, what,
                e == EISDIR || e == ENODEV ? EACCES : e);
  }

  const std::string_view bytes = file->view();
  if (bytes.size() >= 2 && bytes[0] == '#' && bytes[1] == '!') {
    if (depth >= 4) return fail(StopReason::CannotExecute, "too many levels of #! interpreters");
    std::string line(bytes.substr(2, std::min<size_t>(bytes.find('\n'), 256) - 2));
    auto trim = [](std::string s) {
      size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    line = trim(line);
    if (line.empty()) return fail(StopReason::CannotExecute, "empty #! line");
    size_t sp = line.find_first_of(" \t");
    std::string interp = line.substr(0, sp);
    std::vector<std::string> new_argv{interp};
    if (sp != std::string::npos && !trim(line.substr(sp)).empty()) new_argv.push_back(trim(line.substr(sp)));
    new_argv.push_back(path);
    for (size_t i = 1; i < argv.size(); i++) new_argv.push_back(argv[i]);
    ExecError inner;
    if (!load_at_depth(vfs, cwd, interp, new_argv, envp, out, &inner, depth + 1)) {
      error->reason = inner.reason == StopReason::NotFound ? StopReason::NotFound : StopReason::CannotExecute;
      error->message = path + ": bad interpreter: " + inner.message;
      error->err_no = inner.err_no;
      return false;
    }
    return true;
  }

  ElfImage image;
  std::string why;
  if (!parse_elf(bytes, &image, &why)) return fail(StopReason::CannotExecute, "cannot execute: " + why);
  // A dynamically linked program: its interpreter (ld.so) comes from the
  // guest filesystem too, and must itself be a self-contained ET_DYN.
  ElfImage interp_image;
  std::shared_ptr<const ProgramBytes> interp_file = std::make_shared<const ProgramBytes>(0);
  uint64_t interp_key = 0;
  if (!image.interpreter.empty()) {
    int e = read_executable(vfs, cwd, image.interpreter, &interp_file, &interp_key);
    if (e)
      return fail(e == ENOENT ? StopReason::NotFound : StopReason::CannotExecute,
                  "interpreter " + image.interpreter + ": " + std::strerror(e), e);
    std::string iwhy;
    if (!parse_elf(interp_file->view(), &interp_image, &iwhy))
      return fail(StopReason::CannotExecute, "interpreter " + image.interpreter + ": " + iwhy);
    if (!interp_image.interpreter.empty() || !interp_image.position_independent || interp_image.machine != image.machine)
      return fail(StopReason::CannotExecute, "interpreter " + image.interpreter + " is not a usable ld.so", ELIBBAD);
  }
  Arch arch = GuestAbi::for_machine(image.machine)->arch;  // parse_elf took only known machines
  if (config_.arch && *config_.arch != arch)
    return fail(StopReason::CannotExecute, std::string("Exec format error: a ") + arch_name(arch) +
                                               " program, but the sandbox runs " + arch_name(*config_.arch));

  if (!engines_->select(arch)) return fail(StopReason::CannotExecute, "Exec format error");
  GuestCpu& cpu = engines_->cpu();
  const AddressLayout& layout = cpu.layout();
  // A warm engine that last ran this program keeps its code translated;
  // otherwise a new one. Until the new image is complete, failure must
  // leave `p` untouched (the image, and its engine, just go).
  uint64_t tag = program_tag(bytes);
  std::string engine_error;
  std::shared_ptr<ProcessImage> new_image = engines_->for_exec(tag, &engine_error);
  if (!new_image) return fail(StopReason::SandboxError, engine_error);
  new_image->code_tag = tag;
  AddressSpace& mem = *new_image->mem;
  uint64_t bias = image.position_independent ? layout.pie_base - image.min_vaddr : 0;
  auto loaded = load_elf(mem, image, bytes, bias, path, content_key);
  if (!loaded.ok()) {
    if (loaded.error() == ENOMEM) return fail(StopReason::CannotExecute, "Cannot allocate memory", ENOMEM);
    return fail(StopReason::CannotExecute, std::string("cannot load: ") + std::strerror(loaded.error()));
  }
  uint64_t start_pc = loaded->entry, interp_base = 0;
  if (!image.interpreter.empty()) {
    auto base = mem.find_free(interp_image.max_vaddr - interp_image.min_vaddr, layout.mmap_top);
    if (!base.ok()) return fail(StopReason::CannotExecute, "Cannot allocate memory", ENOMEM);
    interp_base = base.value();
    auto interp = load_elf(mem, interp_image, interp_file->view(), interp_base - interp_image.min_vaddr, image.interpreter,
                           interp_key);
    if (!interp.ok())
      return fail(StopReason::CannotExecute, "cannot load interpreter: " + std::string(std::strerror(interp.error())),
                  interp.error());
    start_pc = interp->entry;
  }
  if (!cpu.map_signal_trampoline(mem)) return fail(StopReason::SandboxError, "cannot map the signal trampoline");

  // The main stack.
  uint64_t stack_lo = layout.stack_top - layout.stack_size;
  if (!mem.map_fixed(stack_lo, layout.stack_size, kProtRead | kProtWrite | (image.exec_stack ? uint32_t(kProtExec) : 0u),
                     "[stack]").ok())
    return fail(StopReason::CannotExecute, "cannot map the stack: out of memory");

  // Strings at the top of the stack, then the vectors below them.
  uint64_t total = 0;
  for (auto& a : argv) total += a.size() + 1;
  for (auto& e : envp) total += e.size() + 1;
  if (total > kMaxArgBytes) return fail(StopReason::CannotExecute, "Argument list too long", E2BIG);
  std::string strings;
  auto add_string = [&](const std::string& s) {
    uint64_t off = strings.size();
    strings += s;
    strings += '\0';
    return off;
  };
  std::vector<uint64_t> argv_off, envp_off;
  for (auto& a : argv) argv_off.push_back(add_string(a));
  for (auto& e : envp) envp_off.push_back(add_string(e));
  uint64_t execfn_off = add_string(path);
  uint64_t platform_off = cpu.platform() ? add_string(cpu.platform()) : 0;
  uint64_t random_off = strings.size();
  for (int i = 0; i < 16; i++) strings += static_cast<char>((*rng_)() & 0xff);
  uint64_t strings_addr = (layout.stack_top - 16 - strings.size()) & ~15ull;
  new_image->at_random = strings_addr + random_off;

  std::vector<uint64_t> words;
  words.push_back(argv.size());
  for (auto o : argv_off) words.push_back(strings_addr + o);
  words.push_back(0);
  for (auto o : envp_off) words.push_back(strings_addr + o);
  words.push_back(0);
  auto aux = [&](uint64_t k, uint64_t v) { words.push_back(k), words.push_back(v); };
  aux(AT_SYSINFO_EHDR, 0);
  words.resize(words.size() - 2);  // no vDSO: omit the entry entirely
  aux(AT_HWCAP, cpu.hwcap());
  aux(AT_PAGESZ, kPageSize);
  aux(AT_CLKTCK, 100);
  aux(AT_PHDR, loaded->phdr_addr);
  aux(AT_PHENT, image.phentsize);
  aux(AT_PHNUM, image.phnum);
  aux(AT_BASE, interp_base);
  aux(AT_FLAGS, 0);
  aux(AT_ENTRY, loaded->entry);
  aux(AT_UID, config_.uid);
  aux(AT_EUID, config_.uid);
  aux(AT_GID, config_.gid);
  aux(AT_EGID, config_.gid);
  aux(AT_SECURE, 0);
  aux(AT_RANDOM, strings_addr + random_off);
  aux(AT_HWCAP2, 0);
  aux(AT_EXECFN, strings_addr + execfn_off);
  if (cpu.platform()) aux(AT_PLATFORM, strings_addr + platform_off);
  aux(AT_NULL, 0);
  uint64_t sp = (strings_addr - words.size() * 8) & ~15ull;
  if (sp < stack_lo + 4096) return fail(StopReason::CannotExecute, "Argument list too long", E2BIG);
  if (!mem.fill(strings_addr, strings.data(), strings.size()).ok() ||
      !mem.fill(sp, words.data(), words.size() * 8).ok())
    return fail(StopReason::SandboxError, "cannot write the initial stack");

  // Code the previous program of a warm engine left and this one did not
  // adopt goes before the first instruction.
  mem.drop_parked();
  if (!engines_->start_program(*new_image, start_pc, sp, &engine_error))
    return fail(StopReason::SandboxError, engine_error);

  // The new image is complete: the kernel puts it in the process.
  new_image->brk_start = new_image->brk_current = new_image->brk_mapped_end = page_up(loaded->end);
  new_image->mmap_top = layout.mmap_top;
  out->image = std::move(new_image);
  out->path = path;
  out->argv = argv;
  out->start_pc = start_pc;
  out->brk = page_up(loaded->end);
  return true;
}

int ProgramLoader::read_executable(fs::Vfs& vfs, const fs::DirRef& cwd, const std::string& path,
                                   std::shared_ptr<const ProgramBytes>* bytes, uint64_t* content_key) {
  std::string base = "/";
  if (cwd && !path.empty() && path[0] != '/') {
    if (cwd->removed()) return ENOENT;
    base = cwd->path();
  }
  auto opened = vfs.open(base, path, O_RDONLY, 0);
  if (!opened.ok()) return opened.error();
  fs::FileRef file = opened.value();
  auto attr = file->stat();
  if (!attr.ok()) return attr.error();
  if (S_ISDIR(attr->mode)) return EISDIR;
  if (!S_ISREG(attr->mode)) return ENODEV;
  if (!(attr->mode & 0111)) return EACCES;
  if (attr->size < 0 || static_cast<uint64_t>(attr->size) > kMaxProgramBytes) return ENOMEM;
  *content_key = file->content_key();
  if (auto cached = cache_.find(*content_key); cached && cached->size() == static_cast<size_t>(attr->size)) {
    *bytes = std::move(cached);
    return 0;
  }
  auto data = std::make_shared<ProgramBytes>(static_cast<size_t>(attr->size));
  size_t got = 0;
  while (got < data->size()) {
    auto r = file->pread(data->data() + got, data->size() - got, got);
    if (!r.ok()) return r.error();
    if (r.value() == 0) break;
    got += r.value();
  }
  if (got != data->size()) {
    data->truncate(got);
    *content_key = 0;  // it changed while we read it
  }
  cache_.insert(*content_key, data);
  *bytes = std::move(data);
  return 0;
}

std::optional<Arch> ProgramLoader::probe_arch(fs::Vfs& vfs, const std::string& cwd, const std::string& path) {
  auto opened = vfs.open(cwd, path, O_RDONLY, 0);
  if (!opened.ok()) return std::nullopt;
  unsigned char hdr[20] = {};
  auto got = opened.value()->pread(hdr, sizeof hdr, 0);
  if (!got.ok() || got.value() < sizeof hdr || std::memcmp(hdr, ELFMAG, SELFMAG) != 0) return std::nullopt;
  unsigned machine = hdr[EI_DATA] == ELFDATA2LSB ? hdr[18] | (hdr[19] << 8) : 0;
  const GuestAbi* abi = GuestAbi::for_machine(static_cast<uint16_t>(machine));
  return abi ? std::optional<Arch>(abi->arch) : std::nullopt;
}

// execvp(3)'s search: each PATH element in turn (an empty one is the
// working directory); the first executable regular file wins. Returns "" and
// sets *err when none does (EACCES if one was found but not executable).
std::string ProgramLoader::search_path(fs::Vfs& vfs, const std::string& name, const std::string& path_var,
                                       const std::string& cwd, int* err) {
  *err = ENOENT;
  size_t begin = 0;
  while (begin <= path_var.size()) {
    size_t end = path_var.find(':', begin);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(begin, end - begin);
    begin = end + 1;
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    auto st = vfs.stat(cwd, candidate, true);
    if (!st.ok() || !S_ISREG(st->mode)) continue;
    if (!(st->mode & 0111)) {
      *err = EACCES;
      continue;
    }
    if (candidate[0] != '/') candidate = (cwd == "/" ? "/" : cwd + "/") + candidate;
    return candidate;
  }
  return "";
}

}  // namespace vmrun
