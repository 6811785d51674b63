/* test-project-pages.c
 *
 * One page per state of a project's session, each with its primary
 * action, on real runs of the workflow (the "fake" sandbox backend runs
 * the commands on this machine), in a real window under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "e2e-util.h"
#include "forge-clone-and-preview.h"
#include "forge-fake-sandbox.h"
#include "forge-preview-private.h"
#include "forge-project-view-private.h"
#include "forge-steps-view-private.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"

typedef struct
{
  ForgeTestHarness     harness;
  GtkWidget           *window;
  ForgePreviewSession *session;
  ForgeProjectView    *view;
} Fixture;

/* Iterates the main context until condition holds; fails the test after
 * seconds (a deadline for a hung run, never a measure of speed). */
#define WAIT_FOR(condition, seconds) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC; \
    while (!(condition)) \
      { \
        if (g_get_monotonic_time () > deadline_) \
          g_error ("Timed out waiting for %s", #condition); \
        g_main_context_iteration (NULL, FALSE); \
        g_usleep (1000); \
      } \
  } G_STMT_END

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  forge_test_harness_set_up (&fixture->harness, data);
  g_assert_true (forge_context_load (fixture->harness.context, &error));
  g_assert_no_error (error);
  /* Every project here runs its commands on the host. */
  forge_project_store_set_default_backend (fixture->harness.store, "fake");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* A run waiting for a server that never answers ends only so. */
  if (fixture->session != NULL)
    forge_preview_session_stop (fixture->session);
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&fixture->window)));
  g_clear_object (&fixture->session);
  forge_test_harness_tear_down (&fixture->harness, data);
}

/* The project of @repo in a window of its own, not started. */
static void
open_project (Fixture    *fixture,
              const char *repo)
{
  g_autoptr(GError) error = NULL;
  ForgePreviewSession *session = forge_context_open_session (fixture->harness.context, repo, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  fixture->session = g_object_ref (session);
  fixture->view = FORGE_PROJECT_VIEW (forge_project_view_new_for_session (session));

  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 900, 800);
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static gboolean
on_page (Fixture    *fixture,
         const char *name)
{
  return g_strcmp0 (forge_project_view_get_page (fixture->view), name) == 0;
}

/* The widget under root whose action is action_name. */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_ACTIONABLE (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action_name) == 0)
        return child;
      if ((found = find_actionable (child, action_name)) != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_of_type (GtkWidget *root,
              GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_of_type (child, type)) != NULL)
        return found;
    }

  return NULL;
}

/* The page's button for action_name: on screen, usable. */
static GtkWidget *
page_button (Fixture    *fixture,
             const char *page,
             const char *action_name)
{
  AdwStatusPage *status_page = forge_project_view_get_status_page (fixture->view, page);
  GtkWidget *button;

  g_assert_nonnull (status_page);
  button = find_actionable (GTK_WIDGET (status_page), action_name);
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  return button;
}

/* Clicks the page's button for action_name, once it can be clicked. */
static void
click (Fixture    *fixture,
       const char *page,
       const char *action_name)
{
  GtkWidget *button = page_button (fixture, page, action_name);

  WAIT_FOR (gtk_widget_is_sensitive (button), 60);
  /* As a click does it (activating by key waits for the pressed look). */
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
step_reached (Fixture        *fixture,
              const char     *step_id,
              ForgeStepState  expected)
{
  ForgeStepState state;

  return forge_steps_view_get_state (forge_project_view_get_steps_view (fixture->view), step_id, &state) &&
         state == expected;
}

/* Durations under a second read as words, never "0 ms". */
static void
assert_no_milliseconds (Fixture *fixture)
{
  const char * const *ids = forge_clone_and_preview_get_step_ids ();
  ForgeStepsView *steps = forge_project_view_get_steps_view (fixture->view);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *detail = forge_steps_view_get_detail (steps, ids[i]);

      if (detail != NULL)
        g_assert_false (g_regex_match_simple ("[0-9] ?ms\\b", detail, 0, 0));
    }
}

static gboolean
preview_loaded_at (Fixture    *fixture,
                   const char *path)
{
  ForgePreview *preview = forge_project_view_get_preview (fixture->view);

  return on_page (fixture, "preview") &&
         forge_preview_get_state (preview) == FORGE_PREVIEW_STATE_LOADED &&
         !forge_preview_get_restoring (preview) &&
         g_strcmp0 (forge_preview_get_path (preview), path) == 0;
}

static char *
silent_server_repo (Fixture *fixture)
{
  return forge_test_repo_with_files (fixture->harness.root, "silent-server",
                                     "package.json",
                                     "{ \"name\": \"silent\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                     "server.js",
                                     "console.log('thinking forever');\nsetInterval(() => {}, 1000);\n",
                                     NULL);
}

/* Preparing: the step under way as its title, the last log line, the
 * time so far, and Cancel; the steps take no focus. Cancelled, it is
 * stopped, and Start runs it again. */
static void
test_preparing_cancel_start (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *repo = silent_server_repo (fixture);
  AdwStatusPage *page;
  GtkLabel *detail, *elapsed;

  open_project (fixture, repo);

  /* Never run in this session of the app: stopped, with Start. */
  g_assert_true (on_page (fixture, "stopped"));
  click (fixture, "stopped", "project.start");
  g_assert_true (on_page (fixture, "preparing"));
  g_assert_true (forge_preview_session_has_active_run (fixture->session));

  /* Its server never answers: the run waits at the start step. */
  WAIT_FOR (step_reached (fixture, FORGE_STEP_START_PREVIEW_SERVER, FORGE_STEP_STATE_START), 120);
  page = forge_project_view_get_status_page (fixture->view, "preparing");
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Starting Dev Server…");
  g_assert_cmpstr (adw_status_page_get_title (page), ==,
                   forge_clone_and_preview_step_progress_title (FORGE_STEP_START_PREVIEW_SERVER));

  detail = forge_project_view_get_preparing_detail (fixture->view);
  WAIT_FOR (g_strcmp0 (gtk_label_get_text (detail), "thinking forever") == 0, 60);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (detail)));

  elapsed = forge_project_view_get_elapsed_label (fixture->view);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (elapsed)));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (elapsed), "Elapsed: "));
  g_assert_null (strstr (gtk_label_get_text (elapsed), " ms"));
  assert_no_milliseconds (fixture);

  /* Progress only: no row is a stop for Tab. */
  {
    GtkWidget *steps = GTK_WIDGET (forge_project_view_get_steps_view (fixture->view));
    GtkWidget *list = gtk_widget_get_first_child (steps);
    guint n_rows = 0;

    g_assert_true (GTK_IS_LIST_BOX (list));
    for (GtkListBoxRow *row; (row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), n_rows)) != NULL; n_rows++)
      g_assert_false (gtk_widget_get_focusable (GTK_WIDGET (row)));
    g_assert_cmpuint (n_rows, ==, g_strv_length ((char **) forge_clone_and_preview_get_step_ids ()));
  }

  /* Cancel stops the run, and the page says so. */
  click (fixture, "preparing", "project.cancel");
  g_assert_true (on_page (fixture, "stopped"));
  g_assert_cmpint (forge_preview_session_get_state (fixture->session), ==, FORGE_PREVIEW_SESSION_STATE_STOPPED);
  WAIT_FOR (!forge_preview_session_has_active_run (fixture->session), 60);
  g_assert_true (forge_test_wait_no_processes (fixture->harness.root, 10000));

  /* Start, once the cancelled run is gone, runs it again. */
  click (fixture, "stopped", "project.start");
  g_assert_true (on_page (fixture, "preparing"));
  g_assert_true (forge_preview_session_has_active_run (fixture->session));
  WAIT_FOR (step_reached (fixture, FORGE_STEP_START_PREVIEW_SERVER, FORGE_STEP_STATE_START), 120);
}

/* Waits until the step's clock has moved on twice: at least a second
 * has passed, whatever the machine's load. */
static void
wait_two_ticks (ForgeStepsView *steps,
                const char     *step_id)
{
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *before = g_strdup (forge_steps_view_get_elapsed (steps, step_id));

      WAIT_FOR (g_strcmp0 (forge_steps_view_get_elapsed (steps, step_id), before) != 0, 30);
    }
}

/* A long install as the steps list shows it: the latest line the tool
 * printed, the time so far ticking, and a bar that pulses until the tool
 * states how far it got, then shows that; once done, its duration. The
 * install is real (npm ci, running the project's preinstall script); the
 * script waits for the test's go-ahead between its lines. */
static void
test_preparing_install_progress (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *go_fetch = g_build_filename (fixture->harness.root, "go-fetch", NULL);
  g_autofree char *go_done = g_build_filename (fixture->harness.root, "go-done", NULL);
  g_autofree char *script = g_strdup_printf ("const fs = require('fs');\n"
                                             "const until = (f) => new Promise((done) => {\n"
                                             "  const t = setInterval(() => { if (fs.existsSync(f)) { clearInterval(t); done(); } }, 50);\n"
                                             "});\n"
                                             /* Outlives no failed test for long. */
                                             "setTimeout(() => process.exit(3), 300000).unref();\n"
                                             "(async () => {\n"
                                             "  console.log('\\x1b[2K\\x1b[1G⠋ Resolving dependencies');\n"
                                             "  await until('%s');\n"
                                             "  console.log('[2/4] Fetching packages...');\n"
                                             "  await until('%s');\n"
                                             "})();\n",
                                             go_fetch, go_done);
  g_autofree char *repo = forge_test_repo_with_files (fixture->harness.root, "slow-install",
                                                      "package.json",
                                                      "{ \"name\": \"slow-install\", \"version\": \"1.0.0\",\n"
                                                      "  \"scripts\": { \"preinstall\": \"node progress.js\", \"dev\": \"node server.js\" } }\n",
                                                      "package-lock.json",
                                                      "{ \"name\": \"slow-install\", \"version\": \"1.0.0\", \"lockfileVersion\": 3, \"requires\": true,\n"
                                                      "  \"packages\": { \"\": { \"name\": \"slow-install\", \"version\": \"1.0.0\" } } }\n",
                                                      "progress.js", script,
                                                      "server.js", "console.log('thinking forever');\nsetInterval(() => {}, 1000);\n",
                                                      NULL);
  const char *step = FORGE_STEP_INSTALL_DEPENDENCIES;
  ForgeStepsView *steps;
  GtkProgressBar *bar;
  GtkWidget *focus;
  g_autofree char *mismatch = NULL;
  const char *elapsed;
  const char *detail;
  guint pulses;

  open_project (fixture, repo);
  click (fixture, "stopped", "project.start");
  steps = forge_project_view_get_steps_view (fixture->view);
  WAIT_FOR (step_reached (fixture, step, FORGE_STEP_STATE_START), 120);
  focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

  /* The tool's line without its spinner, and the time so far. */
  WAIT_FOR (g_strcmp0 (forge_steps_view_get_progress_line (steps, step), "Resolving dependencies") == 0, 60);
  elapsed = forge_steps_view_get_elapsed (steps, step);
  g_assert_nonnull (elapsed);
  g_assert_true (g_regex_match_simple ("^[0-9]+:[0-5][0-9]$", elapsed, 0, 0));
  wait_two_ticks (steps, step);

  /* No fraction: a bar on screen that keeps pulsing. */
  bar = forge_steps_view_get_progress_bar (steps, step);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (bar)));
  mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                 "Install dependencies: progress");
  g_assert_null (mismatch);
  pulses = forge_steps_view_get_n_pulses (steps, step);
  WAIT_FOR (forge_steps_view_get_n_pulses (steps, step) >= pulses + 3, 30);

  /* yarn's "[2/4]": a quarter done, and the bar stays there. */
  g_assert_true (g_file_set_contents (go_fetch, "", 0, NULL));
  WAIT_FOR (g_strcmp0 (forge_steps_view_get_progress_line (steps, step), "Fetching packages (step 2 of 4)") == 0, 60);
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.25, 1e-9);
  pulses = forge_steps_view_get_n_pulses (steps, step);
  wait_two_ticks (steps, step);
  g_assert_cmpuint (forge_steps_view_get_n_pulses (steps, step), ==, pulses);
  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.25, 1e-9);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (bar)));

  /* Progress moves no one's focus. */
  g_assert_true (gtk_root_get_focus (GTK_ROOT (fixture->window)) == focus);

  /* Done: the row says how long it took, as before. */
  g_assert_true (g_file_set_contents (go_done, "", 0, NULL));
  WAIT_FOR (step_reached (fixture, step, FORGE_STEP_STATE_COMPLETE), 60);
  g_assert_null (forge_steps_view_get_progress_line (steps, step));
  g_assert_null (forge_steps_view_get_elapsed (steps, step));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (bar)));
  detail = forge_steps_view_get_detail (steps, step);
  g_assert_nonnull (detail);
  g_assert_true (g_regex_match_simple ("^([0-9]+ s|less than a second|[0-9]+ min [0-9]+ s)$", detail, 0, 0));

  /* The next long step has its own clock. */
  WAIT_FOR (step_reached (fixture, FORGE_STEP_START_PREVIEW_SERVER, FORGE_STEP_STATE_START), 60);
  WAIT_FOR (forge_steps_view_get_elapsed (steps, FORGE_STEP_START_PREVIEW_SERVER) != NULL, 30);
}

/* Failed: the one-line cause, the output behind it in the log tail,
 * Try Again and Show Log, and the steps it never reached as skipped. */
static void
test_failed_try_again (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->harness.root, "crashing-server",
                                                      "package.json",
                                                      "{ \"name\": \"crash\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "console.log('booting on port ' + process.env.PORT);\n"
                                                      "console.error('Error: cannot find module ./config');\n"
                                                      "process.exit(3);\n",
                                                      NULL);
  g_autofree char *escaped = NULL;
  ForgeStepsView *steps;
  AdwStatusPage *page;
  GtkLabel *tail;
  const char *message;
  GtkWidget *show_log;

  open_project (fixture, repo);
  click (fixture, "stopped", "project.start");
  WAIT_FOR (on_page (fixture, "failed"), 180);

  page = forge_project_view_get_status_page (fixture->view, "failed");
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Preview Failed");
  g_assert_cmpstr (adw_status_page_get_icon_name (page), ==, "dialog-error-symbolic");

  /* The cause, in one line: the session's error message. */
  message = forge_preview_session_get_error_message (fixture->session);
  g_assert_nonnull (message);
  g_assert_null (strchr (message, '\n'));
  escaped = g_markup_escape_text (message, -1);
  g_assert_cmpstr (adw_status_page_get_description (page), ==, escaped);

  /* The output behind it, from the run info. */
  tail = forge_project_view_get_log_tail_label (fixture->view);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (tail)));
  g_assert_nonnull (strstr (gtk_label_get_text (tail), "Error: cannot find module ./config"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (tail), "forge-log-tail"));

  /* The steps: the failed one, and the one it never reached. */
  steps = forge_project_view_get_steps_view (fixture->view);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (steps)));
  g_assert_true (step_reached (fixture, FORGE_STEP_CLONE_REPOSITORY, FORGE_STEP_STATE_COMPLETE));
  g_assert_true (step_reached (fixture, FORGE_STEP_START_PREVIEW_SERVER, FORGE_STEP_STATE_ERROR));
  g_assert_false (forge_steps_view_get_skipped (steps, FORGE_STEP_START_PREVIEW_SERVER));
  g_assert_true (forge_steps_view_get_skipped (steps, FORGE_STEP_UPDATE_PROJECT));
  g_assert_cmpstr (forge_steps_view_get_detail (steps, FORGE_STEP_UPDATE_PROJECT), ==, "Skipped");
  assert_no_milliseconds (fixture);

  /* Show Log is a toggle: pressed while the log shows. */
  show_log = page_button (fixture, "failed", "project.show-log");
  g_assert_true (GTK_IS_TOGGLE_BUTTON (show_log));
  g_assert_false (forge_project_view_get_show_log (fixture->view));
  g_signal_emit_by_name (show_log, "clicked");
  g_assert_true (forge_project_view_get_show_log (fixture->view));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (show_log)));
  g_signal_emit_by_name (show_log, "clicked");
  g_assert_false (forge_project_view_get_show_log (fixture->view));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (show_log)));

  /* Try Again starts a new run, which fails the same way. */
  {
    g_autofree char *first_run = g_strdup (forge_preview_session_get_run_id (fixture->session));

    click (fixture, "failed", "project.retry");
    g_assert_true (on_page (fixture, "preparing"));
    g_assert_cmpstr (forge_preview_session_get_run_id (fixture->session), !=, first_run);
    g_assert_false (forge_steps_view_get_skipped (forge_project_view_get_steps_view (fixture->view), FORGE_STEP_UPDATE_PROJECT));
    WAIT_FOR (on_page (fixture, "failed"), 180);
    g_assert_nonnull (strstr (gtk_label_get_text (tail), "cannot find module"));
  }
}

static void
collect_rows (GtkWidget *root,
              GPtrArray *rows)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (ADW_IS_ACTION_ROW (child))
        g_ptr_array_add (rows, child);
      else
        collect_rows (child, rows);
    }
}

static gboolean
shows_icon (GtkWidget  *root,
            const char *icon_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_IMAGE (child) && gtk_widget_get_visible (child) &&
          g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (child)), icon_name) == 0)
        return TRUE;
      if (shows_icon (child, icon_name))
        return TRUE;
    }
  return FALSE;
}

#define CHOOSER_APP(folder, name, title) \
  folder "/package.json", \
  "{ \"name\": \"" name "\", \"scripts\": { \"dev\": \"vite\" }, \"devDependencies\": { \"vite\": \"6.3.5\" } }\n", \
  folder "/index.html", "<title>" title "</title>\n"

/* Two apps and no choice: the run ends on the chooser, one row per app
 * (name, folder and framework); choosing one keeps it in projects.json
 * and starts a run of it; the project menu's chooser marks it. */
static void
test_choose_app (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->harness.root, "two-apps",
                                                      "package.json",
                                                      "{ \"name\": \"acme\", \"private\": true, \"workspaces\": [\"apps/*\"] }\n",
                                                      CHOOSER_APP ("apps/docs", "acme-docs", "Docs"),
                                                      CHOOSER_APP ("apps/web", "acme-web", "Web"),
                                                      NULL);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeProjectStore) reloaded = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *first_run = NULL;
  AdwStatusPage *page;
  ForgeProject *project;

  open_project (fixture, repo);
  click (fixture, "stopped", "project.start");
  WAIT_FOR (on_page (fixture, "choose-app"), 180);

  page = forge_project_view_get_status_page (fixture->view, "choose-app");
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Choose an App");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "2 apps"));
  collect_rows (GTK_WIDGET (page), rows);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (rows, 0)), ==, "acme-docs");
  g_assert_cmpstr (adw_action_row_get_subtitle (g_ptr_array_index (rows, 0)), ==, "apps/docs · Vite");
  g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (rows, 1)), ==, "acme-web");
  g_assert_cmpstr (adw_action_row_get_subtitle (g_ptr_array_index (rows, 1)), ==, "apps/web · Vite");
  g_assert_true (gtk_widget_get_mapped (g_ptr_array_index (rows, 1)));

  /* Choosing the second: kept, and run. */
  first_run = g_strdup (forge_preview_session_get_run_id (fixture->session));
  WAIT_FOR (gtk_widget_is_sensitive (g_ptr_array_index (rows, 1)), 60);
  g_signal_emit_by_name (g_ptr_array_index (rows, 1), "activate");
  project = forge_preview_session_get_project (fixture->session);
  g_assert_cmpstr (forge_project_get_package_dir (project), ==, "apps/web");
  g_assert_cmpstr (forge_preview_session_get_run_id (fixture->session), !=, first_run);
  g_assert_true (on_page (fixture, "preparing"));
  forge_preview_session_stop (fixture->session);
  WAIT_FOR (!forge_preview_session_has_active_run (fixture->session), 60);

  /* In projects.json, for the next start of the app. */
  g_assert_true (forge_project_store_save (fixture->harness.store, &error));
  g_assert_no_error (error);
  store_path = g_build_filename (g_getenv ("XDG_DATA_HOME"), "forge-preview", "projects.json", NULL);
  reloaded = forge_project_store_new (store_path);
  g_assert_true (forge_project_store_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (forge_project_get_package_dir (forge_project_store_lookup (reloaded, forge_project_get_id (project))),
                   ==, "apps/web");

  /* Choosing again lists them with the project's own checked. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "project.choose-app", NULL);
  WAIT_FOR (on_page (fixture, "choose-app"), 60);
  g_ptr_array_set_size (rows, 0);
  collect_rows (GTK_WIDGET (page), rows);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_true (shows_icon (g_ptr_array_index (rows, 1), "object-select-symbolic"));
  g_assert_false (shows_icon (g_ptr_array_index (rows, 0), "object-select-symbolic"));
  g_assert_true (gtk_widget_get_mapped (page_button (fixture, "choose-app", "project.leave-apps")));
  click (fixture, "choose-app", "project.leave-apps");
  g_assert_true (on_page (fixture, "stopped"));
}

/* A broken package.json: where, in words, and nothing after it ran. */
static void
test_failed_in_plain_words (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->harness.root, "broken-json",
                                                      "package.json",
                                                      "{\n  \"name\": \"x\",\n  \"private\": yes\n}\n",
                                                      NULL);
  ForgeStepsView *steps;
  const char *description;

  open_project (fixture, repo);
  click (fixture, "stopped", "project.start");
  WAIT_FOR (on_page (fixture, "failed"), 120);

  description = adw_status_page_get_description (forge_project_view_get_status_page (fixture->view, "failed"));
  g_assert_true (g_str_has_prefix (description, "package.json is not valid JSON (line 3, column "));
  g_assert_null (strstr (description, "Parse error"));
  g_assert_null (strstr (description, "unexpected"));
  g_assert_null (strstr (description, "<data>"));
  g_assert_null (strchr (description, '\n'));

  steps = forge_project_view_get_steps_view (fixture->view);
  g_assert_true (step_reached (fixture, FORGE_STEP_DETECT_FRAMEWORK, FORGE_STEP_STATE_ERROR));
  g_assert_true (forge_steps_view_get_skipped (steps, FORGE_STEP_INSTALL_DEPENDENCIES));
  g_assert_true (forge_steps_view_get_skipped (steps, FORGE_STEP_START_PREVIEW_SERVER));
  g_assert_true (forge_steps_view_get_skipped (steps, FORGE_STEP_UPDATE_PROJECT));
  g_assert_false (forge_steps_view_get_skipped (steps, FORGE_STEP_CLONE_REPOSITORY));
  assert_no_milliseconds (fixture);
  g_assert_true (page_button (fixture, "failed", "project.retry") != NULL);
}

/* The saved path survives a new run: it was read after the new preview
 * had overwritten (and freed) it, and came back as garbage ("/%C1R").
 * Then: stopped by hand, a Start page; Start brings the preview back. */
static void
test_running_rerun_keeps_path_then_stop_start (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->harness.root, "static-site");
  ForgeProject *project;
  ForgePreview *preview;

  open_project (fixture, repo);
  project = forge_preview_session_get_project (fixture->session);
  preview = forge_project_view_get_preview (fixture->view);

  click (fixture, "stopped", "project.start");
  WAIT_FOR (preview_loaded_at (fixture, "/"), 120);
  forge_preview_navigate (preview, "/about/");
  WAIT_FOR (preview_loaded_at (fixture, "/about/"), 30);
  g_assert_cmpstr (forge_project_get_last_path (project), ==, "/about/");

  /* A new run of the running project, as Try Again or a re-open do. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (forge_preview_session_run (fixture->session, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_true (on_page (fixture, "preparing"));
  WAIT_FOR (forge_preview_session_get_state (fixture->session) == FORGE_PREVIEW_SESSION_STATE_RUNNING &&
            forge_preview_get_state (preview) == FORGE_PREVIEW_STATE_LOADED &&
            g_strcmp0 (forge_preview_get_path (preview), "/") != 0, 120);
  g_assert_cmpstr (forge_preview_get_path (preview), ==, "/about/");
  g_assert_cmpstr (forge_project_get_last_path (project), ==, "/about/");

  /* Stopped by hand: not the dead page, a page with Start. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->view), "sandbox.stop", NULL);
  g_assert_true (on_page (fixture, "stopped"));
  g_assert_nonnull (adw_status_page_get_description (forge_project_view_get_status_page (fixture->view, "stopped")));
  g_assert_true (forge_test_wait_no_processes (fixture->harness.root, 10000));

  click (fixture, "stopped", "project.start");
  g_assert_true (on_page (fixture, "preparing"));
  WAIT_FOR (preview_loaded_at (fixture, "/about/"), 120);
}

/* The manager gave up restarting it: a page with Restart, which brings
 * the preview back. */
static void
test_gave_up_restart (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->harness.root, "static-site");
  g_autoptr(ForgeFakeSandbox) sandbox = NULL;

  forge_sandbox_manager_set_keepalive_interval (fixture->harness.manager, 300);
  open_project (fixture, repo);
  click (fixture, "stopped", "project.start");
  WAIT_FOR (preview_loaded_at (fixture, "/"), 120);

  /* Past the first half second, its death is not a failed start; then
   * the backend is down for the manager's three tries. */
  forge_test_harness_run_for (700);
  sandbox = forge_fake_provider_dup_last_sandbox (fixture->harness.fake);
  forge_fake_provider_fail_next (fixture->harness.fake, 3);
  forge_fake_sandbox_crash (sandbox);
  WAIT_FOR (on_page (fixture, "gave-up"), 60);
  g_assert_cmpint (forge_preview_session_get_state (fixture->session), ==, FORGE_PREVIEW_SESSION_STATE_GAVE_UP);
  g_assert_false (forge_preview_get_restoring (forge_project_view_get_preview (fixture->view)));

  click (fixture, "gave-up", "project.restart");
  WAIT_FOR (preview_loaded_at (fixture, "/"), 120);
  g_assert_cmpint (forge_preview_session_get_state (fixture->session), ==, FORGE_PREVIEW_SESSION_STATE_RUNNING);
}

/* The log opens at its newest line, in a pane, with next and previous
 * for search matches. */
static void
test_log_panel (void)
{
  g_autoptr(ForgeProject) project = forge_project_new ("log-test", "https://example.org/o/r.git");
  GtkWidget *window = gtk_window_new ();
  ForgeProjectView *view = FORGE_PROJECT_VIEW (forge_project_view_new (project));
  ForgeLogView *log = forge_project_view_get_log_view (view);
  GtkAdjustment *adjustment;
  GtkWidget *scroller;

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 700);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u%s", i, i == 10 || i == 200 || i == 390 ? " needle" : "");

      forge_log_view_append (log, "server", line);
    }

  g_assert_false (forge_project_view_get_show_log (view));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (log)));
  gtk_widget_activate_action (GTK_WIDGET (view), "project.show-log", NULL);
  g_assert_true (forge_project_view_get_show_log (view));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (log)), 10);

  /* In a pane, below the page. */
  g_assert_true (GTK_IS_PANED (gtk_widget_get_parent (GTK_WIDGET (log))));

  /* Scrolled to the end once laid out, with lines above it. */
  scroller = find_of_type (GTK_WIDGET (log), GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (scroller);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  WAIT_FOR (gtk_adjustment_get_page_size (adjustment) > 0 &&
            gtk_adjustment_get_upper (adjustment) > 2 * gtk_adjustment_get_page_size (adjustment) &&
            forge_log_view_get_scrolled_to_end (log), 10);
  /* The last line itself shows: within the view's bottom margin. */
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment), >=,
                     gtk_adjustment_get_upper (adjustment) - 12);

  /* A third of the height, not a sliver. */
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (log)), >=, gtk_widget_get_height (GTK_WIDGET (view)) / 4);

  /* Three matches; the arrows go round. */
  g_assert_cmpuint (forge_log_view_search (log, "needle"), ==, 3);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 1);
  forge_log_view_next_match (log);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 2);
  gtk_widget_activate_action (GTK_WIDGET (log), "log.next-match", NULL);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 3);
  forge_log_view_next_match (log);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 1);
  gtk_widget_activate_action (GTK_WIDGET (log), "log.previous-match", NULL);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 3);
  forge_log_view_previous_match (log);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 2);
  g_assert_cmpuint (forge_log_view_search (log, "no such text"), ==, 0);
  g_assert_cmpuint (forge_log_view_get_current_match (log), ==, 0);

  gtk_widget_activate_action (GTK_WIDGET (view), "project.show-log", NULL);
  g_assert_false (forge_project_view_get_show_log (view));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* WCAG 2's relative luminance and contrast ratio. */
static double
linear_channel (double c)
{
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
relative_luminance (const GdkRGBA *colour)
{
  return 0.2126 * linear_channel (colour->red) +
         0.7152 * linear_channel (colour->green) +
         0.0722 * linear_channel (colour->blue);
}

static double
contrast_ratio (const GdkRGBA *a,
                const GdkRGBA *b)
{
  double la = relative_luminance (a);
  double lb = relative_luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

static char *
resource_text (const char *name)
{
  g_autofree char *path = g_strconcat (RESOURCE_BASE "/", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);

  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The colour a stylesheet names with @define-color. */
static gboolean
defined_colour (const char *css,
                const char *name,
                GdkRGBA    *colour)
{
  g_autofree char *pattern = g_strdup_printf ("@define-color\\s+%s\\s+([^;]+);", name);
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *value = NULL;

  if (!g_regex_match (regex, css, 0, &match))
    return FALSE;

  value = g_match_info_fetch (match, 1);
  g_assert_true (gdk_rgba_parse (colour, g_strstrip (value)));
  /* An opaque colour: a translucent one's contrast depends on what is
   * below it. */
  g_assert_cmpfloat (colour->alpha, ==, 1.0);
  return TRUE;
}

static void
assert_label_colour (GtkWidget     *label,
                     const GdkRGBA *expected)
{
  GdkRGBA colour;

#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (label, &colour);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (label), &colour);
#endif
  g_assert_true (gdk_rgba_equal (&colour, expected));
}

/* The failed page's log tail reads at AA contrast (4.5:1) in the light
 * style and the dark one, in the colours it is really drawn in. */
static void
test_log_tail_contrast (void)
{
  g_autoptr(ForgeProject) project = forge_project_new ("contrast-test", "https://example.org/o/r.git");
  g_autofree char *light_css = resource_text ("style.css");
  g_autofree char *dark_css = resource_text ("style-dark.css");
  g_autoptr(GtkCssProvider) light = gtk_css_provider_new ();
  g_autoptr(GtkCssProvider) dark = gtk_css_provider_new ();
  GdkRGBA light_bg, light_fg, dark_bg, dark_fg;
  GtkWidget *window = gtk_window_new ();
  ForgeProjectView *view = FORGE_PROJECT_VIEW (forge_project_view_new (project));
  GtkWidget *tail = GTK_WIDGET (forge_project_view_get_log_tail_label (view));
  GdkDisplay *display = gtk_widget_get_display (window);

  g_assert_true (defined_colour (light_css, "forge_log_tail_bg_color", &light_bg));
  g_assert_true (defined_colour (light_css, "forge_log_tail_fg_color", &light_fg));
  g_assert_true (defined_colour (dark_css, "forge_log_tail_bg_color", &dark_bg));
  g_assert_true (defined_colour (dark_css, "forge_log_tail_fg_color", &dark_fg));
  g_test_message ("log tail contrast: light %.1f:1, dark %.1f:1",
                  contrast_ratio (&light_fg, &light_bg), contrast_ratio (&dark_fg, &dark_bg));
  g_assert_cmpfloat (contrast_ratio (&light_fg, &light_bg), >=, 4.5);
  g_assert_cmpfloat (contrast_ratio (&dark_fg, &dark_bg), >=, 4.5);

  /* Those are the colours the label is drawn in, as AdwApplication loads
   * the stylesheets: style.css, then style-dark.css over it. */
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  forge_project_view_show_failed (view, "The dev server exited with status 3.", "Error: cannot find module ./config");
  gtk_window_present (GTK_WINDOW (window));
  gtk_css_provider_load_from_resource (light, RESOURCE_BASE "/style.css");
  gtk_css_provider_load_from_resource (dark, RESOURCE_BASE "/style-dark.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (light), GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  assert_label_colour (tail, &light_fg);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (dark), GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  assert_label_colour (tail, &dark_fg);
  gtk_style_context_remove_provider_for_display (display, GTK_STYLE_PROVIDER (dark));
  gtk_style_context_remove_provider_for_display (display, GTK_STYLE_PROVIDER (light));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Controls under root that a screen reader would name by their type. */
static void
collect_unlabelled (GtkWidget *root,
                    GString   *unlabelled)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      gboolean control = GTK_IS_BUTTON (child) || GTK_IS_MENU_BUTTON (child) ||
                         GTK_IS_EDITABLE (child) || GTK_IS_TEXT_VIEW (child);

      /* The preview's toolbar and the runs view are not these pages. */
      if (FORGE_IS_PREVIEW (child) || FORGE_IS_RUNS_VIEW (child))
        continue;

      if (control)
        {
          if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL) &&
              !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
            g_string_append_printf (unlabelled, " %s (%s)", G_OBJECT_TYPE_NAME (child),
                                    GTK_IS_ACTIONABLE (child) ? gtk_actionable_get_action_name (GTK_ACTIONABLE (child)) : "");
          /* A control's own parts are its business. */
          continue;
        }

      collect_unlabelled (child, unlabelled);
    }
}

/* Every control of the pages and the log has a name of its own. */
static void
test_accessible_labels (void)
{
  g_autoptr(ForgeProject) project = forge_project_new ("a11y-test", "https://example.org/o/r.git");
  g_autoptr(GString) unlabelled = g_string_new (NULL);
  ForgeProjectView *view = FORGE_PROJECT_VIEW (g_object_ref_sink (forge_project_view_new (project)));

  collect_unlabelled (GTK_WIDGET (view), unlabelled);
  g_assert_cmpstr (unlabelled->str, ==, "");
  g_object_unref (view);
}

/* The device a project's preview is shown at is the project's own. */
static void
test_device_per_project (void)
{
  g_autoptr(ForgeProject) first = forge_project_new ("device-a", "https://example.org/o/a.git");
  g_autoptr(ForgeProject) second = forge_project_new ("device-b", "https://example.org/o/b.git");
  ForgeProjectView *view = FORGE_PROJECT_VIEW (g_object_ref_sink (forge_project_view_new (first)));
  ForgeProjectView *other = NULL;
  ForgePreview *preview = forge_project_view_get_preview (view);

  g_assert_cmpstr (forge_preview_get_device (preview), ==, "responsive");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.device", "s", "tablet-768"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.rotate", NULL));
  g_assert_cmpstr (forge_project_get_preview_device (first), ==, "tablet-768:landscape");
  g_object_unref (view);

  /* Shown again, it comes back so; another project keeps its own. */
  view = FORGE_PROJECT_VIEW (g_object_ref_sink (forge_project_view_new (first)));
  preview = forge_project_view_get_preview (view);
  g_assert_cmpstr (forge_preview_get_device (preview), ==, "tablet-768");
  g_assert_true (forge_preview_get_device_landscape (preview));
  other = FORGE_PROJECT_VIEW (g_object_ref_sink (forge_project_view_new (second)));
  g_assert_cmpstr (forge_preview_get_device (forge_project_view_get_preview (other)), ==, "responsive");
  g_assert_null (forge_project_get_preview_device (second));

  /* Back to responsive: nothing to rotate. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.device", "s", "responsive"));
  g_assert_cmpstr (forge_project_get_preview_device (first), ==, "responsive");
  g_object_unref (view);
  g_object_unref (other);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/forge/project-pages/choose-app", test_choose_app);
  ADD ("/forge/project-pages/preparing/cancel-start", test_preparing_cancel_start);
  ADD ("/forge/project-pages/preparing/install-progress", test_preparing_install_progress);
  ADD ("/forge/project-pages/failed/try-again", test_failed_try_again);
  ADD ("/forge/project-pages/failed/plain-words", test_failed_in_plain_words);
  ADD ("/forge/project-pages/running/rerun-keeps-path", test_running_rerun_keeps_path_then_stop_start);
  ADD ("/forge/project-pages/gave-up/restart", test_gave_up_restart);
#undef ADD
  g_test_add_func ("/forge/project-pages/log-panel", test_log_panel);
  g_test_add_func ("/forge/project-pages/log-tail-contrast", test_log_tail_contrast);
  g_test_add_func ("/forge/project-pages/accessible-labels", test_accessible_labels);
  g_test_add_func ("/forge/project-pages/device-per-project", test_device_per_project);

  return g_test_run ();
}
