// Names, exit-status convention and the JSON form of a run's result.
#include <nlohmann/json.hpp>

#include "vmrun/sandbox.h"

namespace vmrun {

const char* arch_name(Arch arch) { return arch == Arch::X86_64 ? "x86_64" : "riscv64"; }

std::optional<Arch> parse_arch(const std::string& name) {
  if (name == "x86_64" || name == "x86-64" || name == "amd64") return Arch::X86_64;
  if (name == "riscv64" || name == "rv64") return Arch::RiscV64;
  return std::nullopt;
}

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::Exited: return "exited";
    case StopReason::Signaled: return "signaled";
    case StopReason::InstructionLimit: return "instruction_limit";
    case StopReason::TimeLimit: return "time_limit";
    case StopReason::OutputLimit: return "output_limit";
    case StopReason::Deadlock: return "deadlock";
    case StopReason::EmulatorFault: return "emulator_fault";
    case StopReason::NotFound: return "not_found";
    case StopReason::CannotExecute: return "cannot_execute";
    case StopReason::SandboxError: return "sandbox_error";
  }
  return "sandbox_error";
}

static StopReason parse_stop_reason(const std::string& s) {
  for (auto r : {StopReason::Exited, StopReason::Signaled, StopReason::InstructionLimit, StopReason::TimeLimit,
                 StopReason::OutputLimit, StopReason::Deadlock, StopReason::EmulatorFault, StopReason::NotFound, StopReason::CannotExecute,
                 StopReason::SandboxError})
    if (s == stop_reason_name(r)) return r;
  return StopReason::SandboxError;
}

int RunResult::exit_status() const {
  switch (stop_reason) {
    case StopReason::Exited: return exit_code;
    case StopReason::Signaled: return 128 + signal;
    case StopReason::InstructionLimit:
    case StopReason::TimeLimit:
    case StopReason::OutputLimit:
    case StopReason::Deadlock: return 124;
    case StopReason::NotFound: return 127;
    case StopReason::CannotExecute: return 126;
    case StopReason::EmulatorFault:
    case StopReason::SandboxError: return 125;
  }
  return 125;
}

std::string RunResult::to_json() const {
  nlohmann::json j;
  j["stop_reason"] = stop_reason_name(stop_reason);
  j["exit_code"] = stop_reason == StopReason::Exited ? nlohmann::json(exit_code) : nlohmann::json(nullptr);
  j["signal"] = stop_reason == StopReason::Signaled ? nlohmann::json(signal) : nlohmann::json(nullptr);
  j["exit_status"] = exit_status();
  j["message"] = message;
  j["arch"] = arch ? nlohmann::json(arch_name(*arch)) : nlohmann::json(nullptr);
  j["instructions"] = instructions;
  j["wall_seconds"] = wall_seconds;
  j["syscalls"] = syscalls;
  j["peak_guest_memory"] = peak_guest_memory;
  j["output_truncated"] = output_truncated;
  j["unimplemented_syscalls"] = unimplemented_syscalls;
  return j.dump(2);
}

RunResult RunResult::from_json(const std::string& text) {
  RunResult r;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.stop_reason = StopReason::EmulatorFault;
    r.message = "malformed result from the emulator process";
    return r;
  }
  r.stop_reason = parse_stop_reason(j.value("stop_reason", ""));
  if (j.contains("exit_code") && j["exit_code"].is_number()) r.exit_code = j["exit_code"];
  if (j.contains("signal") && j["signal"].is_number()) r.signal = j["signal"];
  r.message = j.value("message", "");
  if (j.contains("arch") && j["arch"].is_string()) r.arch = parse_arch(j["arch"]);
  r.instructions = j.value("instructions", 0ull);
  r.wall_seconds = j.value("wall_seconds", 0.0);
  r.syscalls = j.value("syscalls", 0ull);
  r.peak_guest_memory = j.value("peak_guest_memory", 0ull);
  r.output_truncated = j.value("output_truncated", false);
  if (j.contains("unimplemented_syscalls") && j["unimplemented_syscalls"].is_object())
    r.unimplemented_syscalls = j["unimplemented_syscalls"].get<std::map<std::string, uint64_t>>();
  return r;
}

}  // namespace vmrun
