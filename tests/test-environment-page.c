/* test-environment-page.c
 *
 * The Environment page on a real project, with a keyring of its own on
 * a private session bus: rows persist into the project, a secret goes
 * to the keyring and never to projects.json, .env.example's names are
 * proposed, and a change to a running preview offers a restart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "e2e-util.h"
#include "forge-environment-page-private.h"
#include "forge-project-store.h"
#include "forge-project-view.h"
#include "forge-secrets.h"
#include "forge-util.h"
#include "git-test-util.h"
#include "keyring-util.h"

static char *skip_reason;

#define SECRET_ONE "tok-ui-secret-1234"
#define SECRET_TWO "tok-ui-secret-5678"

typedef struct
{
  char              *root;
  ForgeProjectStore *store;
  ForgeProject      *project;
  GtkWindow         *window;
  ForgeEnvironmentPage *page;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *projects_json = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *repo = NULL;
  g_autofree char *example = NULL;
  g_autofree char *package = NULL;

  fixture->root = g_dir_make_tmp ("forge-env-page-XXXXXX", NULL);
  forge_test_isolate_xdg (fixture->root);
  projects_json = g_build_filename (fixture->root, "projects.json", NULL);
  fixture->store = forge_project_store_new (projects_json);
  fixture->project = g_object_ref (forge_project_store_ensure (fixture->store, "https://example.com/owner/app.git"));

  /* The clone as a run leaves it. */
  workspace = forge_project_dup_workspace_dir (fixture->project);
  repo = g_build_filename (workspace, "repo", NULL);
  g_assert_cmpint (g_mkdir_with_parents (repo, 0700), ==, 0);
  example = g_build_filename (repo, ".env.example", NULL);
  package = g_build_filename (repo, "package.json", NULL);
  g_assert_true (g_file_set_contents (example, "API_URL=https://example.com\nSECRET_KEY=\n", -1, NULL));
  g_assert_true (g_file_set_contents (package, "{ \"name\": \"app\", \"scripts\": { \"dev\": \"node server.js\" } }\n", -1, NULL));

  fixture->page = FORGE_ENVIRONMENT_PAGE (forge_environment_page_new (fixture->project));
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->page));
  gtk_window_present (fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  g_clear_object (&fixture->project);
  g_clear_object (&fixture->store);
  forge_remove_tree (fixture->root, NULL);
  g_free (fixture->root);
}

static void
wait_for (gboolean (*done) (Fixture *), Fixture *fixture)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (fixture))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the page");
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
proposals_read (Fixture *fixture)
{
  return forge_environment_page_find_row (fixture->page, "proposed", "API_URL") != NULL;
}

static gboolean
keyring_idle (Fixture *fixture)
{
  return forge_environment_page_get_n_pending (fixture->page) == 0;
}

static void
apply (AdwEntryRow *row,
       const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

static char *
lookup (Fixture    *fixture,
        const char *name)
{
  g_autoptr(GError) error = NULL;
  char *value = forge_secrets_lookup_env_value (forge_project_get_id (fixture->project), name, NULL, &error);

  g_assert_no_error (error);
  return value;
}

static void
assert_not_in_store (Fixture    *fixture,
                     const char *text)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (forge_project_store_save (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (forge_project_store_get_path (fixture->store), &contents, NULL, NULL));
  g_assert_null (strstr (contents, text));
}

static void
test_variables (Fixture       *fixture,
                gconstpointer  data)
{
  AdwEntryRow *row;
  char *value;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  forge_environment_page_set_offer_restart (fixture->page, TRUE);
  wait_for (proposals_read, fixture);
  g_assert_nonnull (forge_environment_page_find_row (fixture->page, "proposed", "SECRET_KEY"));
  /* Proposed without the example's value. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (forge_environment_page_find_row (fixture->page, "proposed", "API_URL"))), ==, "");
  g_assert_null (forge_project_get_env_value (fixture->project, "API_URL"));

  /* A proposed name given a value becomes a variable, and a restart is offered. */
  apply (forge_environment_page_find_row (fixture->page, "proposed", "API_URL"), "http://localhost:9000");
  g_assert_cmpstr (forge_project_get_env_value (fixture->project, "API_URL"), ==, "http://localhost:9000");
  g_assert_null (forge_environment_page_find_row (fixture->page, "proposed", "API_URL"));
  g_assert_nonnull (forge_environment_page_find_row (fixture->page, "variable", "API_URL"));
  g_assert_cmpuint (forge_environment_page_get_n_restart_offers (fixture->page), ==, 1);

  /* Add Variable: a bad name is refused in one line. */
  apply (forge_environment_page_get_new_name_row (fixture->page), "1BAD");
  g_assert_false (forge_project_has_env (fixture->project, "1BAD"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (forge_environment_page_get_new_name_row (fixture->page)), "error"));
  g_assert_null (strchr (forge_environment_page_get_last_message (fixture->page), '\n'));
  apply (forge_environment_page_get_new_name_row (fixture->page), "TOKEN");
  g_assert_true (forge_project_has_env (fixture->project, "TOKEN"));
  apply (forge_environment_page_find_row (fixture->page, "variable", "TOKEN"), SECRET_ONE);
  g_assert_cmpstr (forge_project_get_env_value (fixture->project, "TOKEN"), ==, SECRET_ONE);

  /* Made secret: its value moves to the keyring, out of the project. */
  gtk_toggle_button_set_active (forge_environment_page_get_secret_toggle (fixture->page, "TOKEN"), TRUE);
  wait_for (keyring_idle, fixture);
  g_assert_true (forge_project_get_env_is_secret (fixture->project, "TOKEN"));
  g_assert_null (forge_project_get_env_value (fixture->project, "TOKEN"));
  value = lookup (fixture, "TOKEN");
  g_assert_cmpstr (value, ==, SECRET_ONE);
  forge_secrets_free_token (value);
  assert_not_in_store (fixture, SECRET_ONE);
  row = forge_environment_page_find_row (fixture->page, "variable", "TOKEN");
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");

  /* A new secret value goes straight to the keyring. */
  apply (row, SECRET_TWO);
  wait_for (keyring_idle, fixture);
  value = lookup (fixture, "TOKEN");
  g_assert_cmpstr (value, ==, SECRET_TWO);
  forge_secrets_free_token (value);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (forge_environment_page_find_row (fixture->page, "variable", "TOKEN"))), ==, "");
  assert_not_in_store (fixture, SECRET_TWO);

  /* Plain again: back in the project, out of the keyring. */
  gtk_toggle_button_set_active (forge_environment_page_get_secret_toggle (fixture->page, "TOKEN"), FALSE);
  wait_for (keyring_idle, fixture);
  g_assert_false (forge_project_get_env_is_secret (fixture->project, "TOKEN"));
  g_assert_cmpstr (forge_project_get_env_value (fixture->project, "TOKEN"), ==, SECRET_TWO);
  g_assert_null (lookup (fixture, "TOKEN"));

  /* Removed: proposed again, as the repository lists it. */
  g_signal_emit_by_name (forge_environment_page_get_remove_button (fixture->page, "API_URL"), "clicked");
  g_assert_false (forge_project_has_env (fixture->project, "API_URL"));
  g_assert_nonnull (forge_environment_page_find_row (fixture->page, "proposed", "API_URL"));

  /* Not running: nothing to restart. */
  {
    guint offers = forge_environment_page_get_n_restart_offers (fixture->page);

    forge_environment_page_set_offer_restart (fixture->page, FALSE);
    apply (forge_environment_page_find_row (fixture->page, "variable", "TOKEN"), "plain");
    g_assert_cmpuint (forge_environment_page_get_n_restart_offers (fixture->page), ==, offers);
  }
}

static void
test_commands (Fixture       *fixture,
               gconstpointer  data)
{
  AdwEntryRow *port_row = forge_environment_page_get_command_row (fixture->page, "port");
  AdwEntryRow *dev_row = forge_environment_page_get_command_row (fixture->page, "dev");

  wait_for (proposals_read, fixture);
  /* What detection would run, beside the field. */
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (dev_row)), "detected: npm run dev"));

  apply (forge_environment_page_get_command_row (fixture->page, "install"), "npm ci --ignore-scripts");
  g_assert_cmpstr (forge_project_get_install_command (fixture->project), ==, "npm ci --ignore-scripts");
  apply (dev_row, "node server.js --verbose");
  g_assert_cmpstr (forge_project_get_dev_command (fixture->project), ==, "node server.js --verbose");
  apply (dev_row, "");
  g_assert_null (forge_project_get_dev_command (fixture->project));

  apply (port_row, "not a port");
  g_assert_cmpuint (forge_project_get_dev_port (fixture->project), ==, 0);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (port_row), "error"));
  apply (port_row, "8080");
  g_assert_cmpuint (forge_project_get_dev_port (fixture->project), ==, 8080);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (port_row), "error"));
  apply (port_row, "");
  g_assert_cmpuint (forge_project_get_dev_port (fixture->project), ==, 0);
}

/* The project view shows it over its page, and gives that page back. */
static void
test_in_project_view (Fixture       *fixture,
                      gconstpointer  data)
{
  GtkWidget *view = forge_project_view_new (fixture->project);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_child (window, view);
  gtk_window_present (window);

  g_assert_cmpstr (forge_project_view_get_page (FORGE_PROJECT_VIEW (view)), ==, "stopped");
  g_assert_true (gtk_widget_activate_action (view, "project.show-environment", NULL));
  g_assert_cmpstr (forge_project_view_get_page (FORGE_PROJECT_VIEW (view)), ==, "environment");
  g_assert_true (forge_project_view_get_environment_page (FORGE_PROJECT_VIEW (view)) != NULL);
  g_assert_true (forge_environment_page_get_project (forge_project_view_get_environment_page (FORGE_PROJECT_VIEW (view))) == fixture->project);
  /* No session: nothing runs, nothing to restart. */
  g_assert_false (forge_environment_page_get_offer_restart (forge_project_view_get_environment_page (FORGE_PROJECT_VIEW (view))));

  g_assert_true (gtk_widget_activate_action (view, "project.show-runs", NULL));
  g_assert_false (forge_project_view_get_show_environment (FORGE_PROJECT_VIEW (view)));
  g_assert_true (gtk_widget_activate_action (view, "project.show-runs", NULL));
  g_assert_cmpstr (forge_project_view_get_page (FORGE_PROJECT_VIEW (view)), ==, "stopped");

  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  forge_test_git_isolate ();

  g_test_add ("/forge/environment-page/variables", Fixture, NULL, fixture_set_up, test_variables, fixture_tear_down);
  g_test_add ("/forge/environment-page/commands", Fixture, NULL, fixture_set_up, test_commands, fixture_tear_down);
  g_test_add ("/forge/environment-page/in-project-view", Fixture, NULL, fixture_set_up, test_in_project_view, fixture_tear_down);

  skip_reason = g_test_subprocess () ? NULL : forge_test_start_keyring ();
  status = g_test_run ();

  secret_service_disconnect ();
  forge_test_stop_keyring ();
  g_free (skip_reason);

  return status;
}
