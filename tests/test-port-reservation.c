/* test-port-reservation.c
 *
 * The port a preview keeps across restarts: what the kernel makes of a
 * bound, non-listening SO_REUSEADDR socket, and the local sandbox
 * serving there (or elsewhere, when another program has the port).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "e2e-util.h"
#include "forge-local-sandbox.h"
#include "forge-port-reservation.h"
#include "forge-util.h"

static GSocketAddress *
loopback_address (guint port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (loopback, (guint16) port);
}

static GSocket *
tcp_socket (void)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  return socket;
}

/* A socket bound without SO_REUSEADDR, as most programs bind. */
static gboolean
plain_bind (guint    port,
            GError **error)
{
  g_autoptr(GSocket) socket = tcp_socket ();
  g_autoptr(GSocketAddress) address = loopback_address (port);

  return g_socket_bind (socket, address, FALSE, error);
}

static GSocket *
plain_listener (guint *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = tcp_socket ();
  g_autoptr(GSocketAddress) address = loopback_address (0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  return g_steal_pointer (&socket);
}

static void
test_any_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgePortReservation) first = forge_port_reservation_new (0, &error);
  g_autoptr(ForgePortReservation) second = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (forge_port_reservation_get_port (first), >, 0);

  second = forge_port_reservation_new (0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (forge_port_reservation_get_port (second), >, 0);
  g_assert_cmpuint (forge_port_reservation_get_port (second), !=, forge_port_reservation_get_port (first));
}

/* Held against other programs, open to a listener that reuses it, and
 * free again once released. */
static void
test_holds_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgePortReservation) reservation = forge_port_reservation_new (0, &error);
  g_autoptr(GSocket) listener = tcp_socket ();
  g_autoptr(GSocket) client = tcp_socket ();
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  char buffer[8] = { 0 };
  guint port;

  g_assert_no_error (error);
  port = forge_port_reservation_get_port (reservation);
  address = loopback_address (port);

  /* Nothing listens: connections are refused, not left hanging. */
  g_assert_false (g_socket_connect (client, address, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_clear_object (&client);

  g_assert_false (plain_bind (port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  /* Nor does a free port picked for a server land on it. */
  for (guint i = 0; i < 50; i++)
    g_assert_cmpuint (forge_pick_free_port (NULL), !=, port);

  g_assert_true (g_socket_bind (listener, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (listener, &error));
  g_assert_no_error (error);

  client = tcp_socket ();
  g_assert_true (g_socket_connect (client, address, NULL, &error));
  g_assert_no_error (error);
  accepted = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send (client, "kept", 4, NULL, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_receive (accepted, buffer, sizeof buffer - 1, NULL, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpstr (buffer, ==, "kept");

  /* The client closes first, so that the TIME_WAIT is on its side and
   * not on the port. */
  g_socket_close (client, NULL);
  g_assert_cmpint (g_socket_receive (accepted, buffer, sizeof buffer - 1, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_socket_close (accepted, NULL);
  g_socket_close (listener, NULL);
  g_assert_false (plain_bind (port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  g_clear_object (&reservation);
  g_assert_true (plain_bind (port, &error));
  g_assert_no_error (error);
}

static void
test_taken_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgePortReservation) reservation = NULL;
  g_autoptr(GSocket) listener = NULL;
  guint port;

  listener = plain_listener (&port);
  reservation = forge_port_reservation_new (port, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_null (reservation);
}

/* {{{ The local sandbox on a kept port */

typedef struct
{
  char              *tmp;
  ForgeLocalSandbox *sandbox;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  shared_network)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *repo = NULL;
  g_autofree char *home = NULL;

  fixture->tmp = g_dir_make_tmp ("forge-port-XXXXXX", &error);
  g_assert_no_error (error);
  repo = g_build_filename (fixture->tmp, "repo", NULL);
  home = g_build_filename (fixture->tmp, "home", NULL);
  g_assert_cmpint (g_mkdir (repo, 0700), ==, 0);

  fixture->sandbox = forge_local_sandbox_new (repo, home, 0, &error);
  g_assert_no_error (error);
  if (GPOINTER_TO_INT (shared_network))
    forge_local_sandbox_set_shared_network (fixture->sandbox, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  shared_network)
{
  g_clear_object (&fixture->sandbox);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (forge_test_wait_no_processes (fixture->tmp, 5000));
  g_assert_true (forge_remove_tree (fixture->tmp, NULL));
  g_free (fixture->tmp);
}

static gboolean
skip_without_own_network (Fixture *fixture)
{
  if (forge_local_sandbox_has_own_network (fixture->sandbox))
    return FALSE;

  g_test_skip (forge_local_sandbox_get_network_problem (fixture->sandbox));
  return TRUE;
}

/* Starts a Node server on the first address the sandbox offers, forwarded
 * to the host; returns where the host reaches it once it answers. */
static char *
serve (Fixture               *fixture,
       guint                 *inner_port,
       ForgeSandboxProcess  **server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *port_env = NULL;
  g_autofree char *host_env = NULL;
  g_autofree char *authority = NULL;
  g_autofree char *url = NULL;
  const char *argv[] = {
    "node", "-e",
    "require('http').createServer((q, s) => s.end('kept')).listen(+process.env.PORT, process.env.HOST)",
    NULL
  };
  const char *env[3] = { NULL };
  gint64 deadline;

  g_assert_true (forge_sandbox_get_listen_address (FORGE_SANDBOX (fixture->sandbox), 1, &address, inner_port, &error));
  g_assert_no_error (error);

  port_env = g_strdup_printf ("PORT=%u", *inner_port);
  host_env = g_strdup_printf ("HOST=%s", address);
  env[0] = port_env;
  env[1] = host_env;
  *server = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, env, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  authority = forge_sandbox_expose_port (FORGE_SANDBOX (fixture->sandbox), *server, *inner_port, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://%s/", authority);

  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (forge_test_http_get (url, NULL) != 200)
    {
      g_assert_true (forge_sandbox_process_is_running (*server));
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }

  return g_steal_pointer (&authority);
}

static void
stop (ForgeSandboxProcess *server)
{
  forge_sandbox_process_kill (server);
  while (forge_sandbox_process_is_running (server))
    g_main_context_iteration (NULL, TRUE);
}

static void
test_sandbox_serves_kept_port (Fixture       *fixture,
                               gconstpointer  shared_network)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgePortReservation) reservation = forge_port_reservation_new (0, &error);
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autofree char *authority = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *address = NULL;
  guint kept;
  guint inner_port;
  guint later_port;

  if (!GPOINTER_TO_INT (shared_network) && skip_without_own_network (fixture))
    return;

  g_assert_no_error (error);
  kept = forge_port_reservation_get_port (reservation);
  forge_local_sandbox_set_preview_port (fixture->sandbox, kept);

  /* Forwarded beside the reservation in a network of its own; bound
   * beside it by Node on the host's. */
  authority = serve (fixture, &inner_port, &server);
  expected = g_strdup_printf ("127.0.0.1:%u", kept);
  g_assert_cmpuint (inner_port, ==, kept);
  g_assert_cmpstr (authority, ==, expected);

  /* A later attempt (the first one's port was busy) gets another. */
  g_assert_true (forge_sandbox_get_listen_address (FORGE_SANDBOX (fixture->sandbox), 2, &address, &later_port, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (later_port, !=, kept);

  stop (server);
  /* Still held once the server is gone: nothing else may take it. */
  g_assert_false (plain_bind (kept, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

/* Another program listens on the port (it took it before it could be
 * reserved): the server still gets that number inside, and the host a
 * free port. */
static void
test_sandbox_taken_port_moves (Fixture       *fixture,
                               gconstpointer  shared_network)
{
  g_autoptr(GSocket) squatter = NULL;
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autofree char *authority = NULL;
  g_autofree char *taken = NULL;
  guint port;
  guint inner_port;

  if (skip_without_own_network (fixture))
    return;

  squatter = plain_listener (&port);
  forge_local_sandbox_set_preview_port (fixture->sandbox, port);

  authority = serve (fixture, &inner_port, &server);
  taken = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpuint (inner_port, ==, port);
  g_assert_true (g_str_has_prefix (authority, "127.0.0.1:"));
  g_assert_cmpstr (authority, !=, taken);

  stop (server);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *bwrap = NULL;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/port-reservation/any-port", test_any_port);
  g_test_add_func ("/port-reservation/holds-port", test_holds_port);
  g_test_add_func ("/port-reservation/taken-port", test_taken_port);

  if ((bwrap = g_find_program_in_path ("bwrap")) != NULL)
    {
      g_test_add ("/port-reservation/local-sandbox/serves-kept-port", Fixture, GINT_TO_POINTER (FALSE),
                  fixture_set_up, test_sandbox_serves_kept_port, fixture_tear_down);
      g_test_add ("/port-reservation/local-sandbox/serves-kept-port-shared-network", Fixture, GINT_TO_POINTER (TRUE),
                  fixture_set_up, test_sandbox_serves_kept_port, fixture_tear_down);
      g_test_add ("/port-reservation/local-sandbox/taken-port-moves", Fixture, GINT_TO_POINTER (FALSE),
                  fixture_set_up, test_sandbox_taken_port_moves, fixture_tear_down);
    }

  return g_test_run ();
}
