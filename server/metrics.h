// What GET /metrics shows, in Prometheus' text format: jobs by stop
// reason, HTTP answers by status, the job slots (running, queued) and a
// histogram of execute latency (request in to answer out).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace vmrun::server {

class Metrics {
 public:
  void job_finished(const std::string& language, const std::string& stop_reason, double run_seconds);
  void execute_answered(double seconds);
  void http_answered(int status);
  void job_rejected_queue_full();

  // running/queued/workers come from the job queue at scrape time.
  std::string prometheus_text(size_t running, size_t queued, unsigned workers, size_t max_queued) const;

  static constexpr std::array<double, 12> kBuckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> jobs_;  // (language, stop reason)
  std::map<int, uint64_t> http_;
  uint64_t rejected_ = 0;
  std::array<uint64_t, kBuckets.size()> latency_buckets_{};
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0, run_sum_ = 0;
};

}  // namespace vmrun::server
