/* test-server-probe.c
 *
 * The one answer to "is the dev server answering?", in both forms,
 * against a SoupServer on loopback run by a thread of its own: the sync
 * form blocks the test's thread, which must not be the one serving.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "forge-server-probe.h"

/* Short, so that the silent server's test stays short. */
#define TEST_TIMEOUT_S 1

typedef enum
{
  MODE_SYNC,
  MODE_ASYNC,
} Mode;

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  gint          stopping;
  guint         port;
  char         *base;      /* http://127.0.0.1:PORT */

  GSocket      *silent;    /* listens, never accepts */
  char         *silent_url;
  char         *closed_url;
  char         *endless_url;
  GPtrArray    *endless_connections;  /* server thread only */

  ForgeServerProbe *probe;
} Fixture;

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *fixture = user_data;

  if (g_str_equal (path, "/"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "up\n", 3);
    }
  else if (g_str_equal (path, "/missing"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }
  else if (g_str_equal (path, "/redirect-same"))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "/app/");
    }
  else if (g_str_equal (path, "/redirect-port"))
    {
      /* The silent one: following it would time out. */
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, fixture->silent_url);
    }
  else if (g_str_equal (path, "/redirect-host"))
    {
      g_autofree char *elsewhere = g_strdup_printf ("http://elsewhere.invalid:%u/app/", fixture->port);

      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, elsewhere);
    }
  else if (g_str_equal (path, "/redirect-scheme"))
    {
      g_autofree char *https = g_strdup_printf ("https://127.0.0.1:%u/app/", fixture->port);

      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, https);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
    }
}

/* Headers and a first chunk, then a body that never ends (an event
 * stream served on "/"). Written by hand: SoupServer ends a body once
 * the handler returns. */
static gboolean
endless_incoming_cb (GSocketService    *service,
                     GSocketConnection *connection,
                     GObject           *source_object,
                     gpointer           user_data)
{
  static const char answer[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "9\r\ndata: 1\n\n\r\n";
  Fixture *fixture = user_data;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  /* Small enough for the socket's buffer: the request is never read. */
  g_output_stream_write_all (output, answer, sizeof answer - 1, NULL, NULL, NULL);
  g_ptr_array_add (fixture->endless_connections, g_object_ref (connection));
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  Fixture *fixture = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSocketService) endless = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint16 endless_port;

  g_main_context_push_thread_default (fixture->context);

  fixture->endless_connections = g_ptr_array_new_with_free_func (g_object_unref);
  endless = g_socket_service_new ();
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_socket_listener_add_address (G_SOCKET_LISTENER (endless), any_port, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
    g_assert_no_error (error);
    endless_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }
  g_signal_connect (endless, "incoming", G_CALLBACK (endless_incoming_cb), fixture);
  g_socket_service_start (endless);
  fixture->endless_url = g_strdup_printf ("http://127.0.0.1:%u/", endless_port);

  server = soup_server_new ("server-header", "forge-test-probe", NULL);
  soup_server_add_handler (server, NULL, handle_request, fixture, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);

  g_mutex_lock (&fixture->mutex);
  fixture->port = g_uri_get_port (uris->data);
  fixture->ready = TRUE;
  g_cond_signal (&fixture->cond);
  g_mutex_unlock (&fixture->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* Not g_main_loop_run(): a stop before it started would be lost. */
  while (!g_atomic_int_get (&fixture->stopping))
    g_main_context_iteration (fixture->context, TRUE);

  soup_server_disconnect (server);
  g_clear_object (&server);
  g_socket_service_stop (endless);
  g_socket_listener_close (G_SOCKET_LISTENER (endless));
  for (guint i = 0; i < fixture->endless_connections->len; i++)
    g_io_stream_close (g_ptr_array_index (fixture->endless_connections, i), NULL, NULL);
  g_clear_pointer (&fixture->endless_connections, g_ptr_array_unref);
  while (g_main_context_iteration (fixture->context, FALSE))
    ;

  g_main_context_pop_thread_default (fixture->context);
  return NULL;
}

static GSocket *
loopback_socket (guint *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any_port, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) closed = NULL;
  guint port;

  g_mutex_init (&fixture->mutex);
  g_cond_init (&fixture->cond);

  /* The kernel completes the handshake and takes the request; nobody
   * ever reads it. */
  fixture->silent = loopback_socket (&port);
  g_assert_true (g_socket_listen (fixture->silent, &error));
  g_assert_no_error (error);
  fixture->silent_url = g_strdup_printf ("http://127.0.0.1:%u/", port);

  /* A port that was free a moment ago: nothing listens there. */
  closed = loopback_socket (&port);
  fixture->closed_url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_socket_close (closed, NULL);

  fixture->context = g_main_context_new ();
  fixture->thread = g_thread_new ("probe-test-server", server_thread, fixture);
  g_mutex_lock (&fixture->mutex);
  while (!fixture->ready)
    g_cond_wait (&fixture->cond, &fixture->mutex);
  g_mutex_unlock (&fixture->mutex);
  fixture->base = g_strdup_printf ("http://127.0.0.1:%u", fixture->port);

  fixture->probe = forge_server_probe_new ();
  g_object_set (fixture->probe, "timeout", TEST_TIMEOUT_S, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->probe);
  /* Let the probe's last closes and finalizers run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_atomic_int_set (&fixture->stopping, TRUE);
  g_main_context_wakeup (fixture->context);
  g_thread_join (fixture->thread);
  g_main_context_unref (fixture->context);

  g_socket_close (fixture->silent, NULL);
  g_clear_object (&fixture->silent);
  g_free (fixture->silent_url);
  g_free (fixture->closed_url);
  g_free (fixture->endless_url);
  g_free (fixture->base);
  g_mutex_clear (&fixture->mutex);
  g_cond_clear (&fixture->cond);
}

typedef struct
{
  GAsyncResult *result;
} Waiter;

static void
check_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
}

/* One check in the form the test was registered for. */
static gboolean
check (Fixture       *fixture,
       gconstpointer  data,
       const char    *url,
       GCancellable  *cancellable,
       char         **ready_url,
       GError       **error)
{
  Waiter waiter = { NULL };
  gboolean up;

  if (GPOINTER_TO_INT (data) == MODE_SYNC)
    return forge_server_probe_check_sync (fixture->probe, url, ready_url, cancellable, error);

  forge_server_probe_check_async (fixture->probe, url, cancellable, check_cb, &waiter);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  up = forge_server_probe_check_finish (fixture->probe, waiter.result, ready_url, error);
  g_object_unref (waiter.result);
  return up;
}

static char *
url_of (Fixture    *fixture,
        const char *path)
{
  return g_strconcat (fixture->base, path, NULL);
}

static void
assert_up (Fixture       *fixture,
           gconstpointer  data,
           const char    *path,
           const char    *expected_ready_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = url_of (fixture, path);
  g_autofree char *expected = url_of (fixture, expected_ready_path);
  g_autofree char *ready_url = NULL;

  g_assert_true (check (fixture, data, url, NULL, &ready_url, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ready_url, ==, expected);
}

static void
test_ok (Fixture       *fixture,
         gconstpointer  data)
{
  assert_up (fixture, data, "/", "/");
}

static void
test_not_found_is_up (Fixture       *fixture,
                      gconstpointer  data)
{
  assert_up (fixture, data, "/missing", "/missing");
}

static void
test_redirect_same_server (Fixture       *fixture,
                           gconstpointer  data)
{
  assert_up (fixture, data, "/redirect-same", "/app/");
}

static void
test_redirect_elsewhere_not_followed (Fixture       *fixture,
                                      gconstpointer  data)
{
  gint64 start = g_get_monotonic_time ();

  /* Another port (a silent server: following would time out), another
   * host, another scheme on the same port: the probed URL stays. */
  assert_up (fixture, data, "/redirect-port", "/redirect-port");
  assert_up (fixture, data, "/redirect-host", "/redirect-host");
  assert_up (fixture, data, "/redirect-scheme", "/redirect-scheme");
  g_assert_cmpint (g_get_monotonic_time () - start, <, TEST_TIMEOUT_S * G_USEC_PER_SEC);
}

static void
test_nothing_listening (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ready_url = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Not waiting out the timeout: the refusal is the answer. */
  forge_server_probe_set_timeout (fixture->probe, 30);
  g_assert_false (check (fixture, data, fixture->closed_url, NULL, &ready_url, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (ready_url);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_silent_server_times_out (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ready_url = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_false (check (fixture, data, fixture->silent_url, NULL, &ready_url, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (ready_url);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, >=, (TEST_TIMEOUT_S * G_USEC_PER_SEC) / 2);
  g_assert_cmpint (elapsed, <, (TEST_TIMEOUT_S + 2) * G_USEC_PER_SEC);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (G_USEC_PER_SEC / 5);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *ready_url = NULL;
  gint64 start = g_get_monotonic_time ();
  GThread *canceller;

  /* Cancelled while the silent server keeps it waiting. */
  forge_server_probe_set_timeout (fixture->probe, 30);
  canceller = g_thread_new ("canceller", cancel_later, cancellable);
  g_assert_false (check (fixture, data, fixture->silent_url, cancellable, &ready_url, &error));
  g_thread_join (canceller);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ready_url);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* Already cancelled: not even a connection. */
  g_clear_error (&error);
  g_assert_false (check (fixture, data, fixture->base, cancellable, &ready_url, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (ready_url);
}

static void
test_not_http (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ready_url = NULL;

  g_assert_false (check (fixture, data, "file:///etc/passwd", NULL, &ready_url, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (ready_url);
}

/* A body that never ends (an event stream on "/"): the headers are the
 * answer, the rest is not waited for. */
static void
test_endless_body (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ready_url = NULL;
  gint64 start = g_get_monotonic_time ();

  forge_server_probe_set_timeout (fixture->probe, 30);
  g_assert_true (check (fixture, data, fixture->endless_url, NULL, &ready_url, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ready_url, ==, fixture->endless_url);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static void
test_timeout_property (void)
{
  g_autoptr(ForgeServerProbe) probe = forge_server_probe_new ();
  guint timeout = 0;

  /* As the heartbeat has always waited. */
  g_assert_cmpuint (forge_server_probe_get_timeout (probe), ==, 5);
  g_object_set (probe, "timeout", 2, NULL);
  g_object_get (probe, "timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 2);
  g_assert_cmpuint (forge_server_probe_get_timeout (probe), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/forge/server-probe/sync/" name, Fixture, GINT_TO_POINTER (MODE_SYNC), \
              fixture_set_up, func, fixture_tear_down); \
  g_test_add ("/forge/server-probe/async/" name, Fixture, GINT_TO_POINTER (MODE_ASYNC), \
              fixture_set_up, func, fixture_tear_down)
  ADD ("ok", test_ok);
  ADD ("not-found-is-up", test_not_found_is_up);
  ADD ("redirect-same-server", test_redirect_same_server);
  ADD ("redirect-elsewhere-not-followed", test_redirect_elsewhere_not_followed);
  ADD ("nothing-listening", test_nothing_listening);
  ADD ("silent-server-times-out", test_silent_server_times_out);
  ADD ("cancelled", test_cancelled);
  ADD ("not-http", test_not_http);
  ADD ("endless-body", test_endless_body);
#undef ADD
  g_test_add_func ("/forge/server-probe/timeout-property", test_timeout_property);

  return g_test_run ();
}
