#include "server/piston_api.h"

#include <signal.h>
#include <string.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace vmrun::server {
namespace {

using nlohmann::json;

// Valid UTF-8 for JSON: guest output is bytes, so invalid sequences become
// U+FFFD (the JSON library's `replace` handler).
json text(const std::string& bytes) { return bytes; }

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig);
}

// A Piston limit: absent or -1 = the server's maximum; otherwise a number
// >= 0, capped at the maximum. false with `error` set for anything else.
bool limit_field(const json& body, const char* name, double max, double* out, std::string* error) {
  *out = max;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number()) {
    *error = std::string(name) + " must be a number";
    return false;
  }
  double v = it->get<double>();
  if (std::isnan(v) || (v < 0 && v != -1)) {
    *error = std::string(name) + " must be -1 (the server's maximum) or a number >= 0";
    return false;
  }
  if (v >= 0 && v < max) *out = v;
  return true;
}

bool string_field(const json& body, const char* name, std::string* out, std::string* error) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_string()) {
    *error = std::string(name) + " must be a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

}  // namespace

std::string runtimes_json(const std::vector<Runtime>& runtimes) {
  json out = json::array();
  for (const Runtime& r : runtimes)
    out.push_back({{"language", r.language},
                   {"version", r.version},
                   {"aliases", r.aliases},
                   {"runtime", r.runtime},
                   {"arch", arch_name(r.arch)}});
  return out.dump();
}

std::optional<ExecuteRequest> parse_execute_request(const std::string& body_text, const std::vector<Runtime>& runtimes,
                                                    const JobBounds& bounds, std::string* error) {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    *error = "the request body is not valid JSON";
    return std::nullopt;
  }
  if (!body.is_object()) {
    *error = "the request body must be a JSON object";
    return std::nullopt;
  }
  std::string language, version, arch_text;
  if (!string_field(body, "language", &language, error) || !string_field(body, "version", &version, error) ||
      !string_field(body, "arch", &arch_text, error))
    return std::nullopt;
  if (language.empty()) {
    *error = "language is required";
    return std::nullopt;
  }
  std::optional<Arch> arch;
  if (!arch_text.empty()) {
    arch = parse_arch(arch_text);
    if (!arch) {
      *error = "arch must be one of x86_64, riscv64";
      return std::nullopt;
    }
  }
  ExecuteRequest req;
  req.runtime = find_runtime(runtimes, language, version, arch);
  if (!req.runtime) {
    *error = language + "-" + (version.empty() ? "*" : version) + (arch ? std::string(" on ") + arch_name(*arch) : "") +
             " runtime is unknown";
    return std::nullopt;
  }

  auto files = body.find("files");
  if (files == body.end() || !files->is_array() || files->empty()) {
    *error = "files must be a non-empty array";
    return std::nullopt;
  }
  if (files->size() > bounds.max_files) {
    *error = "at most " + std::to_string(bounds.max_files) + " files";
    return std::nullopt;
  }
  for (size_t i = 0; i < files->size(); i++) {
    const json& f = (*files)[i];
    std::string where = "files[" + std::to_string(i) + "]";
    if (!f.is_object()) {
      *error = where + " must be an object";
      return std::nullopt;
    }
    std::string name, content, encoding;
    if (!string_field(f, "name", &name, error) || !string_field(f, "content", &content, error) ||
        !string_field(f, "encoding", &encoding, error)) {
      *error = where + "." + *error;
      return std::nullopt;
    }
    if (!f.contains("content")) {
      *error = where + ".content is required";
      return std::nullopt;
    }
    // Piston picks a random name for a nameless file; ours are predictable.
    if (name.empty()) name = i == 0 ? req.runtime->default_file_name : "file" + std::to_string(i);
    if (std::string why = check_file_name(name); !why.empty()) {
      *error = where + ".name: " + why;
      return std::nullopt;
    }
    for (const JobFile& earlier : req.files)
      if (earlier.name == name) {
        *error = where + ".name: '" + name + "' given twice";
        return std::nullopt;
      }
    auto decoded = decode_content(content, encoding);
    if (!decoded) {
      *error = where + ": " +
               (encoding == "base64" || encoding == "hex" ? "content is not valid " + encoding
                                                          : "encoding must be utf8, base64 or hex");
      return std::nullopt;
    }
    req.files.push_back({name, std::move(*decoded)});
  }

  if (!string_field(body, "stdin", &req.stdin_data, error)) return std::nullopt;
  if (auto args = body.find("args"); args != body.end() && !args->is_null()) {
    if (!args->is_array() || args->size() > bounds.max_args) {
      *error = "args must be an array of at most " + std::to_string(bounds.max_args) + " strings";
      return std::nullopt;
    }
    for (const json& a : *args) {
      if (!a.is_string()) {
        *error = "args must be an array of strings";
        return std::nullopt;
      }
      std::string s = a.get<std::string>();
      if (s.find('\0') != std::string::npos) {
        *error = "args must not contain NUL";
        return std::nullopt;
      }
      req.args.push_back(std::move(s));
    }
  }

  // Timeouts in milliseconds, memory in bytes. There is no compile stage:
  // the compile_* limits are checked as Piston does and otherwise unused.
  double run_ms = 0, run_memory = 0, unused = 0;
  if (!limit_field(body, "run_timeout", bounds.max_timeout_seconds * 1000, &run_ms, error) ||
      !limit_field(body, "compile_timeout", bounds.max_timeout_seconds * 1000, &unused, error) ||
      !limit_field(body, "run_memory_limit", static_cast<double>(bounds.max_memory), &run_memory, error) ||
      !limit_field(body, "compile_memory_limit", static_cast<double>(bounds.max_memory), &unused, error) ||
      !limit_field(body, "run_cpu_time", bounds.max_timeout_seconds * 1000, &unused, error) ||
      !limit_field(body, "compile_cpu_time", bounds.max_timeout_seconds * 1000, &unused, error))
    return std::nullopt;
  // A zero timeout is the smallest one, not none.
  req.limits.timeout_seconds = std::max(run_ms / 1000.0, 0.001);
  req.limits.max_memory = std::max<uint64_t>(static_cast<uint64_t>(run_memory), 1);
  req.limits.max_output = bounds.max_output;
  req.limits.max_processes = bounds.max_processes;
  return req;
}

const char* piston_status(const RunResult& r) {
  switch (r.stop_reason) {
    case StopReason::Exited: return r.exit_code == 0 ? nullptr : "RE";
    case StopReason::Signaled: return "SG";
    case StopReason::TimeLimit:
    case StopReason::InstructionLimit:
    case StopReason::Deadlock: return "TO";
    case StopReason::OutputLimit: return "OL";
    default: return "XX";
  }
}

std::string execute_response_json(const Runtime& runtime, const RunResult& r, const std::string* output) {
  json out;
  out["language"] = runtime.language;
  out["version"] = runtime.version;
  out["run"] = json::parse(run_json(r, output));
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string run_json(const RunResult& r, const std::string* output) {
  json run;
  run["stdout"] = text(r.stdout_data);
  run["stderr"] = text(r.stderr_data);
  run["output"] = text(output ? *output : r.stdout_data + r.stderr_data);
  // Piston: code is null when signal is not; a job stopped at a limit is
  // reported killed by SIGKILL, as Piston's own are.
  json code = nullptr, signal = nullptr;
  switch (r.stop_reason) {
    case StopReason::Exited: code = r.exit_code; break;
    case StopReason::Signaled: signal = signal_name(r.signal); break;
    case StopReason::TimeLimit:
    case StopReason::InstructionLimit:
    case StopReason::OutputLimit:
    case StopReason::Deadlock:
    case StopReason::Cancelled: signal = "SIGKILL"; break;
    default: break;
  }
  run["code"] = code;
  run["signal"] = signal;
  const char* status = piston_status(r);
  run["status"] = status ? json(status) : json(nullptr);
  std::string message = r.message;
  if (message.empty() && r.stop_reason == StopReason::Exited && r.exit_code != 0)
    message = "exited with code " + std::to_string(r.exit_code);
  run["message"] = message.empty() ? json(nullptr) : json(message);
  run["wall_time"] = static_cast<int64_t>(std::llround(r.wall_seconds * 1000));        // ms, as Piston
  run["cpu_time"] = static_cast<int64_t>(std::llround(r.host_cpu_seconds * 1000));     // ms of host CPU
  run["memory"] = r.peak_guest_memory;                                                // bytes
  // vmrun's own report of the run (docs/REPORT.md's names).
  run["stop_reason"] = stop_reason_name(r.stop_reason);
  run["instructions"] = r.instructions ? json(*r.instructions) : json(nullptr);  // null: not counted
  run["syscalls"] = r.syscalls;
  run["output_truncated"] = r.output_truncated;
  run["exit_status"] = r.exit_status();
  run["arch"] = r.arch ? json(arch_name(*r.arch)) : json(nullptr);
  return run.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string message_json(const std::string& message) {
  return json{{"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vmrun::server
