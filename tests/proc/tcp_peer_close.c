/* Writing to a TCP peer that has closed: the first send is accepted (the
 * data is dropped and the peer's kernel answers with a reset), the next
 * gets EPIPE from the reset (in CLOSE_WAIT; SO_ERROR shows it until
 * then), later ones EPIPE; reads give end of file throughout, the FIN came
 * first. SIGPIPE comes with each EPIPE unless MSG_NOSIGNAL; a reset with
 * ECONNRESET pending fails a send without one. A peer's shutdown(SHUT_RD)
 * tells us nothing: our data still reaches it. */
#include "proc.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

static void show_poll(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
  int n = poll(&p, 1, 0);
  printf("  poll %d:%s%s%s%s%s\n", n, (p.revents & POLLIN) ? " IN" : "", (p.revents & POLLOUT) ? " OUT" : "",
         (p.revents & POLLRDHUP) ? " RDHUP" : "", (p.revents & POLLHUP) ? " HUP" : "", (p.revents & POLLERR) ? " ERR" : "");
}
/* Natively the peer's FIN and reset travel through the loopback: wait for
 * them (at once under vmrun). */
static void wait_fin(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLRDHUP};
  poll(&p, 1, 2000);
}
static void wait_reset(int fd) {
  struct pollfd p = {.fd = fd, .events = 0};
  poll(&p, 1, 2000);
}
static void do_recv(int fd) {
  char buf[32];
  ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (got < 0) printf("  recv: %s\n", err_name(errno));
  else printf("  recv: %zd \"%.*s\"\n", got, (int)got, buf);
}
static ssize_t do_send(int fd, const char *data, int flags) {
  int before = sigpipes;
  ssize_t n = send(fd, data, strlen(data), flags);
  printf("  send%s \"%s\": %s%s\n", (flags & MSG_NOSIGNAL) ? " (MSG_NOSIGNAL)" : "", data,
         n < 0 ? err_name(errno) : "sent", sigpipes != before ? ", SIGPIPE" : "");
  return n;
}
static void so_error(int fd) {
  int e = -1;
  socklen_t len = sizeof e;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
  printf("  SO_ERROR: %s\n", err_name(e));
}
static void peer_name(int fd) {
  struct sockaddr_in p;
  socklen_t len = sizeof p;
  printf("  getpeername: %s\n", getpeername(fd, (struct sockaddr *)&p, &len) == 0 ? "ok" : err_name(errno));
}

int main(void) {
  signal(SIGPIPE, on_sigpipe);
  int c, s;

  printf("close, then send, send, send:\n");
  tcp_loopback_pair(&c, &s);
  close(c);
  wait_fin(s);
  show_poll(s);
  peer_name(s);
  if (do_send(s, "first", 0) > 0) wait_reset(s);
  show_poll(s);
  peer_name(s);
  so_error(s);
  do_send(s, "second", 0);
  do_send(s, "third", 0);
  close(s);

  printf("close, then send, recv, recv, send:\n");
  tcp_loopback_pair(&c, &s);
  send(c, "last words", 10, 0);
  close(c);
  wait_fin(s);
  if (do_send(s, "first", 0) > 0) wait_reset(s);
  do_recv(s);
  do_recv(s);
  do_recv(s);
  do_send(s, "second", 0);
  so_error(s);
  do_send(s, "third", 0);
  close(s);

  printf("close, then send, then MSG_NOSIGNAL sends, an empty send:\n");
  tcp_loopback_pair(&c, &s);
  close(c);
  wait_fin(s);
  if (do_send(s, "first", MSG_NOSIGNAL) > 0) wait_reset(s);
  do_send(s, "second", MSG_NOSIGNAL);
  do_send(s, "third", MSG_NOSIGNAL);
  printf("  empty send: %s\n", send(s, "", 0, MSG_NOSIGNAL) < 0 ? err_name(errno) : "ok");
  do_recv(s);
  close(s);

  printf("an empty send to a closed peer, then write(2):\n");
  tcp_loopback_pair(&c, &s);
  close(c);
  wait_fin(s);
  printf("  empty send: %s\n", send(s, "", 0, 0) < 0 ? err_name(errno) : "ok");
  printf("  write: %s\n", write(s, "w", 1) == 1 ? "ok" : err_name(errno));
  wait_reset(s);
  int before = sigpipes;
  ssize_t w = write(s, "w", 1);
  printf("  write: %s%s\n", w == 1 ? "ok" : err_name(errno), sigpipes != before ? ", SIGPIPE" : "");
  close(s);

  printf("the peer shuts down writing, reads, then closes:\n");
  tcp_loopback_pair(&c, &s);
  shutdown(c, SHUT_WR);
  wait_fin(s);
  do_recv(s);
  do_send(s, "still open", 0);
  do_recv(c);
  close(c);
  wait_fin(s);
  if (do_send(s, "after the close", 0) > 0) wait_reset(s);
  do_recv(s);
  do_send(s, "again", 0);
  close(s);

  printf("the peer shuts down reading:\n");
  tcp_loopback_pair(&c, &s);
  shutdown(c, SHUT_RD);
  do_send(s, "one", 0);
  do_send(s, "two", 0);
  show_poll(s);
  show_poll(c);
  do_recv(c);
  do_recv(c);
  so_error(s);
  close(c);
  close(s);

  printf("the peer closes with SO_LINGER 0, we send before reading:\n");
  tcp_loopback_pair(&c, &s);
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(c);
  wait_reset(s);
  show_poll(s);
  do_send(s, "first", 0);
  do_send(s, "second", 0);
  do_recv(s);
  close(s);

  printf("the peer shuts down writing, then resets:\n");
  tcp_loopback_pair(&c, &s);
  shutdown(c, SHUT_WR);
  wait_fin(s);
  setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(c);
  wait_reset(s);
  show_poll(s);
  do_recv(s);
  so_error(s);
  do_send(s, "first", 0);
  close(s);

  printf("urgent data to a closed peer:\n");
  tcp_loopback_pair(&c, &s);
  close(c);
  wait_fin(s);
  ssize_t n = send(s, "u", 1, MSG_OOB);
  printf("  send MSG_OOB: %s\n", n < 0 ? err_name(errno) : n == 1 ? "sent" : "short");
  if (n > 0) wait_reset(s);
  do_send(s, "next", MSG_NOSIGNAL);
  close(s);

  printf("SIGPIPE: %d in all\n", (int)sigpipes);
  return 0;
}
