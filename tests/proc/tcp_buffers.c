/* TCP socket buffers on the loopback: SO_RCVBUF and SO_SNDBUF bound what
 * a connection holds unread (the receive window plus the send buffer), so a
 * large non-blocking send is short; an accepted socket inherits the
 * listener's sizes; a read returns no more than the receive buffer holds;
 * closing with data unread resets the connection, and the sender's next
 * send fails (asyncio's sendfile tests close a peer in the middle). A send
 * to a peer that has closed is short too, then fails. Exact counts depend
 * on the kernel's accounting, so only their bounds are printed. */
#include "proc.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#define BIG (1 << 20)

static void wait_event(int fd, short events) {
  struct pollfd p = {.fd = fd, .events = events};
  poll(&p, 1, 2000);
}

static int listener_with_rcvbuf(int size, struct sockaddr_in *addr) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr->sin_port = 0;
  socklen_t len = sizeof *addr;
  if (bind(l, (struct sockaddr *)addr, sizeof *addr) != 0 || listen(l, 4) != 0 ||
      getsockname(l, (struct sockaddr *)addr, &len) != 0)
    exit(1);
  if (size && setsockopt(l, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0) exit(1);
  return l;
}

static int opt(int fd, int name) {
  int v = 0;
  socklen_t len = sizeof v;
  getsockopt(fd, SOL_SOCKET, name, &v, &len);
  return v;
}

static const char *bound(ssize_t n, ssize_t lo, ssize_t hi) {
  static char buf[64];
  if (n < 0) return err_name(errno);
  snprintf(buf, sizeof buf, "%s", n >= lo && n <= hi ? "within bounds" : "OUT OF BOUNDS");
  return buf;
}

int main(void) {
  static char data[BIG], in[BIG];
  memset(data, 'x', sizeof data);
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_in addr;

  printf("small buffers, peer closes with data unread:\n");
  int l = listener_with_rcvbuf(4096, &addr);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) return 1;
  int s = accept(l, NULL, NULL);
  int snd = 4096;
  setsockopt(c, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
  printf("  accepted SO_RCVBUF %d (listener's), client SO_SNDBUF %d\n", opt(s, SO_RCVBUF), opt(c, SO_SNDBUF));
  ssize_t n = send(c, data, BIG, MSG_DONTWAIT);
  printf("  first send of 1 MiB: %s (1..64 KiB)\n", bound(n, 1, 65536));
  wait_event(s, POLLIN);
  n = recv(s, in, sizeof in, MSG_DONTWAIT);
  printf("  read of 1 MiB: %s (1..8 KiB)\n", bound(n, 1, 8192));
  close(s);
  wait_event(c, 0);
  n = send(c, data, BIG, MSG_DONTWAIT);
  printf("  send after the reset: %s\n", n < 0 ? err_name(errno) : "accepted");
  n = send(c, data, BIG, MSG_DONTWAIT);
  printf("  and again: %s\n", n < 0 ? err_name(errno) : "accepted");
  close(c);
  close(l);

  printf("small send buffer, peer closed before:\n");
  l = listener_with_rcvbuf(0, &addr);
  c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) return 1;
  s = accept(l, NULL, NULL);
  setsockopt(c, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
  close(s);
  wait_event(c, POLLRDHUP);
  n = send(c, data, BIG, MSG_DONTWAIT);
  printf("  send of 1 MiB: %s (1..64 KiB)\n", bound(n, 1, 65536));
  wait_event(c, 0);
  n = send(c, data, BIG, MSG_DONTWAIT);
  printf("  next send: %s\n", n < 0 ? err_name(errno) : "accepted");
  close(c);
  close(l);

  printf("default buffers:\n");
  tcp_loopback_pair(&c, &s);
  n = send(c, data, 1000, MSG_DONTWAIT);
  printf("  send of 1000: %zd\n", n);
  n = recv(s, in, sizeof in, MSG_DONTWAIT);
  printf("  read: %zd\n", n);
  return 0;
}
