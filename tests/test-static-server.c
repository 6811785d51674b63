/* test-static-server.c
 *
 * Runs the real forge-static-server against hostile repositories: the
 * sandbox lets the repository see /etc and /dev, so anything the server
 * follows out of the tree is served to the preview.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include "forge-util.h"

/* Far above what the server needs (a few MiB) and far below what it
 * takes to hold /dev/zero or the large file in memory. */
#define RSS_LIMIT_KIB (64 * 1024)
#define LARGE_FILE_SIZE ((goffset) 64 * 1024 * 1024)

typedef struct
{
  char        *tmp;
  char        *site;
  GSubprocess *process;
  GPid         pid;
  guint        port;
  SoupSession *session;
  gboolean     killed_for_memory;
  gboolean     exited;
} Server;

typedef struct
{
  Server       *server;
  GCancellable *cancellable;
  gint64        deadline;
  GBytes       *body;
  GError       *error;
  gboolean      done;
} Fetch;

static void
write_file (Server     *server,
            const char *relative,
            const char *contents)
{
  g_autofree char *path = g_build_filename (server->site, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
make_symlink (Server     *server,
              const char *relative,
              const char *target)
{
  g_autofree char *path = g_build_filename (server->site, relative, NULL);

  g_assert_cmpint (symlink (target, path), ==, 0);
}

static Server *
server_new (void)
{
  Server *server = g_new0 (Server, 1);

  server->tmp = g_dir_make_tmp ("forge-static-XXXXXX", NULL);
  g_assert_nonnull (server->tmp);
  server->site = g_build_filename (server->tmp, "site", NULL);
  g_assert_cmpint (g_mkdir (server->site, 0755), ==, 0);

  return server;
}

/* A server left behind by a failed assertion would keep growing on
 * /dev/zero; tie its life to ours. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
on_server_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Server *server = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  server->exited = TRUE;
}

static guint
find_free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  g_assert_nonnull (bound);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
server_start (Server *server)
{
  const char *helper_dir = g_getenv ("FORGE_HELPER_DIR");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = NULL;
  g_autofree char *port = NULL;
  gint64 deadline;

  g_assert_nonnull (helper_dir);
  binary = g_build_filename (helper_dir, "forge-static-server", NULL);
  server->port = find_free_port ();
  port = g_strdup_printf ("%u", server->port);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error, binary,
                                                 "--host", "127.0.0.1", "--port", port,
                                                 server->site, NULL);
  g_assert_no_error (error);
  server->pid = atoi (g_subprocess_get_identifier (server->process));
  g_subprocess_wait_async (server->process, NULL, on_server_exited, server);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GSocketConnection) connection = NULL;

      connection = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL, NULL);
      if (connection != NULL)
        break;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_false (server->exited);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }

  server->session = soup_session_new ();
}

static void
server_free (Server *server)
{
  g_clear_object (&server->session);
  if (server->process != NULL)
    {
      g_autofree char *proc = g_strdup_printf ("/proc/%d", server->pid);

      g_subprocess_force_exit (server->process);
      while (!server->exited)
        g_main_context_iteration (NULL, TRUE);
      /* Reaped, not merely signalled. */
      g_assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));
      g_clear_object (&server->process);
    }
  g_assert_true (forge_remove_tree (server->tmp, NULL));
  g_free (server->site);
  g_free (server->tmp);
  g_free (server);
}

/* @field: "VmRSS:" or "VmHWM:" (the peak) */
static guint64
server_memory_kib (Server     *server,
                   const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", server->pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  line = strstr (contents, field);
  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

/* Under the sanitizers (tools/test --sanitize) the server's memory holds
 * ASan's shadow and the quarantine of every freed buffer (256 MB): its
 * size says nothing of how the server reads. */
static gboolean
memory_measured (void)
{
  return g_getenv ("FORGE_TEST_SANITIZED") == NULL;
}

static gboolean
watch_fetch (gpointer user_data)
{
  Fetch *fetch = user_data;
  Server *server = fetch->server;

  /* Stop a server that reads without bound now, not once the machine
   * runs out of memory. */
  if (memory_measured () && !server->killed_for_memory && server_memory_kib (server, "VmRSS:") > RSS_LIMIT_KIB * 4)
    {
      server->killed_for_memory = TRUE;
      kill (server->pid, SIGKILL);
    }

  if (server->killed_for_memory || g_get_monotonic_time () > fetch->deadline)
    g_cancellable_cancel (fetch->cancellable);

  return G_SOURCE_CONTINUE;
}

static void
fetch_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &fetch->error);
  fetch->done = TRUE;
}

/* Returns the status, or 0 if the server did not answer within a few
 * seconds. */
static guint
server_request (Server      *server,
                const char  *method,
                const char  *path,
                GBytes     **out_body,
                goffset     *out_length,
                char       **out_content_type)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SoupMessageHeaders *headers;
  Fetch fetch = { server, cancellable, g_get_monotonic_time () + 5 * G_USEC_PER_SEC };
  guint watch;

  g_assert_nonnull (msg);
  /* Redirects are part of what is tested. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);

  watch = g_timeout_add (10, watch_fetch, &fetch);
  soup_session_send_and_read_async (server->session, msg, G_PRIORITY_DEFAULT, cancellable, fetch_done, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watch);

  if (fetch.error != NULL)
    {
      g_test_message ("%s %s: %s", method, path, fetch.error->message);
      g_clear_error (&fetch.error);
      return 0;
    }

  headers = soup_message_get_response_headers (msg);
  if (out_length != NULL)
    *out_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                  ? soup_message_headers_get_content_length (headers) : -1;
  if (out_content_type != NULL)
    *out_content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  if (out_body != NULL)
    *out_body = g_steal_pointer (&fetch.body);
  g_clear_pointer (&fetch.body, g_bytes_unref);

  return soup_message_get_status (msg);
}

static guint
server_get (Server      *server,
            const char  *path,
            char       **out_body)
{
  g_autoptr(GBytes) body = NULL;
  guint status = server_request (server, SOUP_METHOD_GET, path, &body, NULL, NULL);

  if (out_body != NULL)
    *out_body = body ? g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body)) : g_strdup ("");

  return status;
}

/* SoupSession cleans the path up before sending it; this sends it as
 * written, the way a hostile page's fetch() or a raw client could. */
static char *
raw_get (Server     *server,
         const char *raw_path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) response = g_string_new (NULL);
  g_autofree char *request = NULL;
  GInputStream *in;
  char buffer[4096];
  gssize n;

  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL, &error);
  g_assert_no_error (error);

  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", raw_path);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  g_assert_no_error (error);

  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (response, buffer, n);
  g_assert_no_error (error);

  return g_string_free (g_steal_pointer (&response), FALSE);
}

static void
test_symlink_to_file (void)
{
  Server *server = server_new ();
  g_autofree char *body = NULL;

  write_file (server, "index.html", "<h1>site</h1>\n");
  make_symlink (server, "x.html", "/etc/passwd");
  server_start (server);

  g_assert_cmpuint (server_get (server, "/x.html", &body), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_null (strstr (body, "root:"));

  server_free (server);
}

static void
test_symlink_to_device (void)
{
  Server *server = server_new ();

  make_symlink (server, "zero.html", "/dev/zero");
  server_start (server);

  g_assert_cmpuint (server_get (server, "/zero.html", NULL), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_false (server->killed_for_memory);
  if (memory_measured ())
    {
      g_assert_cmpuint (server_memory_kib (server, "VmRSS:"), <, RSS_LIMIT_KIB);
      g_assert_cmpuint (server_memory_kib (server, "VmHWM:"), <, RSS_LIMIT_KIB);
    }
  else
    g_test_message ("Server memory not measured under AddressSanitizer");

  server_free (server);
}

static void
test_symlinked_directory (void)
{
  Server *server = server_new ();
  g_autofree char *body = NULL;
  g_autofree char *index = NULL;

  make_symlink (server, "docs", "/etc");
  server_start (server);

  g_assert_cmpuint (server_get (server, "/docs/passwd", &body), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_null (strstr (body, "root:"));
  /* Not even as a directory of its own. */
  g_assert_cmpuint (server_get (server, "/docs/", &index), ==, SOUP_STATUS_NOT_FOUND);

  server_free (server);
}

static void
test_fifo (void)
{
  Server *server = server_new ();
  g_autofree char *fifo = g_build_filename (server->site, "pipe.html", NULL);
  g_autofree char *body = NULL;

  write_file (server, "index.html", "<h1>still here</h1>\n");
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  server_start (server);

  g_assert_cmpuint (server_get (server, "/pipe.html", NULL), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_cmpuint (server_get (server, "/", &body), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (body, ==, "<h1>still here</h1>\n");

  server_free (server);
}

static void
test_dotfiles (void)
{
  const char *paths[] = { "/.git/config", "/.env", "/dir/.env", "/.git/", "/%2egit/config" };
  Server *server = server_new ();

  write_file (server, ".git/config", "[remote \"origin\"]\n\turl = https://token@example.com/secret\n");
  write_file (server, ".env", "API_KEY=secret\n");
  write_file (server, "dir/.env", "API_KEY=secret\n");
  server_start (server);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *body = NULL;
      guint status = server_get (server, paths[i], &body);

      g_test_message ("%s: %u", paths[i], status);
      g_assert_true (status == SOUP_STATUS_FORBIDDEN || status == SOUP_STATUS_NOT_FOUND);
      g_assert_null (strstr (body, "secret"));
    }

  server_free (server);
}

static void
test_large_file_streamed (void)
{
  Server *server = server_new ();
  g_autofree char *path = g_build_filename (server->site, "big.bin", NULL);
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) head_body = NULL;
  const guchar *data;
  goffset length = -1;
  int fd;

  /* Sparse, with marks at both ends to see the whole file arrive. */
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, LARGE_FILE_SIZE), ==, 0);
  g_assert_cmpint (pwrite (fd, "BEGIN", 5, 0), ==, 5);
  g_assert_cmpint (pwrite (fd, "END", 3, LARGE_FILE_SIZE - 3), ==, 3);
  g_assert_cmpint (close (fd), ==, 0);
  server_start (server);

  g_assert_cmpuint (server_request (server, SOUP_METHOD_GET, "/big.bin", &body, &length, NULL), ==, SOUP_STATUS_OK);
  g_assert_cmpint (length, ==, LARGE_FILE_SIZE);
  g_assert_cmpuint (g_bytes_get_size (body), ==, LARGE_FILE_SIZE);
  data = g_bytes_get_data (body, NULL);
  g_assert_cmpmem (data, 5, "BEGIN", 5);
  g_assert_cmpmem (data + LARGE_FILE_SIZE / 2, 4, "\0\0\0\0", 4);
  g_assert_cmpmem (data + LARGE_FILE_SIZE - 3, 3, "END", 3);

  /* The peak, so it does not matter when it is read. */
  if (memory_measured ())
    g_assert_cmpuint (server_memory_kib (server, "VmHWM:"), <, LARGE_FILE_SIZE / 1024 / 2);
  else
    g_test_message ("Server memory not measured under AddressSanitizer");

  g_assert_cmpuint (server_request (server, SOUP_METHOD_HEAD, "/big.bin", &head_body, &length, &content_type), ==, SOUP_STATUS_OK);
  g_assert_cmpint (length, ==, LARGE_FILE_SIZE);
  g_assert_cmpuint (head_body ? g_bytes_get_size (head_body) : 0, ==, 0);
  g_assert_cmpstr (content_type, ==, "application/octet-stream");

  server_free (server);
}

static void
test_normal_files (void)
{
  Server *server = server_new ();
  g_autofree char *outside = g_build_filename (server->tmp, "outside.html", NULL);
  g_autofree char *body = NULL;
  g_autofree char *dir_body = NULL;
  g_autofree char *script = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *script_type = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_autoptr(GBytes) script_bytes = NULL;
  goffset length = -1;
  const char *traversals[] = {
    "/../outside.html",
    "/dir/../../outside.html",
    "/%2e%2e/outside.html",
    "/dir/%2e%2e/%2e%2e/outside.html",
    "/..%2foutside.html",
  };

  write_file (server, "index.html", "<h1>home</h1>\n");
  write_file (server, "dir/index.html", "<h1>dir</h1>\n");
  write_file (server, "app.js", "console.log ('hi');\n");
  write_file (server, "empty.html", "");
  g_assert_true (g_file_set_contents (outside, "OUTSIDE-SECRET\n", -1, NULL));
  server_start (server);

  g_assert_cmpuint (server_request (server, SOUP_METHOD_GET, "/", NULL, &length, &content_type), ==, SOUP_STATUS_OK);
  g_assert_cmpint (length, ==, strlen ("<h1>home</h1>\n"));
  g_assert_cmpstr (content_type, ==, "text/html; charset=utf-8");
  g_assert_cmpuint (server_get (server, "/index.html", &body), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (body, ==, "<h1>home</h1>\n");

  g_assert_cmpuint (server_get (server, "/dir", NULL), ==, SOUP_STATUS_MOVED_PERMANENTLY);
  g_assert_cmpuint (server_get (server, "/dir/", &dir_body), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (dir_body, ==, "<h1>dir</h1>\n");

  g_assert_cmpuint (server_request (server, SOUP_METHOD_GET, "/app.js", &script_bytes, NULL, &script_type), ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (script_type, "javascript"));
  g_assert_cmpmem (g_bytes_get_data (script_bytes, NULL), g_bytes_get_size (script_bytes),
                   "console.log ('hi');\n", strlen ("console.log ('hi');\n"));

  g_assert_cmpuint (server_request (server, SOUP_METHOD_GET, "/empty.html", &empty, &length, NULL), ==, SOUP_STATUS_OK);
  g_assert_cmpint (length, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);

  g_assert_cmpuint (server_get (server, "/missing.html", NULL), ==, SOUP_STATUS_NOT_FOUND);

  for (guint i = 0; i < G_N_ELEMENTS (traversals); i++)
    {
      g_autofree char *response = raw_get (server, traversals[i]);
      g_autofree char *status_line = g_strndup (response, strcspn (response, "\r\n"));

      g_test_message ("%s: %s", traversals[i], status_line);
      g_assert_true (g_str_has_prefix (response, "HTTP/1.1 "));
      g_assert_false (g_str_has_prefix (response, "HTTP/1.1 2"));
      g_assert_null (strstr (response, "OUTSIDE-SECRET"));
    }

  /* The server is still fine after all that. */
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (server_get (server, "/", &body), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (body, ==, "<h1>home</h1>\n");

  server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/static-server/symlink/file", test_symlink_to_file);
  g_test_add_func ("/static-server/symlink/device", test_symlink_to_device);
  g_test_add_func ("/static-server/symlink/directory", test_symlinked_directory);
  g_test_add_func ("/static-server/fifo", test_fifo);
  g_test_add_func ("/static-server/dotfiles", test_dotfiles);
  g_test_add_func ("/static-server/large-file-streamed", test_large_file_streamed);
  g_test_add_func ("/static-server/normal-files", test_normal_files);

  return g_test_run ();
}
