/* forge-loopback-relay.c
 *
 * Runs a dev server inside a sandbox that has a network of its own, and
 * makes the ports it listens on only on the loopback (127.0.0.1 or ::1)
 * reachable on the sandbox's own interface as well, where the host's port
 * forwarding arrives. Many servers take "localhost" whatever HOST says;
 * without this they would be out of reach of the preview.
 *
 * Usage: forge-loopback-relay -- COMMAND [ARG…]
 * Exits with the command's status (128+N when killed by signal N).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-loopback-relay"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#define MAX_RELAYED_PORTS 64
/* How often the listening sockets are looked at: often while a server
 * starts (the preview waits for it), rarely once it has settled. */
#define SCAN_INTERVAL_MS 100
#define SETTLED_SCAN_INTERVAL_MS 1000
#define SETTLING_TIME_US (30 * G_USEC_PER_SEC)
#define BUFFER_SIZE (64 * 1024)

typedef struct
{
  guint16 port;
  int     fd;          /* listening on the interface's address */
  int     family;      /* of the loopback listener to connect to */
} Relay;

typedef struct
{
  int     outside;
  int     inside;
  guint16 port;
  int     family;
} Connection;

/* Each connection is a thread: bounded, whoever connects. */
#define MAX_CONNECTIONS 512
static gint n_connections;

static Relay relays[MAX_RELAYED_PORTS];
static guint n_relays;

/* The address forwarded connections arrive at: the first non-loopback
 * IPv4 address (slirp4netns's tap0). */
static gboolean
find_interface_address (struct in_addr *address)
{
  struct ifaddrs *addrs = NULL;
  gboolean found = FALSE;

  if (getifaddrs (&addrs) != 0)
    return FALSE;

  for (struct ifaddrs *a = addrs; a != NULL && !found; a = a->ifa_next)
    {
      if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
        continue;

      *address = ((struct sockaddr_in *) a->ifa_addr)->sin_addr;
      found = (ntohl (address->s_addr) >> 24) != 127;
    }

  freeifaddrs (addrs);
  return found;
}

typedef enum
{
  LISTENS_LOOPBACK_V4 = 1 << 0,
  LISTENS_LOOPBACK_V6 = 1 << 1,
  LISTENS_ELSEWHERE   = 1 << 2,
} Listens;

/* Reads one /proc/net/tcp{,6} table: for each port in LISTEN state (0A),
 * where it listens. */
static void
scan_table (const char *path,
            gboolean    ipv6,
            GHashTable *ports)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char local[64], remote[64], state[8];
      char *colon;
      guint port;
      Listens where;

      if (sscanf (lines[i], "%*d: %63s %63s %7s", local, remote, state) != 3 ||
          !g_str_equal (state, "0A") || !(colon = strchr (local, ':')))
        continue;

      *colon = '\0';
      port = (guint) strtoul (colon + 1, NULL, 16);
      if (port == 0 || port > 65535)
        continue;

      /* The kernel prints addresses as native-endian 32-bit words. */
      if (!ipv6 && g_str_equal (local, "0100007F"))
        where = LISTENS_LOOPBACK_V4;
      else if (ipv6 && g_str_equal (local, "00000000000000000000000001000000"))
        where = LISTENS_LOOPBACK_V6;
      else if (ipv6 && g_str_equal (local, "0000000000000000FFFF00000100007F"))
        where = LISTENS_LOOPBACK_V4;
      else
        where = LISTENS_ELSEWHERE;

      g_hash_table_insert (ports, GUINT_TO_POINTER (port),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (ports, GUINT_TO_POINTER (port))) | where));
    }
}

static gboolean
is_relayed (guint port)
{
  for (guint i = 0; i < n_relays; i++)
    if (relays[i].port == port)
      return TRUE;
  return FALSE;
}

static void
add_relays (const struct in_addr *address)
{
  g_autoptr(GHashTable) ports = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;

  scan_table ("/proc/net/tcp", FALSE, ports);
  scan_table ("/proc/net/tcp6", TRUE, ports);

  g_hash_table_iter_init (&iter, ports);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint port = GPOINTER_TO_UINT (key);
      Listens where = GPOINTER_TO_UINT (value);
      struct sockaddr_in bind_address = { .sin_family = AF_INET, .sin_port = htons (port), .sin_addr = *address };
      int one = 1;
      int fd;

      /* Reachable already, or ours. */
      if ((where & LISTENS_ELSEWHERE) || is_relayed (port) || n_relays == MAX_RELAYED_PORTS)
        continue;

      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0)
        continue;
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (fd, (struct sockaddr *) &bind_address, sizeof bind_address) != 0 ||
          listen (fd, 128) != 0)
        {
          close (fd);
          continue;
        }

      relays[n_relays].port = port;
      relays[n_relays].fd = fd;
      relays[n_relays].family = (where & LISTENS_LOOPBACK_V4) ? AF_INET : AF_INET6;
      n_relays++;
    }
}

static gboolean
write_all (int         fd,
           const char *data,
           gssize      len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static int
connect_loopback (guint16 port,
                  int     family)
{
  int fd = socket (family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int connected = -1;

  if (fd < 0)
    return -1;

  if (family == AF_INET)
    {
      struct sockaddr_in loopback = { .sin_family = AF_INET, .sin_port = htons (port),
                                      .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };

      connected = connect (fd, (struct sockaddr *) &loopback, sizeof loopback);
    }
  else
    {
      struct sockaddr_in6 loopback = { .sin6_family = AF_INET6, .sin6_port = htons (port),
                                       .sin6_addr = IN6ADDR_LOOPBACK_INIT };

      connected = connect (fd, (struct sockaddr *) &loopback, sizeof loopback);
    }

  if (connected != 0)
    {
      close (fd);
      return -1;
    }

  return fd;
}

/* One thread per connection, which also connects (a server with a full
 * backlog stalls only its own connection): both directions in one poll
 * loop, so that a half-closed side (a request sent, an answer still
 * coming) works. */
static gpointer
connection_thread (gpointer data)
{
  Connection *connection = data;
  struct pollfd fds[2] = {
    { connection->outside, POLLIN, 0 },
    { -1, POLLIN, 0 },
  };
  g_autofree char *buffer = g_malloc (BUFFER_SIZE);
  guint open_directions = 2;

  connection->inside = connect_loopback (connection->port, connection->family);
  fds[1].fd = connection->inside;
  if (connection->inside < 0)
    open_directions = 0;

  while (open_directions > 0)
    {
      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }

      for (guint i = 0; i < 2; i++)
        {
          int to = i == 0 ? connection->inside : connection->outside;
          gssize n;

          if (fds[i].fd < 0 || fds[i].revents == 0)
            continue;

          n = read (fds[i].fd, buffer, BUFFER_SIZE);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0 || !write_all (to, buffer, n))
            {
              shutdown (to, SHUT_WR);
              fds[i].fd = -1;
              open_directions--;
            }
        }
    }

  close (connection->outside);
  if (connection->inside >= 0)
    close (connection->inside);
  g_free (connection);
  g_atomic_int_dec_and_test (&n_connections);

  return NULL;
}

static void
accept_connection (const Relay *relay)
{
  int outside = accept4 (relay->fd, NULL, NULL, SOCK_CLOEXEC);
  Connection *connection;
  GThread *thread;

  if (outside < 0)
    return;

  if (g_atomic_int_get (&n_connections) >= MAX_CONNECTIONS)
    {
      close (outside);
      return;
    }

  connection = g_new0 (Connection, 1);
  connection->outside = outside;
  connection->inside = -1;
  connection->port = relay->port;
  connection->family = relay->family;
  g_atomic_int_inc (&n_connections);

  thread = g_thread_try_new ("relay", connection_thread, connection, NULL);
  if (thread == NULL)
    {
      close (outside);
      g_free (connection);
      g_atomic_int_dec_and_test (&n_connections);
      return;
    }
  g_thread_unref (thread);
}

static int
exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

int
main (int   argc,
      char *argv[])
{
  struct in_addr address;
  gboolean have_address;
  gint64 started;
  pid_t child;

  if (argc < 3 || !g_str_equal (argv[1], "--"))
    {
      fprintf (stderr, "Usage: %s -- COMMAND [ARG…]\n", argv[0]);
      return 2;
    }

  /* Stopping is signalled to every process of the sandbox at once: the
   * relay lives as long as the command does (a server taking its grace
   * period to shut down still answers), and goes with it. */
  signal (SIGPIPE, SIG_IGN);
  signal (SIGTERM, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);

  child = fork ();
  if (child < 0)
    {
      perror ("fork");
      return 255;
    }
  if (child == 0)
    {
      signal (SIGPIPE, SIG_DFL);
      signal (SIGTERM, SIG_DFL);
      signal (SIGINT, SIG_DFL);
      signal (SIGHUP, SIG_DFL);
      signal (SIGQUIT, SIG_DFL);
      execvp (argv[2], &argv[2]);
      fprintf (stderr, "%s: %s\n", argv[2], g_strerror (errno));
      _exit (127);
    }

  have_address = find_interface_address (&address);
  started = g_get_monotonic_time ();

  for (;;)
    {
      struct pollfd fds[MAX_RELAYED_PORTS];
      int status;
      pid_t done;

      do
        done = waitpid (child, &status, WNOHANG);
      while (done < 0 && errno == EINTR);
      if (done == child)
        return exit_code (status);

      if (have_address)
        add_relays (&address);

      for (guint i = 0; i < n_relays; i++)
        {
          fds[i].fd = relays[i].fd;
          fds[i].events = POLLIN;
          fds[i].revents = 0;
        }

      if (poll (fds, n_relays,
                g_get_monotonic_time () - started < SETTLING_TIME_US
                ? SCAN_INTERVAL_MS : SETTLED_SCAN_INTERVAL_MS) <= 0)
        continue;

      for (guint i = 0; i < n_relays; i++)
        if (fds[i].revents & POLLIN)
          accept_connection (&relays[i]);
    }
}
