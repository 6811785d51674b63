/* soak.c
 *
 * The soak test (tools/test --soak; not in the default suite): the real
 * window, the real local bubblewrap sandbox and the real WebKitWebView
 * under Xvfb, worn down for a while.
 *
 *  - restores: 200 forced deaths of a preview's dev server with the
 *    window open, each restored at the same address and path, without a
 *    crash, a leaked process or file descriptor, and with the resident
 *    memory grown by less than 20 MB;
 *  - open-close: 50 cycles of opening a project, its preview up, and
 *    stopping it;
 *  - many-projects: 20 projects opened at once: the engine's limit of
 *    runs at once holds, and each ends in a preview or a clear error.
 *
 * Each prints its figures (as TAP comments). SOAK_RESTORES, SOAK_CYCLES
 * and SOAK_PROJECTS change the counts, for a quicker look.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>
#include <webkit/webkit.h>

#include "e2e-util.h"
#include "forge-application.h"
#include "forge-clone-and-preview.h"
#include "forge-preview-private.h"
#include "forge-preview-session.h"
#include "forge-util.h"
#include "forge-window.h"
#include "git-test-util.h"

#define RSS_GROWTH_LIMIT_KB  (20 * 1024)
/* README: "five runs at most at once" (forge-clone-and-preview.c). */
#define RUN_LIMIT            5

/* A GApplication registers once per process: the parts share one. */
static ForgeApplication *the_app;
static char *xdg_root;

static guint
count_from_env (const char *name,
                guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 count;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 100000, &count, NULL))
    return fallback;
  return (guint) count;
}

#define wait_for forge_test_wait_for

static void
spin_for (guint milliseconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Figures of this process */

/* WebKit's memory pressure monitor, in this process, opens these once, a
 * few seconds after the first page, and keeps them open: not ours, and
 * not a leak. Our own cgroup files are under a sandbox's own group. */
static gboolean
is_webkit_monitor_file (const char *target)
{
  g_autofree char *own_cgroup = g_strdup_printf ("/proc/%d/cgroup", getpid ());

  return g_strcmp0 (target, "/proc/meminfo") == 0 ||
         g_strcmp0 (target, "/proc/zoneinfo") == 0 ||
         g_strcmp0 (target, own_cgroup) == 0 ||
         (g_str_has_prefix (target, "/sys/fs/cgroup/") &&
          (g_str_has_prefix (target, "/sys/fs/cgroup/memory/memory.") ||
           strchr (target + strlen ("/sys/fs/cgroup/"), '/') == NULL));
}

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target == NULL || !is_webkit_monitor_file (target))
        count++;
    }

  /* Not the one GDir reads through. */
  return count - 1;
}

/* What each descriptor is, to say which ones were left open. */
static char *
describe_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_string_append_printf (text, " %s→%s", name, target != NULL ? target : "?");
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static guint64
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  /* Memory free()d but kept by malloc is not a leak: give it back first,
   * the same way before and after. */
  malloc_trim (0);

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

typedef struct
{
  guint    fds;
  char    *fd_list;
  guint    processes;
  guint64  rss_kb;
} Figures;

static void
figures_take (Figures *figures)
{
  figures->fds = count_fds ();
  g_free (figures->fd_list);
  figures->fd_list = describe_fds ();
  figures->processes = forge_test_count_descendants ();
  figures->rss_kb = rss_kb ();
}

static void
figures_clear (Figures *figures)
{
  g_clear_pointer (&figures->fd_list, g_free);
}

static gboolean
settled_to (gpointer data)
{
  const Figures *before = data;

  return count_fds () <= before->fds && forge_test_count_descendants () <= before->processes;
}

/* Closing a file or reaping a process happens on other threads a little
 * after what they served: give them a moment, then take the figures. */
static void
figures_take_settled (Figures       *after,
                      const Figures *before)
{
  wait_for (settled_to, (gpointer) before, 15);
  figures_take (after);
}

static void
figures_print (const char    *what,
               const Figures *before,
               const Figures *after)
{
  g_test_message ("%s: file descriptors %u before, %u after; processes %u before, %u after; "
                  "RSS %.1f MB before, %.1f MB after, growth %+.1f MB",
                  what, before->fds, after->fds, before->processes, after->processes,
                  before->rss_kb / 1024.0, after->rss_kb / 1024.0,
                  ((double) after->rss_kb - (double) before->rss_kb) / 1024.0);
}

static void
figures_check (const Figures *before,
               const Figures *after,
               gboolean       bound_rss)
{
  if (after->fds > before->fds)
    g_test_message ("file descriptors before:%s\nafter:%s", before->fd_list, after->fd_list);
  g_assert_cmpuint (after->fds, <=, before->fds);
  g_assert_cmpuint (after->processes, <=, before->processes);
  if (bound_rss)
    g_assert_cmpint ((gint64) after->rss_kb - (gint64) before->rss_kb, <, RSS_GROWTH_LIMIT_KB);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The window and what it shows */

typedef struct
{
  ForgeWindow *window;
  const char  *project_id;
} Lookup;

static ForgePreviewSession *
lookup_session (ForgeWindow *window,
                const char  *project_id)
{
  ForgeProjectView *view = forge_window_get_project_view (window, project_id);

  return view != NULL ? forge_project_view_get_session (view) : NULL;
}

static gboolean
visible_preview_loaded (gpointer data)
{
  ForgeWindow *window = data;
  ForgeProjectView *view = forge_window_get_visible_project_view (window);

  return view != NULL &&
         forge_preview_session_get_state (forge_project_view_get_session (view)) == FORGE_PREVIEW_SESSION_STATE_RUNNING &&
         forge_preview_get_state (forge_project_view_get_preview (view)) == FORGE_PREVIEW_STATE_LOADED;
}

static gboolean
session_stopped (gpointer data)
{
  Lookup *lookup = data;
  ForgePreviewSession *session = lookup_session (lookup->window, lookup->project_id);

  return session != NULL &&
         forge_preview_session_get_state (session) == FORGE_PREVIEW_SESSION_STATE_STOPPED &&
         !forge_preview_session_has_active_run (session);
}

static gboolean
no_active_runs (gpointer data)
{
  return forge_workflow_engine_get_n_active (forge_application_get_engine (the_app)) == 0;
}

static void
close_window (ForgeWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  forge_sandbox_manager_stop_all (forge_application_get_manager (the_app));
  g_assert_true (wait_for (no_active_runs, NULL, 60));
  g_assert_true (forge_test_wait_no_processes (xdg_root, 10000));
}

/* Restores */

typedef struct
{
  ForgePreview *preview;
  const char   *path;
  guint         preview_restores;   /* restoring went back to FALSE */
  guint         manager_restores;   /* "restored" from the manager */
  guint         gave_up;
  guint         web_process_deaths;
} Restores;

static void
restoring_changed_cb (ForgePreview *preview,
                      GParamSpec   *pspec,
                      Restores     *restores)
{
  if (!forge_preview_get_restoring (preview))
    restores->preview_restores++;
}

static void
sandbox_state_cb (ForgeSandboxManager *manager,
                  const char          *project_id,
                  ForgeSandboxState    state,
                  const char          *url,
                  gint64               restart_ms,
                  Restores            *restores)
{
  if (state == FORGE_SANDBOX_STATE_RESTORED)
    restores->manager_restores++;
  else if (state == FORGE_SANDBOX_STATE_GAVE_UP)
    restores->gave_up++;
}

static void
web_process_terminated_cb (WebKitWebView                     *web_view,
                           WebKitWebProcessTerminationReason  reason,
                           Restores                          *restores)
{
  restores->web_process_deaths++;
}

typedef struct
{
  Restores *restores;
  guint     expected;
} RestoreWait;

static gboolean
restored_at_path (gpointer data)
{
  RestoreWait *wait = data;
  Restores *restores = wait->restores;

  return restores->preview_restores >= wait->expected &&
         restores->manager_restores >= wait->expected &&
         !forge_preview_get_restoring (restores->preview) &&
         forge_preview_get_state (restores->preview) == FORGE_PREVIEW_STATE_LOADED &&
         g_strcmp0 (forge_preview_get_path (restores->preview), restores->path) == 0;
}

static gboolean
loaded_at_path (gpointer data)
{
  Restores *restores = data;

  return forge_preview_get_state (restores->preview) == FORGE_PREVIEW_STATE_LOADED &&
         g_strcmp0 (forge_preview_get_path (restores->preview), restores->path) == 0;
}

static void
test_restores (void)
{
  guint n_restores = count_from_env ("SOAK_RESTORES", 200);
  g_autofree char *root = g_dir_make_tmp ("forge-soak-XXXXXX", NULL);
  g_autofree char *repo = forge_test_repo_from_fixture (root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *base = NULL;
  g_autofree char *port = NULL;
  g_autofree char *about = NULL;
  g_autoptr(GUri) base_uri = NULL;
  g_autoptr(GArray) restore_ms = g_array_new (FALSE, FALSE, sizeof (double));
  ForgeSandboxManager *manager = forge_application_get_manager (the_app);
  Restores restores = { 0 };
  RestoreWait wait = { &restores, 0 };
  Figures before = { 0 }, after = { 0 };
  ForgeWindow *window;
  ForgeProjectView *view;
  WebKitWebView *web_view;
  double total_ms = 0;
  gint64 started;

  window = forge_window_new (the_app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (forge_window_open_repository (window, url));
  g_assert_true (wait_for (visible_preview_loaded, window, 180));

  view = forge_window_get_visible_project_view (window);
  restores.preview = forge_project_view_get_preview (view);
  web_view = forge_preview_get_web_view (restores.preview);
  restores.path = "/about/";
  forge_preview_navigate (restores.preview, restores.path);
  g_assert_true (wait_for (loaded_at_path, &restores, 30));

  base = g_strdup (forge_preview_get_base_uri (restores.preview));
  base_uri = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (base_uri);
  port = g_strdup_printf ("%d", g_uri_get_port (base_uri));
  about = g_strconcat (base, "about/", NULL);

  g_signal_connect (restores.preview, "notify::restoring", G_CALLBACK (restoring_changed_cb), &restores);
  g_signal_connect (manager, "sandbox-state", G_CALLBACK (sandbox_state_cb), &restores);
  g_signal_connect (web_view, "web-process-terminated", G_CALLBACK (web_process_terminated_cb), &restores);

  /* A server that dies in its first half second did not start (three of
   * those and the manager gives up): every death here comes later. */
  spin_for (600);
  figures_take (&before);
  started = g_get_monotonic_time ();

  for (guint i = 0; i < n_restores; i++)
    {
      gint64 killed;
      double ms;

      /* From outside, as the kernel or a user would. */
      g_assert_cmpuint (forge_test_signal_own_program ("forge-static-server", port, SIGKILL), ==, 1);
      killed = g_get_monotonic_time ();

      wait.expected = i + 1;
      if (!wait_for (restored_at_path, &wait, 120))
        g_error ("Restore %u of %u did not come back: preview restores %u, manager restores %u, gave up %u, "
                 "preview state %d at “%s”",
                 i + 1, n_restores, restores.preview_restores, restores.manager_restores, restores.gave_up,
                 forge_preview_get_state (restores.preview), forge_preview_get_path (restores.preview));
      ms = (g_get_monotonic_time () - killed) / 1000.0;
      g_array_append_val (restore_ms, ms);
      total_ms += ms;

      /* Same address, and a server that answers there. */
      g_assert_cmpstr (forge_preview_get_base_uri (restores.preview), ==, base);
      g_assert_cmpuint (forge_test_http_get (about, NULL), ==, 200);

      if ((i + 1) % 25 == 0)
        g_test_message ("%u restores, %u fds, %u processes, RSS %.1f MB", i + 1, count_fds (),
                        forge_test_count_descendants (), rss_kb () / 1024.0);
      spin_for (600);
    }

  figures_take_settled (&after, &before);

  g_array_sort (restore_ms, compare_doubles);
  g_test_message ("restores: %u forced deaths, %u restored by the manager, %u shown restored at %s, "
                  "%u gave up, %u web process deaths, 0 app crashes",
                  n_restores, restores.manager_restores, restores.preview_restores, restores.path,
                  restores.gave_up, restores.web_process_deaths);
  g_test_message ("restores: from kill to the page back at the same path: median %.0f ms, mean %.0f ms, max %.0f ms; "
                  "%.1f s for all (with 0.6 s of life each)",
                  g_array_index (restore_ms, double, restore_ms->len / 2), total_ms / restore_ms->len,
                  g_array_index (restore_ms, double, restore_ms->len - 1),
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  figures_print ("restores", &before, &after);

  g_assert_cmpuint (restores.manager_restores, ==, n_restores);
  g_assert_cmpuint (restores.preview_restores, ==, n_restores);
  g_assert_cmpuint (restores.gave_up, ==, 0);
  g_assert_cmpuint (restores.web_process_deaths, ==, 0);
  figures_check (&before, &after, TRUE);
  figures_clear (&before);
  figures_clear (&after);

  g_signal_handlers_disconnect_by_data (manager, &restores);
  g_signal_handlers_disconnect_by_data (restores.preview, &restores);
  g_signal_handlers_disconnect_by_data (web_view, &restores);

  forge_window_remove_project (window, forge_project_get_id (forge_project_view_get_project (view)));
  close_window (window);
  g_test_message ("restores: %u processes left once the window closed (WebKit's own included)",
                  forge_test_count_descendants ());
  forge_remove_tree (root, NULL);
}

/* Open and close */

static void
test_open_close (void)
{
  guint n_cycles = count_from_env ("SOAK_CYCLES", 50);
  g_autofree char *root = g_dir_make_tmp ("forge-soak-XXXXXX", NULL);
  g_autofree char *repo = forge_test_repo_from_fixture (root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *workspace = NULL;
  ForgeWindow *window;
  Lookup lookup = { 0 };
  Figures before = { 0 }, after = { 0 };
  gint64 started = 0;

  window = forge_window_new (the_app);
  gtk_window_present (GTK_WINDOW (window));
  lookup.window = window;

  /* Cycle 0 clones and lays the workspace out; the figures start after it. */
  for (guint i = 0; i <= n_cycles; i++)
    {
      ForgeProjectView *view;
      g_autofree char *preview_url = NULL;

      g_assert_true (forge_window_open_repository (window, url));
      if (!wait_for (visible_preview_loaded, window, 180))
        {
          ForgePreviewSession *session = forge_project_view_get_session (forge_window_get_visible_project_view (window));

          g_error ("Cycle %u: no preview (session state %d: %s)", i, forge_preview_session_get_state (session),
                   forge_preview_session_get_error_message (session));
        }
      view = forge_window_get_visible_project_view (window);
      if (project_id == NULL)
        {
          project_id = g_strdup (forge_project_get_id (forge_project_view_get_project (view)));
          workspace = forge_project_workspace_dir_for_id (project_id);
          lookup.project_id = project_id;
        }
      g_assert_cmpstr (forge_project_get_id (forge_project_view_get_project (view)), ==, project_id);
      preview_url = g_strdup (forge_preview_session_get_preview_url (forge_project_view_get_session (view)));
      g_assert_cmpuint (forge_test_http_get (preview_url, NULL), ==, 200);

      /* The project menu's Stop. */
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop-project", "s", project_id));
      g_assert_true (wait_for (session_stopped, &lookup, 60));
      g_assert_true (forge_test_wait_no_processes (workspace, 10000));
      g_assert_cmpuint (forge_test_http_get (preview_url, NULL), !=, 200);

      if (i % 10 == 0)
        {
          WebKitWebView *web_view = forge_preview_get_web_view (forge_project_view_get_preview (view));

          g_test_message ("%u cycles, %u fds, %u processes, RSS %.1f MB, %u pages in the history", i, count_fds (),
                          forge_test_count_descendants (), rss_kb () / 1024.0,
                          webkit_back_forward_list_get_length (webkit_web_view_get_back_forward_list (web_view)));
        }
      if (i == 0)
        {
          figures_take (&before);
          started = g_get_monotonic_time ();
        }
    }

  figures_take_settled (&after, &before);
  g_test_message ("open-close: %u cycles of open, preview up, stop; %.1f s each",
                  n_cycles, (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC / n_cycles);
  figures_print ("open-close", &before, &after);
  /* RSS not bounded here yet: it still grows by about 1 MB a cycle in the
   * full soak (much less when this part runs alone), as the web view's
   * history gains a page at a new address each run; not explained yet,
   * so the figure is printed. */
  figures_check (&before, &after, FALSE);
  figures_clear (&before);
  figures_clear (&after);

  forge_window_remove_project (window, project_id);
  close_window (window);
  forge_remove_tree (root, NULL);
}

/* Many projects at once */

typedef struct
{
  GHashTable *runs;        /* run ids of clone-and-preview */
  GHashTable *open;        /* those with a step under way */
  guint       max_open;
  guint       started;
} Concurrency;

static void
run_started_cb (ForgeWorkflowEngine *engine,
                const char          *run_id,
                const char          *function_id,
                JsonNode            *event_data,
                Concurrency         *concurrency)
{
  if (g_strcmp0 (function_id, FORGE_CLONE_AND_PREVIEW_FUNCTION) != 0)
    return;
  g_hash_table_add (concurrency->runs, g_strdup (run_id));
  concurrency->started++;
}

/* A run has at most one step under way at a time, and only while it holds
 * one of the engine's slots: runs with a step under way at once are never
 * more than the runs going at once. */
static void
step_cb (ForgeWorkflowEngine *engine,
         const char          *run_id,
         const char          *step_id,
         ForgeStepState       state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         Concurrency         *concurrency)
{
  if (!g_hash_table_contains (concurrency->runs, run_id))
    return;

  if (state == FORGE_STEP_STATE_START)
    g_hash_table_add (concurrency->open, g_strdup (run_id));
  else
    g_hash_table_remove (concurrency->open, run_id);
  concurrency->max_open = MAX (concurrency->max_open, g_hash_table_size (concurrency->open));
}

static void
run_finished_cb (ForgeWorkflowEngine *engine,
                 const char          *run_id,
                 ForgeRunStatus       status,
                 JsonNode            *output,
                 const char          *error_message,
                 Concurrency         *concurrency)
{
  g_hash_table_remove (concurrency->open, run_id);
}

typedef struct
{
  ForgeWindow *window;
  GPtrArray   *project_ids;
} Many;

static gboolean
session_settled (ForgePreviewSession *session)
{
  ForgePreviewSessionState state = forge_preview_session_get_state (session);

  return !forge_preview_session_has_active_run (session) &&
         (state == FORGE_PREVIEW_SESSION_STATE_RUNNING || state == FORGE_PREVIEW_SESSION_STATE_FAILED);
}

static gboolean
all_settled (gpointer data)
{
  Many *many = data;

  for (guint i = 0; i < many->project_ids->len; i++)
    {
      ForgePreviewSession *session = lookup_session (many->window, g_ptr_array_index (many->project_ids, i));

      if (session == NULL || !session_settled (session))
        return FALSE;
    }

  return TRUE;
}

static void
test_many_projects (void)
{
  guint n_projects = count_from_env ("SOAK_PROJECTS", 20);
  g_autofree char *root = g_dir_make_tmp ("forge-soak-XXXXXX", NULL);
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) project_ids = g_ptr_array_new_with_free_func (g_free);
  ForgeWorkflowEngine *engine = forge_application_get_engine (the_app);
  Concurrency concurrency = { 0 };
  Many many = { 0 };
  Figures before = { 0 }, after = { 0 };
  guint previews = 0, errors = 0;
  ForgeWindow *window;
  gint64 started;

  for (guint i = 0; i < n_projects; i++)
    {
      g_autofree char *parent = g_strdup_printf ("%s/project-%02u", root, i);
      g_autofree char *repo = NULL;

      g_mkdir_with_parents (parent, 0700);
      repo = forge_test_repo_from_fixture (parent, "static-site");
      g_ptr_array_add (urls, g_strconcat ("file://", repo, NULL));
    }

  concurrency.runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  concurrency.open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (engine, "run-started", G_CALLBACK (run_started_cb), &concurrency);
  g_signal_connect (engine, "step", G_CALLBACK (step_cb), &concurrency);
  g_signal_connect (engine, "run-finished", G_CALLBACK (run_finished_cb), &concurrency);

  window = forge_window_new (the_app);
  gtk_window_present (GTK_WINDOW (window));
  spin_for (200);
  figures_take (&before);
  started = g_get_monotonic_time ();

  /* All in one go, before the main loop runs again. */
  for (guint i = 0; i < urls->len; i++)
    {
      g_assert_true (forge_window_open_repository (window, g_ptr_array_index (urls, i)));
      g_ptr_array_add (project_ids,
                       g_strdup (forge_project_get_id (forge_project_view_get_project (forge_window_get_visible_project_view (window)))));
    }
  g_assert_cmpuint (forge_workflow_engine_get_n_active (engine), ==, n_projects);

  many.window = window;
  many.project_ids = project_ids;
  g_assert_true (wait_for (all_settled, &many, 900));

  for (guint i = 0; i < project_ids->len; i++)
    {
      ForgePreviewSession *session = lookup_session (window, g_ptr_array_index (project_ids, i));

      if (forge_preview_session_get_state (session) == FORGE_PREVIEW_SESSION_STATE_RUNNING)
        {
          g_assert_cmpuint (forge_test_http_get (forge_preview_session_get_preview_url (session), NULL), ==, 200);
          previews++;
        }
      else
        {
          const char *message = forge_preview_session_get_error_message (session);

          /* A clear error: one line that says something. */
          g_assert_nonnull (message);
          g_assert_cmpuint (strlen (message), >, 0);
          g_assert_null (strchr (message, '\n'));
          g_test_message ("many-projects: %s failed: %s", (char *) g_ptr_array_index (urls, i), message);
          errors++;
        }
    }

  g_test_message ("many-projects: %u opened at once: %u previews, %u clear errors in %.1f s; "
                  "at most %u runs under way at once (limit %u), %u runs started",
                  n_projects, previews, errors, (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC,
                  concurrency.max_open, RUN_LIMIT, concurrency.started);
  g_assert_cmpuint (previews + errors, ==, n_projects);
  g_assert_cmpuint (concurrency.started, >=, n_projects);
  g_assert_cmpuint (concurrency.max_open, <=, RUN_LIMIT);
  /* Otherwise the figure above proves nothing. */
  if (n_projects > RUN_LIMIT)
    g_assert_cmpuint (concurrency.max_open, >, 1);

  g_signal_handlers_disconnect_by_data (engine, &concurrency);
  g_hash_table_unref (concurrency.runs);
  g_hash_table_unref (concurrency.open);

  for (guint i = 0; i < project_ids->len; i++)
    forge_window_remove_project (window, g_ptr_array_index (project_ids, i));
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (forge_application_get_manager (the_app)), ==, 0);
  g_assert_true (wait_for (no_active_runs, NULL, 60));
  g_assert_true (forge_test_wait_no_processes (xdg_root, 10000));
  figures_take_settled (&after, &before);
  figures_print ("many-projects (removed)", &before, &after);
  if (after.fds > before.fds)
    g_test_message ("file descriptors before:%s\nafter:%s", before.fd_list, after.fd_list);
  g_assert_cmpuint (after.fds, <=, before.fds);
  figures_clear (&before);
  figures_clear (&after);

  close_window (window);
  forge_remove_tree (root, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  xdg_root = g_dir_make_tmp ("forge-soak-xdg-XXXXXX", NULL);
  forge_test_isolate_xdg (xdg_root);
  the_app = forge_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (the_app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/forge/soak/restores", test_restores);
  g_test_add_func ("/forge/soak/open-close", test_open_close);
  g_test_add_func ("/forge/soak/many-projects", test_many_projects);

  status = g_test_run ();
  g_clear_object (&the_app);
  forge_remove_tree (xdg_root, NULL);
  g_free (xdg_root);
  return status;
}
