/* TCP connection resets on the loopback: a close with SO_LINGER's zero
 * time, or with unread data, resets the connection. The peer reads what
 * it was sent, then ECONNRESET, then end of file; it is no longer
 * connected (getpeername: ENOTCONN) and its writes fail. */
#include "proc.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

static void after_close(const char *who, int fd, int try_send) {
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
  int n = poll(&p, 1, 2000);
  printf("%s: poll %d:%s%s%s%s\n", who, n, (p.revents & POLLIN) ? " IN" : "", (p.revents & POLLRDHUP) ? " RDHUP" : "",
         (p.revents & POLLHUP) ? " HUP" : "", (p.revents & POLLERR) ? " ERR" : "");
  struct sockaddr_in peer;
  socklen_t len = sizeof peer;
  printf("  getpeername: %s\n", getpeername(fd, (struct sockaddr *)&peer, &len) == 0 ? "ok" : err_name(errno));
  for (int i = 0; i < 3; i++) {
    char buf[64];
    ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got < 0) printf("  recv: %s\n", err_name(errno));
    else printf("  recv: %zd \"%.*s\"\n", got, (int)got, buf);
  }
  /* (After a plain close the first send still succeeds, and the peer's
   * reset comes back: tcp_peer_close.c.) */
  if (try_send) printf("  send: %s\n", send(fd, "x", 1, MSG_NOSIGNAL) < 0 ? err_name(errno) : "sent");
}

int main(void) {
  int c, s;

  /* SO_LINGER with a zero time: the server reads the data, then the reset. */
  tcp_loopback_pair(&c, &s);
  struct linger lg = {.l_onoff = 1, .l_linger = 0}, back;
  printf("setsockopt SO_LINGER: %d\n", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  socklen_t len = sizeof back;
  int r = getsockopt(c, SOL_SOCKET, SO_LINGER, &back, &len);
  printf("getsockopt SO_LINGER: %d (%d, %d, size %u)\n", r, back.l_onoff, back.l_linger, (unsigned)len);
  printf("setsockopt SO_LINGER short: %s\n",
         setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)) == 0 ? "ok" : err_name(errno));
  send(c, "before the reset", 16, 0);
  close(c);
  after_close("linger 0", s, 1);
  close(s);

  /* A close with unread data resets too. */
  tcp_loopback_pair(&c, &s);
  send(c, "never read", 10, 0);
  struct pollfd p = {.fd = s, .events = POLLIN};
  poll(&p, 1, 2000);
  close(s);
  after_close("unread data", c, 1);
  close(c);

  /* Reset before the server accepted: accept still gives the connection
   * and the client's address; then it is a reset one. */
  static int listener2 = -1;
  listener2 = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a2 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l2 = sizeof a2;
  if (bind(listener2, (struct sockaddr *)&a2, sizeof a2) != 0 || listen(listener2, 4) != 0 ||
      getsockname(listener2, (struct sockaddr *)&a2, &l2) != 0)
    return 1;
  c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&a2, sizeof a2) != 0) return 1;
  setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(c);
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  s = accept(listener2, (struct sockaddr *)&from, &fl);
  printf("accept after the reset: %s, from %s\n", s >= 0 ? "ok" : err_name(errno),
         s >= 0 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) ? "127.0.0.1" : "?");
  if (s >= 0) after_close("reset before accept", s, 1);
  close(s);

  /* A plain close is an end of file, not a reset. */
  tcp_loopback_pair(&c, &s);
  send(c, "bye", 3, 0);
  close(c);
  after_close("plain close", s, 0);
  return 0;
}
