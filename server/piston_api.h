// The Piston v2 API's JSON (docs/SERVER.md): the runtime list, the checks
// on an execute request and the answer built from a run's result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/job_files.h"
#include "server/runtimes.h"
#include "vmrun/sandbox.h"

namespace vmrun::server {

// The server's bounds on what one request may ask for.
struct JobBounds {
  double max_timeout_seconds = 10;        // run_timeout is capped here; -1 or absent = this
  uint64_t max_memory = 1ull << 30;       // run_memory_limit likewise
  uint64_t max_output = 1 << 20;          // stdout+stderr bytes a job may write
  uint32_t max_processes = 64;
  size_t max_files = 64;                  // files[] entries
  size_t max_args = 1024;
};

struct ExecuteRequest {
  const Runtime* runtime = nullptr;
  std::vector<JobFile> files;   // files[0] is the one run
  std::string stdin_data;
  std::vector<std::string> args;
  Limits limits;                // run_timeout and run_memory_limit, capped
};

// GET /api/v2/runtimes.
std::string runtimes_json(const std::vector<Runtime>& runtimes);

// Parses and checks POST /api/v2/execute's body; on failure nullopt and
// `error` says why (the 400 answer's message).
std::optional<ExecuteRequest> parse_execute_request(const std::string& body, const std::vector<Runtime>& runtimes,
                                                    const JobBounds& bounds, std::string* error);

// The answer: Piston's {language, version, run: {stdout, stderr, output,
// code, signal, message, status, ...}} plus vmrun's own fields.
// `output`: stdout and stderr in arrival order; nullptr: stdout then stderr.
std::string execute_response_json(const Runtime& runtime, const RunResult& result,
                                  const std::string* output = nullptr);

// The `run` object alone (also the answer of a session's command).
std::string run_json(const RunResult& result, const std::string* output = nullptr);

// Piston's run.status for a result: null (plain exit 0), "RE", "SG", "TO",
// "OL" or "XX".
const char* piston_status(const RunResult& result);

// {"message": text}.
std::string message_json(const std::string& text);

}  // namespace vmrun::server
