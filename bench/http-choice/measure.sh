#!/usr/bin/env bash
# The measurement behind the HTTP library choice (docs/SERVER.md): the same
# trivial endpoint on cpp-httplib 0.11.4 and on Boost.Beast 1.74, each under
# bench/http-choice/load.py with 4 concurrent loopback clients, keep-alive
# and a connection per request.
#   bash bench/http-choice/measure.sh
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
pid=""; trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true; rm -rf "$out"' EXIT
g++ -std=c++20 -O2 httplib_hello.cpp -o "$out/httplib_hello" $(pkg-config --cflags --libs cpp-httplib)
g++ -std=c++20 -O2 beast_hello.cpp -o "$out/beast_hello" -pthread
for server in httplib_hello beast_hello; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$out/$server" "$port" & pid=$!
  for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break; sleep 0.1; done
  echo "== $server (rss before: $(awk '/VmRSS/{print $2" kB"}' /proc/$pid/status))"
  python3 load.py "$port" 4 1000 keepalive
  python3 load.py "$port" 4 500 close
  echo "   rss after: $(awk '/VmRSS/{print $2" kB"}' /proc/$pid/status), threads: $(ls /proc/$pid/task | wc -l)"
  kill $pid; wait $pid 2>/dev/null || true
done
