/* forwarder.c
 *
 * Benchmark: what the sandbox's own network costs a page load. A Vite dev
 * server with 200 small modules runs in a ForgeLocalSandbox, once behind
 * slirp4netns's port forward (own network) and once on the host's
 * network (shared), and a client loads the page as a browser would: the
 * HTML, then the module graph it references, over 6 connections. Cold
 * loads (first load after a server start: Vite transforms every module)
 * and warm loads (Vite's transform cache), medians, and the ratio.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <stdlib.h>

#include "e2e-util.h"
#include "forge-local-sandbox.h"
#include "forge-util.h"

#define MODULES     200
#define CONNECTIONS 6
/* Each server start gives one cold load; the warm loads follow it. */
#define SERVERS     5
#define WARM_LOADS  5

typedef enum
{
  MODE_OWN,
  MODE_SHARED,
  N_MODES,
} Mode;

static const char *mode_names[] = { "own network (slirp4netns)", "shared network" };

/* {{{ Page load */

typedef struct
{
  SoupSession *session;
  GMainLoop   *loop;
  char        *base;        /* http://HOST:PORT */
  GHashTable  *requested;   /* paths */
  GRegex      *html_refs;
  GRegex      *js_refs;
  guint        pending;
  guint        requests;
  gsize        bytes;
  char        *error;
} PageLoad;

typedef struct
{
  PageLoad    *load;
  SoupMessage *message;
} Request;

static void request_path (PageLoad   *load,
                          const char *path);

/* Follows the references a browser would: module scripts of the page,
 * static imports of each module. Only paths on the same server. */
static void
follow_references (PageLoad   *load,
                   GRegex     *regex,
                   const char *body)
{
  g_autoptr(GMatchInfo) match = NULL;

  g_regex_match (regex, body, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *path = g_match_info_fetch (match, 1);

      if (path[0] == '\0')
        {
          g_free (path);
          path = g_match_info_fetch (match, 2);
        }
      if (path[0] == '/' && path[1] != '/')
        request_path (load, path);
      g_match_info_next (match, NULL);
    }
}

static void
on_response (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Request *request = user_data;
  PageLoad *load = request->load;
  g_autoptr(SoupMessage) message = request->message;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_free (request);
  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (bytes == NULL)
    {
      if (load->error == NULL)
        load->error = g_strdup_printf ("%s: %s", g_uri_get_path (soup_message_get_uri (message)), error->message);
    }
  else if (soup_message_get_status (message) != SOUP_STATUS_OK)
    {
      if (load->error == NULL)
        load->error = g_strdup_printf ("%s: HTTP %u", g_uri_get_path (soup_message_get_uri (message)),
                                       soup_message_get_status (message));
    }
  else
    {
      const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);
      g_autofree char *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

      load->bytes += g_bytes_get_size (bytes);
      if (g_strcmp0 (type, "text/html") == 0)
        follow_references (load, load->html_refs, body);
      else if (type != NULL && strstr (type, "javascript") != NULL)
        follow_references (load, load->js_refs, body);
    }

  if (--load->pending == 0)
    g_main_loop_quit (load->loop);
}

static void
request_path (PageLoad   *load,
              const char *path)
{
  g_autofree char *url = NULL;
  Request *request;

  if (!g_hash_table_add (load->requested, g_strdup (path)))
    return;

  url = g_strconcat (load->base, path, NULL);
  request = g_new0 (Request, 1);
  request->load = load;
  request->message = soup_message_new (SOUP_METHOD_GET, url);
  g_assert_nonnull (request->message);
  /* What a browser asks for: Vite answers the page only to text/html. */
  soup_message_headers_replace (soup_message_get_request_headers (request->message), "Accept",
                                g_str_equal (path, "/") ? "text/html,*/*;q=0.8" : "*/*");

  load->pending++;
  load->requests++;
  soup_session_send_and_read_async (load->session, request->message, G_PRIORITY_DEFAULT, NULL,
                                    on_response, request);
}

/* Loads the page at authority; returns the time in ms from the first
 * request to the last answer. A new session each time: a first visit's
 * connections are new too, and setting them up through the forwarder is
 * part of its cost. */
static double
page_load (const char *authority,
           guint      *requests,
           gsize      *bytes)
{
  PageLoad load = { 0 };
  gint64 started;
  double elapsed;

  load.session = soup_session_new_with_options ("max-conns-per-host", CONNECTIONS,
                                                "max-conns", CONNECTIONS,
                                                "timeout", 120,
                                                NULL);
  load.loop = g_main_loop_new (NULL, FALSE);
  load.base = g_strconcat ("http://", authority, NULL);
  load.requested = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  load.html_refs = g_regex_new ("<script[^>]*\\ssrc=\"([^\"]+)\"()", 0, 0, NULL);
  /* Static imports and re-exports as Vite writes them: from "/x", import "/x". */
  load.js_refs = g_regex_new ("\\bfrom\\s*[\"'](/[^\"'\\s]+)[\"']|\\bimport\\s*[\"'](/[^\"'\\s]+)[\"']", 0, 0, NULL);

  started = g_get_monotonic_time ();
  request_path (&load, "/");
  g_main_loop_run (load.loop);
  elapsed = (g_get_monotonic_time () - started) / 1000.0;

  if (load.error != NULL)
    g_error ("Page load from %s failed: %s", authority, load.error);
  /* The page, its two scripts (Vite's client and main.js), the client's
   * env module and the 200 modules. */
  if (load.requests < MODULES + 3)
    g_error ("Page load from %s made only %u requests", authority, load.requests);
  *requests = load.requests;
  *bytes = load.bytes;

  g_regex_unref (load.js_refs);
  g_regex_unref (load.html_refs);
  g_hash_table_unref (load.requested);
  g_free (load.base);
  g_main_loop_unref (load.loop);
  g_object_unref (load.session);
  return elapsed;
}

/* }}} */

/* {{{ Sandbox and server */

/* The output of the command at hand, to show when it fails. Lines come
 * from reader threads, which may outlive the process by a little: the
 * log lives as long as the program. */
static GString *command_log;
static GMutex command_log_mutex;

static void
on_line (ForgeSandboxStream  stream,
         const char         *line,
         gpointer            user_data)
{
  g_mutex_lock (&command_log_mutex);
  if (command_log->len < 64 * 1024)
    g_string_append_printf (command_log, "%s\n", line);
  g_mutex_unlock (&command_log_mutex);
}

static void
command_log_reset (void)
{
  g_mutex_lock (&command_log_mutex);
  g_string_truncate (command_log, 0);
  g_mutex_unlock (&command_log_mutex);
}

static ForgeLocalSandbox *
make_sandbox (const char *root,
              const char *repo,
              Mode        mode)
{
  g_autofree char *home = g_build_filename (root, mode == MODE_OWN ? "home-own" : "home-shared", NULL);
  g_autofree char *cache = g_build_filename (root, "npm-content", NULL);
  g_autofree char *npm_cache = g_build_filename (root, mode == MODE_OWN ? "npm-cache-own" : "npm-cache-shared", NULL);
  g_autoptr(GError) error = NULL;
  ForgeLocalSandbox *sandbox;

  g_mkdir_with_parents (home, 0700);
  sandbox = forge_local_sandbox_new (repo, home, 3600, &error);
  g_assert_no_error (error);
  forge_local_sandbox_set_package_cache (sandbox, cache, npm_cache);
  if (mode == MODE_SHARED)
    forge_local_sandbox_set_shared_network (sandbox, TRUE);
  else if (!forge_local_sandbox_has_own_network (sandbox))
    g_error ("No network of its own for the sandbox: is slirp4netns installed?");

  return sandbox;
}

static void
install (ForgeLocalSandbox *sandbox)
{
  const char *argv[] = { "npm", "ci", "--no-audit", "--no-fund", NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  command_log_reset ();
  if (!forge_sandbox_run_sync (FORGE_SANDBOX (sandbox), argv, NULL, NULL, on_line, NULL,
                               &status, NULL, &error) || status != 0)
    g_error ("npm ci failed (%d): %s\n%s", status, error ? error->message : "", command_log->str);
}

/* Any HTTP answer means the server is up. Not text/html: Vite would
 * answer with the page, transforming it before the timed load does. */
static gboolean
server_answers (const char *authority)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = g_strdup_printf ("http://%s/__forge-probe", authority);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) bytes = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  bytes = soup_session_send_and_read (session, message, NULL, NULL);
  return bytes != NULL && soup_message_get_status (message) >= 100;
}

typedef struct
{
  ForgeSandboxProcess *process;
  char                *authority;
} Server;

static void
server_start (Server            *server,
              ForgeLocalSandbox *sandbox)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *port_text = NULL;
  const char *argv[] = { "node_modules/.bin/vite", "--host", NULL, "--port", NULL, "--strictPort", NULL };
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  guint port = 0;

  g_assert_true (forge_sandbox_get_listen_address (FORGE_SANDBOX (sandbox), 1, &address, &port, &error));
  g_assert_no_error (error);
  port_text = g_strdup_printf ("%u", port);
  argv[2] = address;
  argv[4] = port_text;

  command_log_reset ();
  server->process = forge_sandbox_spawn (FORGE_SANDBOX (sandbox), argv, NULL, NULL,
                                         on_line, NULL, NULL, &error);
  g_assert_no_error (error);
  server->authority = forge_sandbox_expose_port (FORGE_SANDBOX (sandbox), server->process, port, &error);
  g_assert_no_error (error);

  while (!server_answers (server->authority))
    {
      if (!forge_sandbox_process_is_running (server->process) || g_get_monotonic_time () > deadline)
        g_error ("Vite did not come up on %s:\n%s", server->authority, command_log->str);
      g_usleep (50 * 1000);
    }
}

static void
server_stop (Server *server)
{
  forge_sandbox_process_kill (server->process);
  if (!forge_sandbox_process_wait (server->process, 10000, NULL))
    g_error ("Vite did not stop");
  g_clear_object (&server->process);
  g_clear_pointer (&server->authority, g_free);
}

/* }}} */

/* {{{ Project */

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* 200 small modules, each a few lines of real code, all imported by
 * main.js, as an app split into many components would be. */
static void
add_modules (const char *repo)
{
  g_autoptr(GString) main_js = g_string_new (NULL);
  g_autofree char *main_path = g_build_filename (repo, "src", "main.js", NULL);

  for (guint i = 0; i < MODULES; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u.js", i);
      g_autofree char *path = g_build_filename (repo, "src", name, NULL);
      g_autofree char *contents =
        g_strdup_printf ("// Module %u of the forwarder benchmark.\n"
                         "export const name = 'm%u'\n"
                         "export function render (items) {\n"
                         "  return items.map((item, index) => `<li data-m=\"%u\">${index}: ${item}</li>`).join('')\n"
                         "}\n",
                         i, i, i);

      write_file (path, contents);
      g_string_append_printf (main_js, "import { render as render%u } from './m%u.js'\n", i, i);
    }

  g_string_append (main_js, "\nconst renders = [");
  for (guint i = 0; i < MODULES; i++)
    g_string_append_printf (main_js, "%srender%u", i ? ", " : "", i);
  g_string_append (main_js,
                   "]\n"
                   "document.querySelector('#app').innerHTML =\n"
                   "  '<ul>' + renders.map((render) => render(['a', 'b'])).join('') + '</ul>'\n");
  write_file (main_path, main_js->str);
}

/* }}} */

/* Live processes this one started (at any depth), and anything left that
 * mentions the benchmark's folder (a bwrap outliving its parent). */
static guint
count_leftovers (const char *root)
{
  return forge_test_count_descendants () + forge_test_count_processes_mentioning (root);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = g_dir_make_tmp ("forge-bench-forwarder-XXXXXX", NULL);
  g_autofree char *repo = NULL;
  ForgeLocalSandbox *sandboxes[N_MODES];
  double cold[N_MODES][SERVERS], warm[N_MODES][SERVERS * WARM_LOADS];
  double cold_median[N_MODES], warm_median[N_MODES];
  guint requests = 0;
  gsize bytes = 0;
  gint64 started;

  command_log = g_string_new (NULL);
  forge_test_isolate_xdg (root);
  repo = forge_test_repo_from_fixture (root, "vite-app");
  add_modules (repo);

  for (Mode mode = 0; mode < N_MODES; mode++)
    sandboxes[mode] = make_sandbox (root, repo, mode);

  /* As a preview would: inside the sandbox, on its own network. */
  started = g_get_monotonic_time ();
  install (sandboxes[MODE_OWN]);
  g_print ("forwarder: npm ci in the sandbox (cold package cache): %.0f ms\n",
           (g_get_monotonic_time () - started) / 1000.0);

  /* Untimed: the first start of all pays for the page cache and for
   * whatever Vite writes on its first run. */
  {
    Server server = { 0 };

    server_start (&server, sandboxes[MODE_OWN]);
    page_load (server.authority, &requests, &bytes);
    server_stop (&server);
  }

  /* Modes alternate, and which goes first too, so that load from other
   * work on the machine falls on both alike. */
  for (guint round = 0; round < SERVERS; round++)
    for (guint turn = 0; turn < N_MODES; turn++)
      {
        Mode mode = (round + turn) % N_MODES;
        Server server = { 0 };

        server_start (&server, sandboxes[mode]);
        cold[mode][round] = page_load (server.authority, &requests, &bytes);
        for (guint i = 0; i < WARM_LOADS; i++)
          warm[mode][round * WARM_LOADS + i] = page_load (server.authority, &requests, &bytes);
        server_stop (&server);
      }

  for (Mode mode = 0; mode < N_MODES; mode++)
    {
      cold_median[mode] = median (cold[mode], SERVERS);
      warm_median[mode] = median (warm[mode], SERVERS * WARM_LOADS);
    }

  g_print ("forwarder: page load from a Vite dev server in the sandbox: %u requests "
           "(page, Vite client and env, main.js, %d modules), %d connections, ms\n"
           "cold: first load after a server start, median of %d; "
           "warm: later loads, median of %d (noisy machine: medians); %.0f KiB a load\n\n",
           requests, MODULES, CONNECTIONS, SERVERS, SERVERS * WARM_LOADS, bytes / 1024.0);
  g_print ("%-28s %10s %10s\n", "network", "cold", "warm");
  for (Mode mode = 0; mode < N_MODES; mode++)
    g_print ("%-28s %10.0f %10.0f\n", mode_names[mode], cold_median[mode], warm_median[mode]);
  g_print ("%-28s %10.2f %10.2f\n", "ratio own / shared",
           cold_median[MODE_OWN] / cold_median[MODE_SHARED],
           warm_median[MODE_OWN] / warm_median[MODE_SHARED]);

  for (Mode mode = 0; mode < N_MODES; mode++)
    {
      forge_sandbox_kill (FORGE_SANDBOX (sandboxes[mode]));
      g_object_unref (sandboxes[mode]);
    }

  /* slirp4netns leaves once its exit fd closes; give it a moment. */
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    guint left;

    while ((left = count_leftovers (root)) > 0 && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (50 * 1000);
      }
    if (left > 0)
      g_error ("%u processes left behind", left);
  }
  g_print ("\nno processes left behind\n");

  forge_remove_tree (root, NULL);
  return 0;
}
