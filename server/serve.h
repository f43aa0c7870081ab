// `vmrun serve`: the Piston v2 API over HTTP/JSON (docs/SERVER.md).
#pragma once

#include <cstdint>
#include <string>

#include "server/piston_api.h"

namespace vmrun::server {

struct ServeOptions {
  std::string listen;             // "HOST:PORT"; default 127.0.0.1:2000 when no socket is given
  std::string socket_path;        // a unix socket to listen on as well (or instead)
  bool allow_remote = false;      // listen on a non-loopback address
  std::string token;              // non-empty: requests need "Authorization: Bearer <token>"
  unsigned jobs = 0;              // jobs running at once; 0 = the host's cores
  size_t max_queue = 64;          // jobs waiting beyond those; more get 503
  uint64_t max_body = 4 << 20;    // request body bytes
  unsigned max_connections = 256;
  JobBounds bounds;               // per-job maxima
  std::string rootfs_base;        // one root filesystem per arch below it
  std::string jobs_dir;           // where job directories are made (default $TMPDIR or /tmp)
  std::string log_level = "info";
  // Prefix of this server's session ids ("a" -> "a-4f0c..."), so that a
  // load balancer can send a session's requests to the server holding it
  // by the path alone (docs/SCALING.md). Letters, digits, '_'; empty: none.
  std::string server_id;
  size_t max_sessions = 16;            // code-interpreter sessions at once (0: none)
  uint64_t session_quota = 64 << 20;   // bytes of files a session may upload
  double session_idle_seconds = 600;   // the longest idle time a session may ask for, and the default
};

// Runs until SIGTERM, SIGINT or SIGHUP; returns the process exit status
// (0, or 125 when the server cannot start).
int run_server(const ServeOptions& options);

}  // namespace vmrun::server
