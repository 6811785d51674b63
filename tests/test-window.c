/* test-window.c
 *
 * The window end to end: open a repository, watch the steps, see the page
 * in the real WebKitWebView.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <webkit/webkit.h>

#include "e2e-util.h"
#include "forge-application.h"
#include "forge-branch-dialog.h"
#include "forge-clone-and-preview.h"
#include "forge-fake-provider.h"
#include "forge-open-dialog-private.h"
#include "forge-preview-private.h"
#include "forge-util.h"
#include "forge-window.h"
#include "git-test-util.h"

/* A GApplication registers once per process: the tests share one. */
static ForgeApplication *the_app;
/* Its state (store, workspaces, sandboxes) lives under here. */
static char *xdg_root;

#define wait_for forge_test_wait_for

typedef struct
{
  ForgeWindow *window;
  char        *project_id;
} Lookup;

static gboolean
preview_loaded (gpointer data)
{
  Lookup *lookup = data;
  ForgeProjectView *view = forge_window_get_visible_project_view (lookup->window);

  return view != NULL &&
         forge_preview_get_state (forge_project_view_get_preview (view)) == FORGE_PREVIEW_STATE_LOADED;
}

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (object), result, &error);

  g_assert_no_error (error);
  *text = jsc_value_to_string (value);
}

static gboolean
string_set (gpointer data)
{
  return *(char **) data != NULL;
}

static char *
evaluate (WebKitWebView *web_view,
          const char    *script)
{
  char *text = NULL;

  webkit_web_view_evaluate_javascript (web_view, script, -1, NULL, NULL, NULL, js_done_cb, &text);
  g_assert_true (wait_for (string_set, &text, 10));
  return text;
}

static void
test_open_repository_shows_page (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-window-XXXXXX", NULL);
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  ForgeApplication *app = the_app;
  g_autofree char *greeting = NULL;
  ForgeWindow *window;
  ForgeProjectView *view;
  ForgeProject *project;
  WebKitWebView *web_view;
  Lookup lookup = { 0 };
  ForgeStepState state;

  repo = forge_test_repo_from_fixture (root, "static-site");
  url = g_strconcat ("file://", repo, NULL);


  window = forge_window_new (app);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_false (forge_window_open_repository (window, "definitely not a repository"));
  g_assert_null (forge_window_get_visible_project_view (window));

  g_assert_true (forge_window_open_repository (window, url));
  view = forge_window_get_visible_project_view (window);
  g_assert_nonnull (view);
  project = forge_project_view_get_project (view);
  g_assert_cmpstr (forge_project_get_repo_url (project), ==, url);

  lookup.window = window;
  g_assert_true (wait_for (preview_loaded, &lookup, 120));

  /* Every step shows as done. */
  g_assert_true (forge_steps_view_get_state (forge_project_view_get_steps_view (view), FORGE_STEP_CLONE_REPOSITORY, &state));
  g_assert_cmpint (state, ==, FORGE_STEP_STATE_COMPLETE);
  g_assert_true (forge_steps_view_get_state (forge_project_view_get_steps_view (view), FORGE_STEP_START_PREVIEW_SERVER, &state));
  g_assert_cmpint (state, ==, FORGE_STEP_STATE_COMPLETE);
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_DEPLOYED);

  web_view = forge_preview_get_web_view (forge_project_view_get_preview (view));
  greeting = evaluate (web_view, "document.getElementById('greeting').textContent");
  g_assert_cmpstr (greeting, ==, "Hello from a static site");
  g_assert_cmpstr (forge_preview_get_path (forge_project_view_get_preview (view)), ==, "/");

  /* The runs view lists the run from its journal. */
  forge_project_view_set_show_runs (view, TRUE);
  g_assert_cmpuint (forge_runs_view_get_n_runs (forge_project_view_get_runs_view (view)), ==, 1);
  forge_project_view_set_show_runs (view, FALSE);
  g_assert_cmpint (forge_preview_get_state (forge_project_view_get_preview (view)), ==, FORGE_PREVIEW_STATE_LOADED);

  /* Removing the project stops its server and deletes its workspace. */
  {
    g_autofree char *project_id = g_strdup (forge_project_get_id (project));
    g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);
    ForgeProjectStore *store = forge_application_get_store (app);

    g_assert_true (g_file_test (workspace, G_FILE_TEST_IS_DIR));
    forge_window_remove_project (window, project_id);
    g_assert_null (forge_project_store_lookup (store, project_id));
    g_assert_null (forge_window_get_project_view (window, project_id));
    g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (forge_application_get_manager (app)), ==, 0);
    g_assert_true (forge_test_wait_no_processes (xdg_root, 5000));
    while (g_file_test (workspace, G_FILE_TEST_EXISTS))
      g_main_context_iteration (NULL, TRUE);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  forge_sandbox_manager_stop_all (forge_application_get_manager (app));
  g_assert_true (forge_test_wait_no_processes (xdg_root, 5000));
  forge_remove_tree (root, NULL);
}

typedef struct
{
  ForgePreview *preview;
  char         *old_base;
  const char   *path;
  guint         restores;   /* restoring went back to FALSE */
} RestoreWait;

static void
restoring_changed_cb (ForgePreview *preview,
                      GParamSpec   *pspec,
                      RestoreWait  *wait)
{
  if (!forge_preview_get_restoring (preview))
    wait->restores++;
}

static gboolean
restored_at_path (gpointer data)
{
  RestoreWait *wait = data;

  return wait->restores > 0 &&
         !forge_preview_get_restoring (wait->preview) &&
         forge_preview_get_state (wait->preview) == FORGE_PREVIEW_STATE_LOADED &&
         g_strcmp0 (forge_preview_get_path (wait->preview), wait->path) == 0;
}

static gboolean
loaded_at_path (gpointer data)
{
  RestoreWait *wait = data;

  return forge_preview_get_state (wait->preview) == FORGE_PREVIEW_STATE_LOADED &&
         g_strcmp0 (forge_preview_get_path (wait->preview), wait->path) == 0;
}

static void
test_restore_after_kill_keeps_path (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-window-XXXXXX", NULL);
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  ForgeApplication *app = the_app;
  g_autofree char *greeting = NULL;
  g_autoptr(GUri) old_uri = NULL;
  g_autofree char *port = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *origin = NULL;
  g_autoptr(GList) items = NULL;
  ForgeWindow *window;
  ForgeProjectView *view;
  ForgePreview *preview;
  WebKitWebView *web_view;
  Lookup lookup = { 0 };
  RestoreWait wait = { 0 };

  repo = forge_test_repo_from_fixture (root, "static-site");
  url = g_strconcat ("file://", repo, NULL);

  window = forge_window_new (app);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (forge_window_open_repository (window, url));
  lookup.window = window;
  g_assert_true (wait_for (preview_loaded, &lookup, 120));
  view = forge_window_get_visible_project_view (window);
  preview = forge_project_view_get_preview (view);
  web_view = forge_preview_get_web_view (preview);

  wait.preview = preview;
  wait.path = "/about/";
  forge_preview_navigate (preview, "/about/");
  g_assert_true (wait_for (loaded_at_path, &wait, 20));
  /* Past the first half second, so the death is not a failed start. */
  g_usleep (600 * 1000);

  g_free (evaluate (web_view, "localStorage.setItem('forge-test', 'kept'); window.forgeMarker = 'not reloaded'; 'set'"));

  wait.old_base = g_strdup (forge_preview_get_base_uri (preview));
  old_uri = g_uri_parse (wait.old_base, G_URI_FLAGS_NONE, NULL);
  port = g_strdup_printf ("%d", g_uri_get_port (old_uri));
  origin = g_strdup_printf ("http://127.0.0.1:%s/", port);
  g_signal_connect (preview, "notify::restoring", G_CALLBACK (restoring_changed_cb), &wait);
  g_assert_cmpuint (forge_test_signal_own_program ("forge-static-server", port, SIGKILL), ==, 1);

  g_assert_true (wait_for (restored_at_path, &wait, 60));
  g_signal_handlers_disconnect_by_func (preview, restoring_changed_cb, &wait);

  /* Same window, same view, same web view, same address: the page stayed
   * as it was. */
  g_assert_true (forge_window_get_visible_project_view (window) == view);
  g_assert_true (forge_project_view_get_preview (view) == preview);
  g_assert_true (forge_preview_get_web_view (preview) == web_view);
  g_assert_cmpstr (forge_preview_get_base_uri (preview), ==, wait.old_base);
  marker = evaluate (web_view, "String(window.forgeMarker)");
  g_assert_cmpstr (marker, ==, "not reloaded");

  /* Reloaded from the new server, its storage is still there. */
  forge_preview_reload (preview);
  g_assert_true (wait_for (loaded_at_path, &wait, 20));
  greeting = evaluate (web_view, "document.getElementById('greeting').textContent");
  g_assert_cmpstr (greeting, ==, "About this site");
  kept = evaluate (web_view, "String(localStorage.getItem('forge-test'))");
  g_assert_cmpstr (kept, ==, "kept");

  /* No history item points anywhere else: Back stays on the preview. */
  items = webkit_back_forward_list_get_back_list (webkit_web_view_get_back_forward_list (web_view));
  g_assert_cmpuint (g_list_length (items), >=, 1);
  for (GList *l = items; l != NULL; l = l->next)
    g_assert_true (g_str_has_prefix (webkit_back_forward_list_item_get_uri (l->data), origin));
  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (web_view), origin));
  wait.path = "/";
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.back", NULL));
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    /* The path shows before the page it names has loaded. */
    do
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_assert_true (wait_for (loaded_at_path, &wait, 20));
        g_free (greeting);
        greeting = evaluate (web_view, "document.getElementById('greeting').textContent");
      }
    while (g_strcmp0 (greeting, "Hello from a static site") != 0);
    g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (web_view), origin));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  forge_sandbox_manager_stop_all (forge_application_get_manager (app));
  while (forge_workflow_engine_get_n_active (forge_application_get_engine (app)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (forge_test_wait_no_processes (xdg_root, 5000));
  forge_remove_tree (root, NULL);
  g_free (wait.old_base);
}

static gboolean
document_replaced (gpointer data)
{
  WebKitWebView *web_view = data;
  g_autofree char *marker = evaluate (web_view, "String(window.forgeMarker)");

  return g_strcmp0 (marker, "undefined") == 0;
}

static gboolean
vite_greets (gpointer data)
{
  WebKitWebView *web_view = data;
  g_autofree char *greeting = evaluate (web_view, "document.getElementById('greeting') ? document.getElementById('greeting').textContent : ''");

  return g_strcmp0 (greeting, "Hello from Vite") == 0;
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/* Vite's client, its server gone, polls until one answers at the same
 * origin and reloads the page itself: with the origin kept, it finds the
 * restored server, and the tab's storage is still there. Nothing of ours
 * reloads the page. */
static void
test_vite_client_reconnects_after_restore (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-window-XXXXXX", NULL);
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *base = NULL;
  ForgeApplication *app = the_app;
  ForgeWindow *window;
  ForgePreview *preview;
  WebKitWebView *web_view;
  Lookup lookup = { 0 };
  RestoreWait wait = { 0 };
  gint64 until;

  repo = forge_test_repo_from_fixture (root, "vite-app");
  url = g_strconcat ("file://", repo, NULL);

  window = forge_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (forge_window_open_repository (window, url));
  lookup.window = window;
  g_assert_true (wait_for (preview_loaded, &lookup, 240));
  preview = forge_project_view_get_preview (forge_window_get_visible_project_view (window));
  web_view = forge_preview_get_web_view (preview);
  g_assert_true (wait_for (vite_greets, web_view, 60));

  /* Its client connected, and past the first half second of the server. */
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  g_assert_true (wait_for (time_passed, &until, 5));
  g_free (evaluate (web_view, "sessionStorage.setItem('forge-session', 'kept'); window.forgeMarker = 'old document'; 'set'"));
  base = g_strdup (forge_preview_get_base_uri (preview));

  wait.preview = preview;
  wait.path = "/";
  g_signal_connect (preview, "notify::restoring", G_CALLBACK (restoring_changed_cb), &wait);
  g_assert_cmpuint (forge_test_signal_own_program ("node", "vite", SIGKILL), >=, 1);
  g_assert_true (wait_for (restored_at_path, &wait, 120));
  g_signal_handlers_disconnect_by_func (preview, restoring_changed_cb, &wait);
  g_assert_cmpstr (forge_preview_get_base_uri (preview), ==, base);

  /* Vite's client reloads the page by itself, from the new server. */
  g_assert_true (wait_for (document_replaced, web_view, 60));
  g_assert_true (wait_for (vite_greets, web_view, 60));
  kept = evaluate (web_view, "String(sessionStorage.getItem('forge-session'))");
  g_assert_cmpstr (kept, ==, "kept");

  gtk_window_destroy (GTK_WINDOW (window));
  forge_sandbox_manager_stop_all (forge_application_get_manager (app));
  while (forge_workflow_engine_get_n_active (forge_application_get_engine (app)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (forge_test_wait_no_processes (xdg_root, 5000));
  forge_remove_tree (root, NULL);
}

/* The title that names the visible project. */
static GtkWidget *
find_window_title (ForgeWindow *window)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (window);
  const char *name = forge_project_get_name (forge_project_view_get_project (view));
  GtkWidget *stack[64];
  guint n = 0;

  stack[n++] = GTK_WIDGET (window);
  while (n > 0)
    {
      GtkWidget *widget = stack[--n];

      if (ADW_IS_WINDOW_TITLE (widget) && g_strcmp0 (adw_window_title_get_title (ADW_WINDOW_TITLE (widget)), name) == 0)
        return widget;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL && n < G_N_ELEMENTS (stack);
           child = gtk_widget_get_next_sibling (child))
        stack[n++] = child;
    }

  g_error ("No window title names the project");
  return NULL;
}

static gboolean
pull_enabled (gpointer data)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (data);
  ForgePreviewSession *session = view != NULL ? forge_project_view_get_session (view) : NULL;

  /* What enables the action: no run and no update under way. */
  return session != NULL && !forge_preview_session_has_active_run (session) &&
         !forge_preview_session_is_updating (session);
}

typedef struct
{
  WebKitWebView *web_view;
  const char    *text;
} GreetingWait;

static gboolean
greeting_is (gpointer data)
{
  GreetingWait *wait = data;
  g_autofree char *greeting = evaluate (wait->web_view,
                                        "document.getElementById('greeting') ? document.getElementById('greeting').textContent : ''");

  return g_strcmp0 (greeting, wait->text) == 0;
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GListModel) toplevels = NULL;

  toplevels = g_object_ref (gtk_window_get_toplevels ());
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gboolean
branch_dialog_shown (gpointer data)
{
  return find_toplevel (FORGE_TYPE_BRANCH_DIALOG) != NULL;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

/* The first row of the branch dialog's list named @branch, once listed. */
static GtkListBoxRow *
find_branch_row (GtkWidget  *widget,
                 const char *branch)
{
  if (GTK_IS_LIST_BOX_ROW (widget) && g_strcmp0 (g_object_get_data (G_OBJECT (widget), "forge-branch"), branch) == 0)
    return GTK_LIST_BOX_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkListBoxRow *row = find_branch_row (child, branch);

      if (row != NULL)
        return row;
    }

  return NULL;
}

static gboolean
feature_listed (gpointer data)
{
  GtkWindow *dialog = find_toplevel (FORGE_TYPE_BRANCH_DIALOG);

  return dialog != NULL && find_branch_row (GTK_WIDGET (dialog), "feature") != NULL;
}

static gboolean
project_on_feature (gpointer data)
{
  return g_strcmp0 (forge_project_get_git_ref (data), "refs/heads/feature") == 0;
}

/* A project follows its repository: another branch, the latest commit,
 * and back to the remote's version when its own copy was changed. */
static void
test_switch_branch_and_pull (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-window-XXXXXX", NULL);
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *work_file = NULL;
  g_autofree char *head = NULL;
  ForgeApplication *app = the_app;
  ForgeWindow *window;
  ForgeProjectView *view;
  ForgeProject *project;
  WebKitWebView *web_view;
  GtkWindow *dialog;
  Lookup lookup = { 0 };
  GreetingWait greeting = { 0 };
  const char *subtitle;

  repo = forge_test_repo_from_fixture (root, "static-site");
  forge_test_git (repo, "checkout", "-q", "-b", "feature", NULL);
  forge_test_git_commit_file (repo, "index.html",
                              "<html><body><h1 id=\"greeting\">Hello from the feature branch</h1></body></html>\n");
  forge_test_git (repo, "checkout", "-q", "main", NULL);
  url = g_strconcat ("file://", repo, NULL);

  window = forge_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (forge_window_open_repository (window, url));
  lookup.window = window;
  g_assert_true (wait_for (preview_loaded, &lookup, 120));
  view = forge_window_get_visible_project_view (window);
  project = forge_project_view_get_project (view);
  web_view = forge_preview_get_web_view (forge_project_view_get_preview (view));
  greeting.web_view = web_view;
  greeting.text = "Hello from a static site";
  g_assert_true (wait_for (greeting_is, &greeting, 20));

  /* Under the title: where it comes from and which commit runs. */
  head = forge_test_git_rev_parse (repo, "main");
  subtitle = adw_window_title_get_subtitle (ADW_WINDOW_TITLE (find_window_title (window)));
  g_test_message ("subtitle: %s; head commit: %s", subtitle, forge_project_get_head_commit (project));
  g_assert_nonnull (strstr (subtitle, " · "));
  head[7] = '\0';
  g_assert_true (g_str_has_suffix (subtitle, head));

  /* Switch Branch… lists the remote's branches; picking one switches. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.switch-branch", "s", ""));
  g_assert_true (wait_for (branch_dialog_shown, NULL, 10));
  g_assert_true (wait_for (feature_listed, NULL, 30));
  dialog = find_toplevel (FORGE_TYPE_BRANCH_DIALOG);
  gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (find_branch_row (GTK_WIDGET (dialog), "feature")))),
                           find_branch_row (GTK_WIDGET (dialog), "feature"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "branch.switch", NULL));
  g_assert_true (wait_for (project_on_feature, project, 60));
  greeting.text = "Hello from the feature branch";
  g_assert_true (wait_for (greeting_is, &greeting, 120));
  subtitle = adw_window_title_get_subtitle (ADW_WINDOW_TITLE (find_window_title (window)));
  g_assert_nonnull (strstr (subtitle, " · feature · "));

  /* Pull Latest Changes brings a new commit of the branch. */
  forge_test_git (repo, "checkout", "-q", "feature", NULL);
  forge_test_git_commit_file (repo, "index.html",
                              "<html><body><h1 id=\"greeting\">Pulled from upstream</h1></body></html>\n");
  g_assert_true (wait_for (pull_enabled, window, 30));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pull-project", "s", ""));
  greeting.text = "Pulled from upstream";
  g_assert_true (wait_for (greeting_is, &greeting, 120));

  /* Changed here and upstream: the pull offers Reset to Remote. */
  {
    g_autofree char *workspace = forge_project_workspace_dir_for_id (forge_project_get_id (project));

    work_file = g_build_filename (workspace, "repo", "index.html", NULL);
  }
  g_assert_true (g_file_set_contents (work_file, "<h1 id=\"greeting\">Edited here</h1>\n", -1, NULL));
  forge_test_git_commit_file (repo, "index.html",
                              "<html><body><h1 id=\"greeting\">Upstream again</h1></body></html>\n");
  g_assert_true (wait_for (pull_enabled, window, 30));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.pull-project", "s", ""));
  g_assert_true (wait_for (message_dialog_shown, NULL, 60));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG)), "reset");
  greeting.text = "Upstream again";
  g_assert_true (wait_for (greeting_is, &greeting, 120));

  gtk_window_destroy (GTK_WINDOW (window));
  forge_sandbox_manager_stop_all (forge_application_get_manager (app));
  while (forge_workflow_engine_get_n_active (forge_application_get_engine (app)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (forge_test_wait_no_processes (xdg_root, 5000));
  forge_remove_tree (root, NULL);
}

static void
test_settings_reach_manager (void)
{
  GSettings *settings = forge_application_get_settings (the_app);
  ForgeSandboxManager *manager = forge_application_get_manager (the_app);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_assert_cmpuint (forge_sandbox_manager_get_keepalive_interval (manager), ==,
                    g_settings_get_uint (settings, "keepalive-interval"));

  g_settings_set_uint (settings, "keepalive-interval", 7);
  while (forge_sandbox_manager_get_keepalive_interval (manager) != 7 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (forge_sandbox_manager_get_keepalive_interval (manager), ==, 7);

  g_settings_reset (settings, "keepalive-interval");
}

static void
test_gave_up_page (void)
{
  g_autoptr(ForgeProject) project = forge_project_new ("gave-up-test", "https://example.org/o/r.git");
  GtkWidget *window = gtk_window_new ();
  ForgeProjectView *view = FORGE_PROJECT_VIEW (forge_project_view_new (project));

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));

  /* Never run here: stopped, not a blank preview. */
  g_assert_cmpstr (forge_project_view_get_page (view), ==, "stopped");
  forge_preview_set_restoring (forge_project_view_get_preview (view), TRUE);
  forge_project_view_show_gave_up (view, "The dev server keeps stopping");
  g_assert_cmpstr (forge_project_view_get_page (view), ==, "gave-up");
  /* Restoring stops: nothing is coming back on its own. */
  g_assert_false (forge_preview_get_restoring (forge_project_view_get_preview (view)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_open_dialog_validates (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *root = g_dir_make_tmp ("forge-dialog-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (root, "nope", NULL);
  GtkWidget *dialog;
  const char *recent[] = { "https://github.com/octo/one", NULL };

  g_settings_set_strv (settings, "recent-urls", recent);
  dialog = forge_open_dialog_new (NULL, settings);

  forge_open_dialog_set_url (FORGE_OPEN_DIALOG (dialog), "");
  g_assert_null (forge_open_dialog_get_error (FORGE_OPEN_DIALOG (dialog)));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));

  forge_open_dialog_set_url (FORGE_OPEN_DIALOG (dialog), "owner/repo");
  g_assert_null (forge_open_dialog_get_error (FORGE_OPEN_DIALOG (dialog)));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));

  forge_open_dialog_set_url (FORGE_OPEN_DIALOG (dialog), "https://x-access-token:ghp_secret@github.com/o/r");
  g_assert_nonnull (forge_open_dialog_get_error (FORGE_OPEN_DIALOG (dialog)));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));

  forge_open_dialog_set_url (FORGE_OPEN_DIALOG (dialog), missing);
  g_assert_nonnull (forge_open_dialog_get_error (FORGE_OPEN_DIALOG (dialog)));

  gtk_window_destroy (GTK_WINDOW (dialog));
  forge_remove_tree (root, NULL);
}

static gboolean
no_active_runs (gpointer data)
{
  return forge_workflow_engine_get_n_active (forge_application_get_engine (the_app)) == 0;
}

static ForgeOpenDialog *
find_open_dialog (void)
{
  /* Not ours to unref. */
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (FORGE_IS_OPEN_DIALOG (toplevel))
        return FORGE_OPEN_DIALOG (toplevel);
    }

  return NULL;
}

/* The backend chosen in the Open dialog is the project's, and its run's. */
static void
test_open_dialog_backend_reaches_run (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-window-XXXXXX", NULL);
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *project_id = NULL;
  g_autoptr(ForgeFakeProvider) fake = forge_fake_provider_new ();
  ForgeProjectStore *store = forge_application_get_store (the_app);
  ForgeSandboxProviders *providers = forge_context_get_providers (forge_application_get_context (the_app));
  ForgeOpenDialog *dialog;
  ForgeWindow *window;
  ForgeProjectView *view;
  ForgeProject *project;

  repo = forge_test_repo_from_fixture (root, "static-site");
  url = g_strconcat ("file://", repo, NULL);
  /* A backend that makes no sandbox: the run ends at its first try, and
   * nothing here depends on how far it got. */
  forge_fake_provider_fail_next (fake, 1000);
  forge_sandbox_providers_add (providers, FORGE_SANDBOX_PROVIDER (fake));

  window = forge_window_new (the_app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open", NULL));
  dialog = find_open_dialog ();
  g_assert_nonnull (dialog);

  /* Every registered backend is offered; the default one is chosen. */
  g_assert_nonnull (forge_open_dialog_get_backend_row (dialog, "local"));
  g_assert_cmpstr (forge_open_dialog_get_backend (dialog), ==, "local");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (forge_open_dialog_get_backend_row (dialog, "fake")))), TRUE);
  forge_open_dialog_set_url (dialog, url);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "open");
  gtk_window_destroy (GTK_WINDOW (dialog));

  view = forge_window_get_visible_project_view (window);
  g_assert_nonnull (view);
  project_id = g_strdup (forge_project_get_id (forge_project_view_get_project (view)));
  project = forge_project_store_lookup (store, project_id);
  g_assert_nonnull (project);
  g_assert_cmpstr (forge_project_get_backend (project), ==, "fake");

  forge_window_remove_project (window, project_id);
  g_assert_true (wait_for (no_active_runs, NULL, 60));
  gtk_window_destroy (GTK_WINDOW (window));
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

  xdg_root = g_dir_make_tmp ("forge-window-xdg-XXXXXX", NULL);
  forge_test_isolate_xdg (xdg_root);
  the_app = forge_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (the_app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/forge/window/open-repository-shows-page", test_open_repository_shows_page);
  g_test_add_func ("/forge/window/open-dialog-validates", test_open_dialog_validates);
  g_test_add_func ("/forge/window/open-dialog-backend-reaches-run", test_open_dialog_backend_reaches_run);
  g_test_add_func ("/forge/window/gave-up-page", test_gave_up_page);
  g_test_add_func ("/forge/window/settings-reach-manager", test_settings_reach_manager);
  g_test_add_func ("/forge/window/restore-after-kill-keeps-page", test_restore_after_kill_keeps_path);
  g_test_add_func ("/forge/window/vite-client-reconnects-after-restore", test_vite_client_reconnects_after_restore);
  g_test_add_func ("/forge/window/switch-branch-and-pull", test_switch_branch_and_pull);

  status = g_test_run ();
  g_clear_object (&the_app);
  forge_remove_tree (xdg_root, NULL);
  g_free (xdg_root);
  return status;
}
