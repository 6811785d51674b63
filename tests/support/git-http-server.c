/* git-http-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "git-http-server.h"

#define GIT_HTTP_BACKEND "/usr/lib/git-core/git-http-backend"

struct _ForgeTestGitServer
{
  char         *project_root;
  char         *required_token;

  GThread      *thread;
  GMainContext *context;

  GMutex        mutex;
  GCond         cond;
  guint         port;
  gboolean      ready;
  char         *listen_error;

  gint          stopping;       /* atomic */
  guint         requests;       /* atomic */
  guint         unauthorized;   /* atomic */
};

static gboolean
is_authorized (ForgeTestGitServer *self,
               SoupServerMessage  *msg)
{
  const char *header;
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *colon;

  if (self->required_token == NULL)
    return TRUE;

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (header == NULL || g_ascii_strncasecmp (header, "Basic ", 6) != 0)
    return FALSE;

  decoded = g_base64_decode (header + 6, &len);
  text = g_strndup ((const char *) decoded, len);
  colon = strchr (text, ':');

  return colon != NULL && g_str_equal (colon + 1, self->required_token);
}

/* Copies the CGI response (headers, blank line, body) into msg. */
static void
apply_cgi_response (SoupServerMessage *msg,
                    GBytes            *output)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (output, &len);
  const char *end = NULL;
  gsize sep = 0;
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  guint status = SOUP_STATUS_OK;
  g_autofree char *content_type = NULL;
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);

  for (gsize i = 0; data != NULL && i + 1 < len; i++)
    {
      if (data[i] == '\n' && data[i + 1] == '\n')
        {
          end = data + i;
          sep = 2;
          break;
        }
      if (i + 3 < len && memcmp (data + i, "\r\n\r\n", 4) == 0)
        {
          end = data + i;
          sep = 4;
          break;
        }
    }

  if (end == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Bad CGI output");
      return;
    }

  head = g_strndup (data, end - data);
  lines = g_strsplit (head, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *colon = strchr (line, ':');
      const char *value;

      if (colon == NULL)
        continue;

      *colon = '\0';
      value = colon + 1;
      while (*value == ' ')
        value++;

      if (g_ascii_strcasecmp (line, "Status") == 0)
        status = (guint) g_ascii_strtoull (value, NULL, 10);
      else if (g_ascii_strcasecmp (line, "Content-Type") == 0)
        {
          g_free (content_type);
          content_type = g_strdup (value);
        }
      else
        soup_message_headers_append (response_headers, line, value);
    }

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    end + sep, len - (end + sep - data));
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  ForgeTestGitServer *self = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_length = NULL;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *content_type;
  const char *content_encoding;
  const char *query_string;

  g_atomic_int_inc (&self->requests);

  if (!is_authorized (self, msg))
    {
      g_atomic_int_inc (&self->unauthorized);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Basic realm=\"forge-test\"");
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }

  body = soup_message_body_flatten (request_body);
  content_length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));
  content_type = soup_message_headers_get_content_type (request_headers, NULL);
  content_encoding = soup_message_headers_get_one (request_headers, "Content-Encoding");
  query_string = g_uri_get_query (uri);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* A clean CGI environment: nothing from the test leaks in. */
  g_subprocess_launcher_set_environ (launcher, (char *[]) { NULL });
  g_subprocess_launcher_setenv (launcher, "PATH", "/usr/bin:/bin", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", self->project_root, TRUE);
  g_subprocess_launcher_setenv (launcher, "GIT_CONFIG_NOSYSTEM", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GIT_PROJECT_ROOT", self->project_root, TRUE);
  g_subprocess_launcher_setenv (launcher, "GIT_HTTP_EXPORT_ALL", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GATEWAY_INTERFACE", "CGI/1.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "SERVER_PROTOCOL", "HTTP/1.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "REMOTE_ADDR", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "REQUEST_METHOD", soup_server_message_get_method (msg), TRUE);
  g_subprocess_launcher_setenv (launcher, "PATH_INFO", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "QUERY_STRING", query_string != NULL ? query_string : "", TRUE);
  g_subprocess_launcher_setenv (launcher, "CONTENT_LENGTH", content_length, TRUE);
  if (content_type != NULL)
    g_subprocess_launcher_setenv (launcher, "CONTENT_TYPE", content_type, TRUE);
  if (content_encoding != NULL)
    g_subprocess_launcher_setenv (launcher, "HTTP_CONTENT_ENCODING", content_encoding, TRUE);
  if (self->required_token != NULL)
    g_subprocess_launcher_setenv (launcher, "REMOTE_USER", "tester", TRUE);

  process = g_subprocess_launcher_spawn (launcher, &error, GIT_HTTP_BACKEND, NULL);
  if (process == NULL ||
      !g_subprocess_communicate (process, body, NULL, &output, NULL, &error))
    {
      g_printerr ("git-http-backend: %s\n", error->message);
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      return;
    }

  apply_cgi_response (msg, output);
}

static gpointer
server_thread (gpointer data)
{
  ForgeTestGitServer *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);

  server = soup_server_new ("server-header", "forge-test-git", NULL);
  soup_server_add_handler (server, NULL, handle_request, self, NULL);

  g_mutex_lock (&self->mutex);
  if (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      uris = soup_server_get_uris (server);
      self->port = g_uri_get_port (uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }
  else
    self->listen_error = g_strdup (error->message);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  /* Not g_main_loop_run(): a quit before it started would be lost. */
  while (self->listen_error == NULL && !g_atomic_int_get (&self->stopping))
    g_main_context_iteration (self->context, TRUE);

  soup_server_disconnect (server);
  g_clear_object (&server);

  /* Let pending source finalizers run in this context. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

ForgeTestGitServer *
forge_test_git_server_new (const char *project_root,
                           const char *required_token)
{
  ForgeTestGitServer *self = g_new0 (ForgeTestGitServer, 1);

  g_assert_true (g_file_test (GIT_HTTP_BACKEND, G_FILE_TEST_IS_EXECUTABLE));

  self->project_root = g_strdup (project_root);
  self->required_token = g_strdup (required_token);
  self->context = g_main_context_new ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);

  self->thread = g_thread_new ("test-git-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->listen_error != NULL)
    g_error ("Test git server could not listen: %s", self->listen_error);

  return self;
}

char *
forge_test_git_server_dup_url (ForgeTestGitServer *self,
                               const char         *path)
{
  while (path[0] == '/')
    path++;
  return g_strdup_printf ("http://127.0.0.1:%u/%s", self->port, path);
}

guint
forge_test_git_server_get_unauthorized_count (ForgeTestGitServer *self)
{
  return (guint) g_atomic_int_get (&self->unauthorized);
}

guint
forge_test_git_server_get_request_count (ForgeTestGitServer *self)
{
  return (guint) g_atomic_int_get (&self->requests);
}

void
forge_test_git_server_free (ForgeTestGitServer *self)
{
  if (self == NULL)
    return;

  g_atomic_int_set (&self->stopping, TRUE);
  g_main_context_wakeup (self->context);
  g_thread_join (self->thread);

  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->listen_error);
  g_free (self->project_root);
  g_free (self->required_token);
  g_free (self);
}
