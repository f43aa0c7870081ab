#include "server/metrics.h"

#include <fmt/format.h>

namespace vmrun::server {

void Metrics::job_finished(const std::string& language, const std::string& stop_reason, double run_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  jobs_[{language, stop_reason}]++;
  run_sum_ += run_seconds;
}

void Metrics::execute_answered(double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < kBuckets.size(); i++)
    if (seconds <= kBuckets[i]) latency_buckets_[i]++;
  latency_count_++;
  latency_sum_ += seconds;
}

void Metrics::http_answered(int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  http_[status]++;
}

void Metrics::job_rejected_queue_full() {
  std::lock_guard<std::mutex> lock(mutex_);
  rejected_++;
}

std::string Metrics::prometheus_text(size_t running, size_t queued, unsigned workers, size_t max_queued) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  out += "# HELP vmrun_jobs_total Jobs finished, by language and stop reason.\n# TYPE vmrun_jobs_total counter\n";
  for (auto& [key, n] : jobs_)
    out += fmt::format("vmrun_jobs_total{{language=\"{}\",stop_reason=\"{}\"}} {}\n", key.first, key.second, n);
  out += "# HELP vmrun_job_run_seconds_total Wall-clock seconds jobs ran, all together.\n"
         "# TYPE vmrun_job_run_seconds_total counter\n";
  out += fmt::format("vmrun_job_run_seconds_total {}\n", run_sum_);
  out += "# HELP vmrun_jobs_rejected_total Execute requests refused with 503 because the queue was full.\n"
         "# TYPE vmrun_jobs_rejected_total counter\n";
  out += fmt::format("vmrun_jobs_rejected_total {}\n", rejected_);
  out += "# HELP vmrun_jobs_running Jobs running now.\n# TYPE vmrun_jobs_running gauge\n";
  out += fmt::format("vmrun_jobs_running {}\n", running);
  out += "# HELP vmrun_jobs_queued Jobs waiting for a slot.\n# TYPE vmrun_jobs_queued gauge\n";
  out += fmt::format("vmrun_jobs_queued {}\n", queued);
  out += "# HELP vmrun_job_slots Jobs that may run at once (--jobs).\n# TYPE vmrun_job_slots gauge\n";
  out += fmt::format("vmrun_job_slots {}\n", workers);
  out += "# HELP vmrun_job_queue_limit Jobs that may wait (--max-queue).\n# TYPE vmrun_job_queue_limit gauge\n";
  out += fmt::format("vmrun_job_queue_limit {}\n", max_queued);
  out += "# HELP vmrun_http_responses_total HTTP answers, by status.\n# TYPE vmrun_http_responses_total counter\n";
  for (auto& [status, n] : http_) out += fmt::format("vmrun_http_responses_total{{code=\"{}\"}} {}\n", status, n);
  out += "# HELP vmrun_execute_duration_seconds Execute requests, from request to answer (queue wait included).\n"
         "# TYPE vmrun_execute_duration_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); i++)
    out += fmt::format("vmrun_execute_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], latency_buckets_[i]);
  out += fmt::format("vmrun_execute_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", latency_count_);
  out += fmt::format("vmrun_execute_duration_seconds_sum {}\n", latency_sum_);
  out += fmt::format("vmrun_execute_duration_seconds_count {}\n", latency_count_);
  return out;
}

}  // namespace vmrun::server
