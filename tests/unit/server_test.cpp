// The request checks of `vmrun serve` (server/): file names, content
// encodings, version selectors, the Piston request and answer mapping, and
// the job queue's bound.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "server/job_files.h"
#include "server/job_queue.h"
#include "server/piston_api.h"
#include "server/runtimes.h"

using namespace vmrun;
using namespace vmrun::server;

TEST_CASE("job file names stay inside the job directory") {
  for (const char* ok : {"main.py", "a/b/c.txt", "..hidden", "x..y", "dir/.env", "\xc3\xa9t\xc3\xa9.py"})
    CHECK(check_file_name(ok).empty());
  for (std::string bad : {std::string(""), std::string("/etc/passwd"), std::string(".."), std::string("."),
                          std::string("../x"), std::string("a/../../b"), std::string("a//b"), std::string("a/"),
                          std::string("a\0b", 3), std::string("a\nb"), std::string(256, 'n'), std::string(1100, 'a')}) {
    INFO(bad);
    CHECK_FALSE(check_file_name(bad).empty());
  }
  std::string deep;
  for (int i = 0; i < 9; i++) deep += "d/";
  CHECK_FALSE(check_file_name(deep + "f").empty());
  CHECK(check_file_name("d/d/d/d/d/d/d/f").empty());
}

TEST_CASE("content encodings: utf8, base64, hex; malformed content refused") {
  CHECK(decode_content("héllo", "utf8") == "héllo");
  CHECK(decode_content("héllo", "") == "héllo");
  CHECK(decode_content("aGVsbG8=", "base64") == "hello");
  CHECK(decode_content("aGVsbG8", "base64") == "hello");  // padding optional
  CHECK(decode_content("AAEC/w==", "base64") == std::string("\x00\x01\x02\xff", 4));
  CHECK(decode_content("AAEC_w", "base64") == std::string("\x00\x01\x02\xff", 4));  // URL-safe alphabet
  CHECK_FALSE(decode_content("a", "base64"));       // a lone sextet
  CHECK_FALSE(decode_content("aGVs!G8=", "base64"));
  CHECK_FALSE(decode_content("aG==VsbG8", "base64"));  // data after padding
  CHECK(decode_content("00ff7F", "hex") == std::string("\x00\xff\x7f", 3));
  CHECK_FALSE(decode_content("abc", "hex"));
  CHECK_FALSE(decode_content("zz", "hex"));
  CHECK_FALSE(decode_content("x", "rot13"));
}

TEST_CASE("Piston version selectors") {
  CHECK(version_matches("3.11.2", "3.11.2"));
  CHECK(version_matches("3.11.2", "3.11"));
  CHECK(version_matches("3.11.2", "3"));
  CHECK(version_matches("3.11.2", "3.x"));
  CHECK(version_matches("3.11.2", "3.11.x"));
  CHECK(version_matches("3.11.2", "*"));
  CHECK(version_matches("3.11.2", ""));
  CHECK_FALSE(version_matches("3.11.2", "3.1"));
  CHECK_FALSE(version_matches("3.11.2", "3.11.2.1"));
  CHECK_FALSE(version_matches("3.11.2", "2"));
  CHECK_FALSE(version_matches("3.11.2", "3.111"));
}

namespace {

std::vector<Runtime> two_runtimes() {
  Runtime py;
  py.language = "python";
  py.version = "3.11.2";
  py.aliases = {"py", "python3"};
  py.family = "python";
  py.default_file_name = "main.py";
  Runtime py_rv = py;
  py_rv.language = "python-riscv64";
  py_rv.version = "3.13.5";
  py_rv.aliases = {"py-riscv64"};
  py_rv.arch = Arch::RiscV64;
  return {py, py_rv};
}

}  // namespace

TEST_CASE("runtimes are found by name, alias, version and arch") {
  auto rts = two_runtimes();
  CHECK(find_runtime(rts, "python", "*", std::nullopt) == &rts[0]);
  CHECK(find_runtime(rts, "py", "3.11", std::nullopt) == &rts[0]);
  CHECK(find_runtime(rts, "python", "3.13", std::nullopt) == nullptr);  // the plain name is x86-64's
  CHECK(find_runtime(rts, "python", "3.13", Arch::RiscV64) == &rts[1]);
  CHECK(find_runtime(rts, "python-riscv64", "", std::nullopt) == &rts[1]);
  CHECK(find_runtime(rts, "cobol", "*", std::nullopt) == nullptr);
}

TEST_CASE("execute requests: defaults, caps and refusals") {
  auto rts = two_runtimes();
  JobBounds bounds;
  bounds.max_timeout_seconds = 10;
  bounds.max_memory = 1 << 30;
  std::string error;
  auto r = parse_execute_request(R"J({"language":"py","version":"3","files":[{"content":"print(1)"},{"name":"b.txt","content":"eA==","encoding":"base64"}],
                                    "stdin":"in","args":["a"],"run_timeout":99999999,"run_memory_limit":1000000})J",
                                 rts, bounds, &error);
  REQUIRE(r);
  CHECK(r->runtime == &rts[0]);
  CHECK(r->files[0].name == "main.py");
  CHECK(r->files[1].content == "x");
  CHECK(r->limits.timeout_seconds == 10);      // capped
  CHECK(r->limits.max_memory == 1000000);
  r = parse_execute_request(R"({"language":"python","files":[{"content":""}],"run_timeout":-1,"run_memory_limit":-1})",
                            rts, bounds, &error);
  REQUIRE(r);
  CHECK(r->limits.timeout_seconds == 10);      // -1 = the maximum
  CHECK(r->limits.max_memory == 1u << 30);
  for (const char* bad : {"", "{", "[]", R"({"files":[{"content":""}]})", R"({"language":"python"})",
                          R"({"language":"python","files":[]})", R"({"language":"python","files":[{"content":""}],"run_timeout":-2})",
                          R"({"language":"python","files":[{"content":""}],"run_memory_limit":"1"})",
                          R"({"language":"python","files":[{"content":""}],"args":[1]})",
                          R"({"language":"python","files":[{"name":"../x","content":""}]})",
                          R"({"language":"python","files":[{"content":"!","encoding":"base64"}]})",
                          R"({"language":"python","arch":"mips","files":[{"content":""}]})"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(parse_execute_request(bad, rts, bounds, &error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("answers follow Piston: code or signal, status, and vmrun's report") {
  RunResult r;
  r.stop_reason = StopReason::Exited;
  r.exit_code = 3;
  r.stdout_data = "out\xff";  // invalid UTF-8 must not break the JSON
  auto j = nlohmann::json::parse(run_json(r));
  CHECK(j["code"] == 3);
  CHECK(j["signal"].is_null());
  CHECK(j["status"] == "RE");
  CHECK(j["stop_reason"] == "exited");
  r.stop_reason = StopReason::Signaled;
  r.signal = 11;
  j = nlohmann::json::parse(run_json(r));
  CHECK(j["code"].is_null());
  CHECK(j["signal"] == "SIGSEGV");
  CHECK(j["status"] == "SG");
  r.stop_reason = StopReason::TimeLimit;
  j = nlohmann::json::parse(run_json(r));
  CHECK(j["signal"] == "SIGKILL");
  CHECK(j["status"] == "TO");
  r.stop_reason = StopReason::OutputLimit;
  CHECK(nlohmann::json::parse(run_json(r))["status"] == "OL");
  r.stop_reason = StopReason::EmulatorFault;
  CHECK(nlohmann::json::parse(run_json(r))["status"] == "XX");
}

TEST_CASE("the job queue runs at most its workers, holds at most its bound, refuses beyond") {
  JobQueue queue(1, 1);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0}, abandoned{0};
  auto task = [&] {
    return JobQueue::Task{[&] {
                            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                            ran++;
                          },
                          [&] { abandoned++; }};
  };
  REQUIRE(queue.submit(task()));
  while (queue.running() != 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(queue.submit(task()));
  CHECK(queue.queued() == 1);
  CHECK_FALSE(queue.submit(task()));  // over the bound
  release = true;
  while (ran != 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  queue.stop();
  CHECK(abandoned == 0);
  CHECK_FALSE(queue.submit(task()));  // stopped
}
