/* forge-static-server.c
 *
 * Serves a plain HTML site for repositories that have no package.json.
 * It runs inside the sandbox, so it needs nothing but GLib and libsoup,
 * which /usr already provides there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <libsoup/soup.h>

static char *root_dir;

static gboolean
path_is_inside_root (const char *path)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  g_autofree char *root_slash = g_strconcat (root_dir, G_DIR_SEPARATOR_S, NULL);

  return g_str_equal (canonical, root_dir) || g_str_has_prefix (canonical, root_slash);
}

static void
send_text (SoupServerMessage *msg,
           guint              status,
           const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, strlen (text));
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
  g_autofree char *file_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *mime = NULL;
  gsize length = 0;

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

  file_path = g_build_filename (root_dir, decoded, NULL);
  if (!path_is_inside_root (file_path))
    {
      send_text (msg, SOUP_STATUS_FORBIDDEN, "Forbidden.\n");
      return;
    }

  if (g_file_test (file_path, G_FILE_TEST_IS_DIR))
    {
      char *index;

      /* Relative links in an index page need the trailing slash. */
      if (!g_str_has_suffix (path, "/"))
        {
          g_autofree char *location = g_strconcat (path, "/", NULL);
          soup_server_message_set_redirect (msg, SOUP_STATUS_MOVED_PERMANENTLY, location);
          return;
        }

      index = g_build_filename (file_path, "index.html", NULL);
      g_free (file_path);
      file_path = index;
    }

  if (!g_file_get_contents (file_path, &contents, &length, NULL))
    {
      send_text (msg, SOUP_STATUS_NOT_FOUND, "Not found.\n");
      return;
    }

  content_type = g_content_type_guess (file_path, (const guchar *) contents, length, NULL);
  mime = g_content_type_get_mime_type (content_type);
  if (mime == NULL || g_str_equal (mime, "application/octet-stream"))
    {
      g_free (mime);
      mime = g_strdup (g_str_has_suffix (file_path, ".js") || g_str_has_suffix (file_path, ".mjs")
                       ? "text/javascript" : "application/octet-stream");
    }
  if (g_str_has_prefix (mime, "text/") && strstr (mime, "charset") == NULL)
    {
      char *with_charset = g_strconcat (mime, "; charset=utf-8", NULL);
      g_free (mime);
      mime = with_charset;
    }

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-cache");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, mime, SOUP_MEMORY_TAKE, g_steal_pointer (&contents), length);
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

  root_dir = g_canonicalize_filename (argv[1], NULL);
  if (!g_file_test (root_dir, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("forge-static-server: %s is not a directory\n", root_dir);
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

  g_free (root_dir);
  return 0;
}
