/* forge-static-server.c
 *
 * Serves a plain HTML site for repositories that have no package.json.
 * It runs inside the sandbox, so it needs nothing but GLib and libsoup,
 * which /usr already provides there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-static-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <libsoup/soup.h>

/* Big enough to keep the socket busy, small enough that a handful of
 * parallel downloads stay cheap: only one chunk per response is ever in
 * memory. */
#define CHUNK_SIZE (64 * 1024)

/* The repository is untrusted: every request is resolved below this fd
 * with openat() and never by path, so nothing in the tree can point the
 * server outside of it. */
static int root_fd = -1;

typedef struct
{
  int     fd;
  goffset remaining;
} FileBody;

static void
file_body_free (FileBody *body)
{
  if (body->fd >= 0)
    close (body->fd);
  g_free (body);
}

static void
send_text (SoupServerMessage *msg,
           guint              status,
           const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, strlen (text));
}

/* O_NOFOLLOW makes a symlink fail with ELOOP wherever it is, and
 * O_NONBLOCK keeps a FIFO from stalling the only thread we have; it is
 * refused afterwards anyway, as only regular files are served. */
static int
open_beneath (int         dir_fd,
              const char *name,
              int         extra_flags)
{
  int fd;

  do
    fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | extra_flags);
  while (fd < 0 && errno == EINTR);

  return fd;
}

/* Returns the response status: SOUP_STATUS_OK with *out_fd set to the
 * opened file (a regular file or a directory), or why not. */
static guint
resolve_path (const char  *decoded,
              int         *out_fd,
              char       **out_name)
{
  g_auto(GStrv) components = g_strsplit (decoded, "/", -1);
  g_autofree char *name = NULL;
  int fd;
  guint last = 0;

  /* Refuse before opening anything: a dot name is either a way out
   * (..) or something that was never meant to be published (.git,
   * .env, editor and tool state). */
  for (guint i = 0; components[i] != NULL; i++)
    {
      if (components[i][0] == '\0')
        continue;
      if (components[i][0] == '.')
        return SOUP_STATUS_FORBIDDEN;
      last = i + 1;
    }

  fd = fcntl (root_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;

  for (guint i = 0; i < last; i++)
    {
      int next;

      if (components[i][0] == '\0')
        continue;

      /* Only the last component may be something other than a
       * directory; asking for one here also stops at device nodes. */
      next = open_beneath (fd, components[i], i + 1 < last ? O_DIRECTORY : 0);
      close (fd);
      if (next < 0)
        return SOUP_STATUS_NOT_FOUND;
      fd = next;

      g_free (name);
      name = g_strdup (components[i]);
    }

  *out_fd = fd;
  *out_name = g_steal_pointer (&name);
  return SOUP_STATUS_OK;
}

static char *
guess_mime_type (const char   *name,
                 const guchar *data,
                 gsize         length)
{
  g_autofree char *content_type = g_content_type_guess (name, data, length, NULL);
  g_autofree char *mime = g_content_type_get_mime_type (content_type);

  if (mime == NULL || g_str_equal (mime, "application/octet-stream"))
    {
      g_free (mime);
      mime = g_strdup (g_str_has_suffix (name, ".js") || g_str_has_suffix (name, ".mjs")
                       ? "text/javascript" : "application/octet-stream");
    }
  if (g_str_has_prefix (mime, "text/") && strstr (mime, "charset") == NULL)
    {
      char *with_charset = g_strconcat (mime, "; charset=utf-8", NULL);
      g_free (mime);
      mime = with_charset;
    }

  return g_steal_pointer (&mime);
}

/* Returns FALSE if the file ended before the size fstat() announced or
 * could not be read; the Content-Length sent can then no longer be kept. */
static gboolean
read_chunk (FileBody  *body,
            GBytes   **out_chunk)
{
  gsize want = MIN ((goffset) CHUNK_SIZE, body->remaining);
  g_autofree guchar *buffer = g_malloc (MAX (want, 1));
  gssize n;

  *out_chunk = NULL;
  if (want == 0)
    return TRUE;

  do
    n = read (body->fd, buffer, want);
  while (n < 0 && errno == EINTR);

  if (n <= 0)
    return FALSE;

  body->remaining -= n;
  *out_chunk = g_bytes_new_take (g_steal_pointer (&buffer), n);
  return TRUE;
}

static gboolean
close_connection (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);

  return G_SOURCE_REMOVE;
}

static void
on_wrote_chunk (SoupServerMessage *msg,
                FileBody          *body)
{
  SoupMessageBody *response_body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) chunk = NULL;

  if (!read_chunk (body, &chunk))
    {
      /* The file shrank under us or failed: the client was promised more
       * bytes than exist, so the only honest answer left is to hang up.
       * Not from inside libsoup's write loop, which is running now; with
       * no chunk queued it pauses the message meanwhile. */
      g_idle_add_full (G_PRIORITY_DEFAULT, close_connection, g_object_ref (msg), g_object_unref);
      return;
    }

  if (chunk != NULL)
    soup_message_body_append_bytes (response_body, chunk);
  else
    soup_message_body_complete (response_body);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *decoded = g_uri_unescape_string (path, NULL);
  g_autofree char *name = NULL;
  g_autofree char *mime = NULL;
  g_autoptr(GBytes) first_chunk = NULL;
  SoupMessageHeaders *response_headers;
  SoupMessageBody *response_body;
  FileBody *body;
  struct stat st;
  guint status;
  int fd = -1;

  if (!g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_HEAD))
    {
      send_text (msg, SOUP_STATUS_NOT_IMPLEMENTED, "Only GET and HEAD are served.\n");
      return;
    }

  if (decoded == NULL)
    {
      send_text (msg, SOUP_STATUS_BAD_REQUEST, "Bad path.\n");
      return;
    }

  status = resolve_path (decoded, &fd, &name);
  if (status == SOUP_STATUS_FORBIDDEN)
    {
      send_text (msg, status, "Forbidden.\n");
      return;
    }
  if (status != SOUP_STATUS_OK || fstat (fd, &st) != 0)
    {
      if (fd >= 0)
        close (fd);
      send_text (msg, status == SOUP_STATUS_OK ? SOUP_STATUS_NOT_FOUND : status,
                 status == SOUP_STATUS_INTERNAL_SERVER_ERROR ? "Internal error.\n" : "Not found.\n");
      return;
    }

  if (S_ISDIR (st.st_mode))
    {
      int index_fd;

      /* Relative links in an index page need the trailing slash. */
      if (!g_str_has_suffix (path, "/"))
        {
          g_autofree char *location = g_strconcat (path, "/", NULL);

          close (fd);
          soup_server_message_set_redirect (msg, SOUP_STATUS_MOVED_PERMANENTLY, location);
          return;
        }

      index_fd = open_beneath (fd, "index.html", 0);
      close (fd);
      fd = index_fd;
      g_free (name);
      name = g_strdup ("index.html");
      if (fd < 0 || fstat (fd, &st) != 0)
        {
          if (fd >= 0)
            close (fd);
          send_text (msg, SOUP_STATUS_NOT_FOUND, "Not found.\n");
          return;
        }
    }

  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      send_text (msg, SOUP_STATUS_NOT_FOUND, "Not found.\n");
      return;
    }

  /* The body belongs to the message from here on, so the fd is closed
   * whenever it goes away, also when the client hangs up midway. */
  body = g_new0 (FileBody, 1);
  body->fd = fd;
  body->remaining = st.st_size;
  g_object_set_data_full (G_OBJECT (msg), "forge-file-body", body, (GDestroyNotify) file_body_free);

  /* The first chunk is read even for HEAD, to sniff the type the same
   * way for both. */
  if (!read_chunk (body, &first_chunk))
    {
      send_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Cannot read the file.\n");
      return;
    }

  mime = guess_mime_type (name,
                          first_chunk ? g_bytes_get_data (first_chunk, NULL) : NULL,
                          first_chunk ? g_bytes_get_size (first_chunk) : 0);

  response_headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (response_headers, "Cache-Control", "no-cache");
  soup_message_headers_set_content_type (response_headers, mime, NULL);
  soup_message_headers_set_content_length (response_headers, st.st_size);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);

  if (g_str_equal (method, SOUP_METHOD_HEAD))
    return;

  /* Streamed: libsoup drops each chunk once written, and the next one
   * is only read then, so memory stays at one chunk whatever the size. */
  response_body = soup_server_message_get_response_body (msg);
  soup_message_body_set_accumulate (response_body, FALSE);
  if (first_chunk != NULL)
    {
      soup_message_body_append_bytes (response_body, first_chunk);
      g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), body);
    }
  else
    soup_message_body_complete (response_body);
}

static gboolean
quit_on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autofree char *host = NULL;
  int port = 8080;
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Address to listen on", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port to listen on", "PORT" },
    { NULL }
  };

  context = g_option_context_new ("DIRECTORY — serve a static site");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || port <= 0 || port > 65535)
    {
      g_printerr ("forge-static-server: %s\n", error ? error->message : "usage: forge-static-server [--host HOST] [--port PORT] DIRECTORY");
      return 2;
    }

  root_fd = open (argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      g_printerr ("forge-static-server: %s is not a directory\n", argv[1]);
      return 2;
    }

  if (host == NULL)
    host = g_strdup ("127.0.0.1");
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    {
      g_printerr ("forge-static-server: %s is not an IP address\n", host);
      return 2;
    }

  server = soup_server_new ("server-header", "forge-static-server", NULL);
  soup_server_add_handler (server, NULL, handle_request, NULL, NULL);
  socket_address = g_inet_socket_address_new (address, port);
  if (!soup_server_listen (server, socket_address, 0, &error))
    {
      g_printerr ("forge-static-server: cannot listen on %s:%d: %s\n", host, port, error->message);
      return 1;
    }

  g_print ("  Local:   http://%s%s%s:%d/\n",
           strchr (host, ':') ? "[" : "", host, strchr (host, ':') ? "]" : "", port);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  g_unix_signal_add (SIGINT, quit_on_signal, loop);
  g_main_loop_run (loop);

  close (root_fd);
  return 0;
}
