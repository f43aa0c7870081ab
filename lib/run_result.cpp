// Names, exit-status convention and the JSON form of a run's result.
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>

#include "vmrun/sandbox.h"

namespace vmrun {

// arch_name and parse_arch: emu/arch/guest_abi.cpp (GuestAbi's names).

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
    case StopReason::Cancelled: return "cancelled";
  }
  return "sandbox_error";
}

static StopReason parse_stop_reason(const std::string& s) {
  for (auto r : {StopReason::Exited, StopReason::Signaled, StopReason::InstructionLimit, StopReason::TimeLimit,
                 StopReason::OutputLimit, StopReason::Deadlock, StopReason::EmulatorFault, StopReason::NotFound, StopReason::CannotExecute,
                 StopReason::SandboxError, StopReason::Cancelled})
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
    // As timeout(1) does when it is itself terminated: the status of death
    // by the signal that asked for it.
    case StopReason::Cancelled: return 128 + (signal > 0 ? signal : SIGTERM);
  }
  return 125;
}

namespace {

nlohmann::json limits_json(const Limits& l) {
  auto or_null = [](uint64_t v) { return v ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j;
  j["max_instructions"] = or_null(l.max_instructions);
  double t = l.effective_timeout();
  j["timeout_seconds"] = t > 0 ? nlohmann::json(t) : nlohmann::json(nullptr);
  j["max_memory"] = or_null(l.max_memory);
  j["max_output"] = or_null(l.max_output);
  j["max_disk"] = or_null(l.max_disk);
  j["max_open_files"] = l.max_open_files;
  j["max_processes"] = l.max_processes;
  j["kill_after_seconds"] = t > 0 && l.kill_after_seconds > 0 ? nlohmann::json(l.kill_after_seconds) : nlohmann::json(nullptr);
  return j;
}

Limits limits_from_json(const nlohmann::json& j) {
  Limits l;
  if (!j.is_object()) return l;
  auto u64 = [&](const char* k, uint64_t dflt) {
    return j.contains(k) && j[k].is_number_unsigned() ? j[k].get<uint64_t>() : j.contains(k) && j[k].is_null() ? 0 : dflt;
  };
  l.max_instructions = u64("max_instructions", l.max_instructions);
  l.max_memory = u64("max_memory", l.max_memory);
  l.max_output = u64("max_output", l.max_output);
  l.max_disk = u64("max_disk", l.max_disk);
  if (j.contains("timeout_seconds") && j["timeout_seconds"].is_number()) l.timeout_seconds = j["timeout_seconds"];
  else if (j.contains("timeout_seconds")) l.timeout_seconds = 0;
  if (j.contains("kill_after_seconds") && j["kill_after_seconds"].is_number()) l.kill_after_seconds = j["kill_after_seconds"];
  l.max_open_files = static_cast<uint32_t>(u64("max_open_files", l.max_open_files));
  l.max_processes = static_cast<uint32_t>(u64("max_processes", l.max_processes));
  return l;
}

}  // namespace

std::string RunResult::to_json() const {
  nlohmann::json j;
  j["schema_version"] = kReportSchemaVersion;
  j["vmrun_version"] = version();
  j["unicorn_version"] = unicorn_version();
  j["stop_reason"] = stop_reason_name(stop_reason);
  j["exit_code"] = stop_reason == StopReason::Exited ? nlohmann::json(exit_code) : nlohmann::json(nullptr);
  bool has_signal = stop_reason == StopReason::Signaled || (stop_reason == StopReason::Cancelled && signal > 0);
  j["signal"] = has_signal ? nlohmann::json(signal) : nlohmann::json(nullptr);
  j["exit_status"] = exit_status();
  j["message"] = message;
  j["arch"] = arch ? nlohmann::json(arch_name(*arch)) : nlohmann::json(nullptr);
  j["instructions"] = instructions ? nlohmann::json(*instructions) : nlohmann::json(nullptr);
  j["wall_seconds"] = wall_seconds;
  j["syscalls"] = syscalls;
  j["peak_guest_memory"] = peak_guest_memory;
  j["output_truncated"] = output_truncated;
  j["unimplemented_syscalls"] = unimplemented_syscalls;
  j["argv"] = argv;
  j["program"] = program.empty() ? nlohmann::json(nullptr) : nlohmann::json(program);
  j["limits"] = limits_json(limits);
  j["started_at"] = started_at;
  j["host_cpu_seconds"] = host_cpu_seconds;
  j["host_peak_rss"] = host_peak_rss;
  j["blocks_translated"] = blocks_translated;
  j["host_minor_faults"] = host_minor_faults;
  if (!translated_blocks.empty()) j["translated_blocks"] = translated_blocks;
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
  if (j.contains("instructions") && j["instructions"].is_number_unsigned()) r.instructions = j["instructions"].get<uint64_t>();
  r.wall_seconds = j.value("wall_seconds", 0.0);
  r.syscalls = j.value("syscalls", 0ull);
  r.peak_guest_memory = j.value("peak_guest_memory", 0ull);
  r.output_truncated = j.value("output_truncated", false);
  if (j.contains("unimplemented_syscalls") && j["unimplemented_syscalls"].is_object())
    r.unimplemented_syscalls = j["unimplemented_syscalls"].get<std::map<std::string, uint64_t>>();
  if (j.contains("argv") && j["argv"].is_array())
    for (auto& a : j["argv"])
      if (a.is_string()) r.argv.push_back(a);
  if (j.contains("program") && j["program"].is_string()) r.program = j["program"];
  if (j.contains("limits")) r.limits = limits_from_json(j["limits"]);
  r.started_at = j.value("started_at", 0.0);
  r.host_cpu_seconds = j.value("host_cpu_seconds", 0.0);
  r.host_peak_rss = j.value("host_peak_rss", 0ull);
  r.blocks_translated = j.value("blocks_translated", 0ull);
  r.host_minor_faults = j.value("host_minor_faults", 0ull);
  if (j.contains("translated_blocks") && j["translated_blocks"].is_array())
    for (auto& a : j["translated_blocks"])
      if (a.is_string()) r.translated_blocks.push_back(a);
  return r;
}

}  // namespace vmrun
