/* test-dialogs.c
 *
 * The Open dialog, the Runs view and the app icon, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "accessible-check.h"
#include "e2e-util.h"
#include "forge-application.h"
#include "forge-clone-and-preview.h"
#include "forge-open-dialog-private.h"
#include "forge-run-info-private.h"
#include "forge-runs-view.h"
#include "forge-fake-provider.h"
#include "git-test-util.h"

/* Waits for a condition, failing only when it never comes: no test here
 * asserts how long anything takes. */
static gboolean
wait_for (gboolean (*condition) (gpointer),
          gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return TRUE;
}

static gboolean
widget_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static GSettings *
fresh_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "recent-urls");
  return settings;
}

/* Typing, as the entry sees it: one change per key. */
static void
type_text (GtkEditable *editable,
           const char  *text)
{
  g_autoptr(GString) typed = g_string_new (gtk_editable_get_text (editable));

  for (const char *p = text; *p != '\0'; p++)
    {
      g_string_append_c (typed, *p);
      gtk_editable_set_text (editable, typed->str);
    }
}

static void
test_open_validates_after_pause (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  ForgeOpenDialog *dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  GtkEditable *editable = forge_open_dialog_get_url_editable (dialog);
  GtkWidget *error_label = GTK_WIDGET (forge_open_dialog_get_error_label (dialog));

  gtk_window_present (GTK_WINDOW (dialog));

  /* Key by key, nothing is said: not after three letters, not after
   * nine, although none of these is an address. */
  type_text (editable, "not a url");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_null (forge_open_dialog_get_error (dialog));
  /* Open already knows better. */
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));

  /* Once typing pauses, the reason shows. */
  g_assert_true (wait_for (widget_visible, error_label));
  g_assert_nonnull (forge_open_dialog_get_error (dialog));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error_label)), ==, forge_open_dialog_get_error (dialog));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (editable), "error"));

  /* Typing again takes the old error away until the next pause. */
  gtk_editable_set_text (editable, "");
  type_text (editable, "owner/rep");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (editable), "error"));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
open_cb (ForgeOpenDialog  *dialog,
         const char       *url,
         char            **opened)
{
  g_free (*opened);
  *opened = g_strdup (url);
}

static void
test_open_validates_on_activate (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  ForgeOpenDialog *dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  GtkEditable *editable = forge_open_dialog_get_url_editable (dialog);
  GtkWidget *error_label = GTK_WIDGET (forge_open_dialog_get_error_label (dialog));
  g_autofree char *opened = NULL;
  g_auto(GStrv) recent = NULL;

  g_object_ref (dialog);
  g_signal_connect (dialog, "open", G_CALLBACK (open_cb), &opened);
  gtk_window_present (GTK_WINDOW (dialog));

  /* Enter (the entry's "activate") does not wait for the pause, and
   * opens nothing invalid. */
  type_text (editable, "https://x-access-token:ghp_secret@github.com/o/r");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_signal_emit_by_name (editable, "activate");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (forge_open_dialog_get_error (dialog));
  g_assert_null (opened);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  gtk_editable_set_text (editable, "");
  type_text (editable, "octo/site");
  g_signal_emit_by_name (editable, "activate");
  g_assert_cmpstr (opened, ==, "octo/site");
  recent = g_settings_get_strv (settings, "recent-urls");
  g_assert_cmpstr (recent[0], ==, "octo/site");

  g_object_unref (dialog);
}

static void
test_open_accepts_refs (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  ForgeOpenDialog *dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  GtkWidget *error_label = GTK_WIDGET (forge_open_dialog_get_error_label (dialog));
  /* What the project opens takes: a branch, a branch and folder, a pull
   * request, a tag, owner/repo#branch. */
  const char *accepted[] = {
    "https://github.com/octo/site/tree/main",
    "https://github.com/octo/site/tree/feature/docs/site",
    "https://github.com/octo/site/pull/7",
    "https://github.com/octo/site/pull/7/files",
    "https://github.com/octo/site/releases/tag/v1.0",
    "octo/site#dev",
    "https://github.com/octo/site#dev",
    "https://ghe.example.com/octo/site/tree/main",
  };
  const char *refused[] = {
    "https://x-access-token:ghp_secret@github.com/octo/site/tree/main",
    "https://ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com/octo/site",
    "octo/site#bad..branch",
    "https://github.com/octo/site/tree/main#dev",
  };

  gtk_window_present (GTK_WINDOW (dialog));

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      forge_open_dialog_set_url (dialog, accepted[i]);
      g_assert_null (forge_open_dialog_get_error (dialog));
      g_assert_false (gtk_widget_get_visible (error_label));
      g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      const char *message;

      forge_open_dialog_set_url (dialog, refused[i]);
      message = forge_open_dialog_get_error (dialog);
      g_assert_nonnull (message);
      /* One line, under the entry, and never the token back. */
      g_assert_null (strchr (message, '\n'));
      g_assert_null (strstr (message, "ghp_"));
      g_assert_true (gtk_widget_get_visible (error_label));
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (forge_open_dialog_get_url_editable (dialog)), "error"));
      g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));
    }

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static int
natural_width (GtkWidget *widget)
{
  int minimum = 0, natural = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
  return natural;
}

static int
minimum_width (GtkWidget *widget)
{
  int minimum = 0, natural = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
  return minimum;
}

static void
test_open_fixed_width (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(GString) long_path = g_string_new ("/no/such/folder");
  g_autoptr(GString) long_url = g_string_new ("https://git.example.org/group");
  ForgeOpenDialog *plain;
  ForgeOpenDialog *with_recent;
  const char *recent[2] = { NULL, NULL };
  int width, minimum;

  /* One long word: a label cannot break it, so only a label held to the
   * dialog's width wraps it (at any character). */
  g_string_append_c (long_path, '/');
  g_string_append_c (long_url, '/');
  for (guint i = 0; i < 200; i++)
    {
      g_string_append_c (long_path, 'a');
      g_string_append_c (long_url, 'b');
    }
  g_string_append (long_url, ".git");

  plain = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  gtk_window_present (GTK_WINDOW (plain));
  g_assert_true (wait_for (widget_mapped, plain));
  width = natural_width (GTK_WIDGET (plain));
  minimum = minimum_width (GTK_WIDGET (plain));

  /* A long error wraps under the entry: the dialog keeps its width. */
  forge_open_dialog_set_url (plain, long_path->str);
  g_assert_nonnull (forge_open_dialog_get_error (plain));
  g_assert_true (strlen (forge_open_dialog_get_error (plain)) > 200);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (forge_open_dialog_get_error_label (plain))));
  g_assert_cmpint (natural_width (GTK_WIDGET (plain)), ==, width);
  g_assert_cmpint (minimum_width (GTK_WIDGET (plain)), ==, minimum);

  /* So does a long address, typed or recent. */
  forge_open_dialog_set_url (plain, long_url->str);
  g_assert_cmpint (natural_width (GTK_WIDGET (plain)), ==, width);

  recent[0] = long_url->str;
  g_settings_set_strv (settings, "recent-urls", recent);
  with_recent = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  gtk_window_present (GTK_WINDOW (with_recent));
  g_assert_true (wait_for (widget_mapped, with_recent));
  g_assert_cmpint (natural_width (GTK_WIDGET (with_recent)), ==, width);

  gtk_window_destroy (GTK_WINDOW (with_recent));
  gtk_window_destroy (GTK_WINDOW (plain));
  g_settings_reset (settings, "recent-urls");
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *expanders,
              GPtrArray *action_rows,
              GPtrArray *buttons)
{
  if (ADW_IS_EXPANDER_ROW (widget))
    g_ptr_array_add (expanders, widget);
  else if (ADW_IS_ACTION_ROW (widget))
    g_ptr_array_add (action_rows, widget);
  else if (GTK_IS_BUTTON (widget))
    g_ptr_array_add (buttons, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    collect_rows (child, expanders, action_rows, buttons);
}

static void
test_open_choose_folder (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  /* A space, to see it escaped in the URL. */
  g_autofree char *root = g_dir_make_tmp ("forge dialog-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (root);
  g_autofree char *uri = g_file_get_uri (folder);
  ForgeOpenDialog *dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  GtkEditable *editable = forge_open_dialog_get_url_editable (dialog);

  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) expanders = g_ptr_array_new ();
  GtkWidget *choose = NULL;

  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (wait_for (widget_mapped, dialog));

  /* The button is there and its action enabled... */
  collect_rows (GTK_WIDGET (dialog), expanders, rows, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), "Choose _Folder…") == 0)
      choose = buttons->pdata[i];
  g_assert_nonnull (choose);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (choose)), ==, "open-dialog.choose-folder");
  g_assert_true (gtk_widget_is_sensitive (choose));

  /* ...but the native chooser it opens cannot be driven from here: what
   * it calls back with the folder is called directly. */
  forge_open_dialog_folder_chosen (dialog, folder);

  g_assert_true (g_str_has_prefix (gtk_editable_get_text (editable), "file:///"));
  g_assert_cmpstr (gtk_editable_get_text (editable), ==, uri);
  g_assert_nonnull (strstr (uri, "%20"));
  g_assert_null (forge_open_dialog_get_error (dialog));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_rmdir (root);
}

static void
test_open_recents_by_name (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autofree char *blog = g_build_filename (g_get_home_dir (), "Projects", "blog", NULL);
  g_autoptr(GFile) blog_file = g_file_new_for_path (blog);
  g_autofree char *blog_uri = g_file_get_uri (blog_file);
  const char *recent[] = { "https://github.com/octo/hello-world.git", "owner/site", blog_uri, NULL };
  const char *names[] = { "hello-world", "site", "blog" };
  const char *subtitles[] = { "https://github.com/octo/hello-world.git", "https://github.com/owner/site.git", "~/Projects/blog" };
  g_autofree char *opened = NULL;
  ForgeOpenDialog *dialog;
  GtkWidget *row;
  guint i = 0;

  g_assert_cmpint (g_mkdir_with_parents (blog, 0700), ==, 0);
  g_settings_set_strv (settings, "recent-urls", recent);
  dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  g_object_ref (dialog);
  g_signal_connect (dialog, "open", G_CALLBACK (open_cb), &opened);
  gtk_window_present (GTK_WINDOW (dialog));

  for (row = gtk_widget_get_first_child (GTK_WIDGET (forge_open_dialog_get_recent_list (dialog)));
       row != NULL;
       row = gtk_widget_get_next_sibling (row), i++)
    {
      g_autofree char *mismatch = NULL;

      g_assert_cmpuint (i, <, G_N_ELEMENTS (names));
      g_assert_true (ADW_IS_ACTION_ROW (row));
      g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, names[i]);
      g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, subtitles[i]);
      mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, names[i]);
      g_assert_null (mismatch);
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (names));

  /* A row opens the address it was opened with. */
  g_signal_emit_by_name (forge_open_dialog_get_recent_list (dialog), "row-activated",
                         gtk_widget_get_first_child (GTK_WIDGET (forge_open_dialog_get_recent_list (dialog))));
  g_assert_cmpstr (opened, ==, recent[0]);

  g_object_unref (dialog);
  g_settings_reset (settings, "recent-urls");
}

/* Backends: this computer, and E2B without a key. */
#define NO_KEY_REASON "Add an E2B API key in Preferences → Accounts"

static ForgeSandboxProviders *
providers_with (const char *e2b_unavailable)
{
  ForgeSandboxProviders *providers = g_object_new (FORGE_TYPE_SANDBOX_PROVIDERS, NULL);
  g_autoptr(ForgeFakeProvider) local = forge_fake_provider_new_named ("local", NULL);
  g_autoptr(ForgeFakeProvider) e2b = forge_fake_provider_new_named ("e2b", e2b_unavailable);

  forge_sandbox_providers_add (providers, FORGE_SANDBOX_PROVIDER (e2b));
  forge_sandbox_providers_add (providers, FORGE_SANDBOX_PROVIDER (local));
  return providers;
}

static GtkCheckButton *
backend_check (ForgeOpenDialog *dialog,
               const char      *backend)
{
  GtkWidget *row = forge_open_dialog_get_backend_row (dialog, backend);

  g_assert_nonnull (row);
  return GTK_CHECK_BUTTON (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)));
}

static void
open_with_backend_cb (ForgeOpenDialog  *dialog,
                      const char       *url,
                      char            **backend)
{
  g_free (*backend);
  *backend = g_strdup (forge_open_dialog_get_backend (dialog));
}

static void
test_open_backend_choice (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(ForgeSandboxProviders) no_key = providers_with (NO_KEY_REASON);
  g_autoptr(ForgeSandboxProviders) both = providers_with (NULL);
  g_autofree char *opened_backend = NULL;
  ForgeOpenDialog *dialog;
  GtkWidget *local_row;
  GtkWidget *e2b_row;
  GtkWidget *child;
  guint n_rows = 0;

  /* Without providers nothing is offered, and the run keeps the
   * project's own backend. */
  dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  g_assert_null (forge_open_dialog_get_backend (dialog));
  g_assert_null (forge_open_dialog_get_backend_row (dialog, "local"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* E2B is the default but has no key: shown, greyed, saying what to do;
   * this computer is chosen instead. */
  g_settings_set_string (settings, "default-backend", "e2b");
  dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  forge_open_dialog_set_providers (dialog, no_key);
  local_row = forge_open_dialog_get_backend_row (dialog, "local");
  e2b_row = forge_open_dialog_get_backend_row (dialog, "e2b");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (gtk_widget_get_parent (local_row))));
  /* This computer first, by the names people use. */
  g_assert_true (gtk_widget_get_next_sibling (local_row) == e2b_row);
  for (child = gtk_widget_get_first_child (gtk_widget_get_parent (local_row)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n_rows++;
  g_assert_cmpuint (n_rows, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (local_row)), ==, "This Computer");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (e2b_row)), ==, "E2B Cloud");
  g_assert_true (gtk_widget_get_sensitive (local_row));
  g_assert_false (gtk_widget_get_sensitive (e2b_row));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (backend_check (dialog, "e2b"))));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (e2b_row)), ==, NO_KEY_REASON);
  g_assert_true (gtk_check_button_get_active (backend_check (dialog, "local")));
  g_assert_false (gtk_check_button_get_active (backend_check (dialog, "e2b")));
  g_assert_cmpstr (forge_open_dialog_get_backend (dialog), ==, "local");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* With a key, the default is chosen; another choice is what "open"
   * runs in. */
  dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  forge_open_dialog_set_providers (dialog, both);
  g_assert_true (gtk_widget_get_sensitive (forge_open_dialog_get_backend_row (dialog, "e2b")));
  g_assert_cmpstr (forge_open_dialog_get_backend (dialog), ==, "e2b");
  g_assert_true (gtk_check_button_get_active (backend_check (dialog, "e2b")));
  gtk_check_button_set_active (backend_check (dialog, "local"), TRUE);
  g_assert_false (gtk_check_button_get_active (backend_check (dialog, "e2b")));
  g_assert_cmpstr (forge_open_dialog_get_backend (dialog), ==, "local");
  gtk_check_button_set_active (backend_check (dialog, "e2b"), TRUE);

  g_signal_connect (dialog, "open", G_CALLBACK (open_with_backend_cb), &opened_backend);
  forge_open_dialog_set_url (dialog, "owner/repo");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "open");
  g_assert_cmpstr (opened_backend, ==, "e2b");

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_settings_reset (settings, "default-backend");
}

static void
test_open_accessible (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(ForgeSandboxProviders) providers = providers_with (NO_KEY_REASON);
  const char *recent[] = { "https://github.com/octo/hello-world.git", NULL };
  ForgeOpenDialog *dialog;

  g_settings_set_strv (settings, "recent-urls", recent);
  dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, settings));
  forge_open_dialog_set_providers (dialog, providers);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (wait_for (widget_mapped, dialog));

  /* Entry, Choose Folder, the recent row, Cancel and Open at least, and
   * each backend's row and radio button (E2B's greyed, still named). */
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (dialog)), >=, 9);

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_settings_reset (settings, "recent-urls");
}

/* Runs view */

static ForgeStepInfo *
step (const char *id,
      gint64      started_at,
      guint       attempt,
      const char *error)
{
  return _forge_step_info_new (id, error ? FORGE_STEP_STATE_ERROR : FORGE_STEP_STATE_COMPLETE,
                               attempt, started_at, 1500, FALSE, error, NULL);
}

static void
retry_cb (GtkWidget  *view,
          const char *run_id,
          char      **retried)
{
  g_free (*retried);
  *retried = g_strdup (run_id);
}

static void
test_runs_view (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) minutes_ago = g_date_time_add_minutes (now, -2);
  g_autoptr(GDateTime) a_day_ago = g_date_time_add_days (now, -1);
  g_autoptr(GDateTime) yesterday = g_date_time_new_local (g_date_time_get_year (a_day_ago),
                                                          g_date_time_get_month (a_day_ago),
                                                          g_date_time_get_day_of_month (a_day_ago),
                                                          14, 2, 0);
  gint64 t0 = g_date_time_to_unix (minutes_ago) * 1000;
  g_autoptr(GPtrArray) failed_steps = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) done_steps = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GListStore) runs = g_list_store_new (FORGE_TYPE_RUN_INFO);
  g_autoptr(ForgeRunInfo) failed = NULL;
  g_autoptr(ForgeRunInfo) done = NULL;
  g_autoptr(GPtrArray) expanders = g_ptr_array_new ();
  g_autoptr(GPtrArray) action_rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GPtrArray) step_titles = g_ptr_array_new ();
  g_autofree char *retried = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = forge_runs_view_new ();
  GtkWidget *try_again = NULL;

  /* The journal's order is the order each step was first reached; a
   * repeated step ran later than that. */
  g_ptr_array_add (failed_steps, step (FORGE_STEP_GET_GITHUB_INTEGRATION, t0, 1, NULL));
  g_ptr_array_add (failed_steps, step (FORGE_STEP_CLONE_REPOSITORY, t0 + 10, 1, NULL));
  g_ptr_array_add (failed_steps, step (FORGE_STEP_START_PREVIEW_SERVER, t0 + 40, 1, NULL));
  g_ptr_array_add (failed_steps, step (FORGE_STEP_DETECT_FRAMEWORK, t0 + 20, 1, NULL));
  g_ptr_array_add (failed_steps, step (FORGE_STEP_INSTALL_DEPENDENCIES, t0 + 50, 1, NULL));
  g_ptr_array_add (failed_steps, step (FORGE_STEP_START_PREVIEW_SERVER ":1", t0 + 60, 2, "The dev server stopped"));
  failed = _forge_run_info_new ("run-failed", FORGE_CLONE_AND_PREVIEW_FUNCTION, FORGE_RUN_STATUS_FAILED,
                                NULL, t0, t0 + 70, 2, "The dev server stopped", NULL, failed_steps);

  g_ptr_array_add (done_steps, step (FORGE_STEP_CLONE_REPOSITORY, g_date_time_to_unix (yesterday) * 1000, 1, NULL));
  done = _forge_run_info_new ("run-done", FORGE_CLONE_AND_PREVIEW_FUNCTION, FORGE_RUN_STATUS_COMPLETED,
                              NULL, g_date_time_to_unix (yesterday) * 1000, g_date_time_to_unix (yesterday) * 1000 + 5000,
                              1, NULL, NULL, done_steps);

  g_list_store_append (runs, failed);
  g_list_store_append (runs, done);
  forge_runs_view_set_runs (FORGE_RUNS_VIEW (view), G_LIST_MODEL (runs));
  g_signal_connect (view, "retry", G_CALLBACK (retry_cb), &retried);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (widget_mapped, view));

  collect_rows (view, expanders, action_rows, buttons);
  g_assert_cmpuint (expanders->len, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (expanders->pdata[0]), ==, "Failed — 2 minutes ago");
  g_assert_cmpstr (adw_preferences_row_get_title (expanders->pdata[1]), ==, "Completed — yesterday at 14:02");

  /* The failed run's steps, by when they ran, as the steps page calls
   * them; the expander's own header row is not one of them. */
  for (guint i = 0; i < action_rows->len; i++)
    {
      GtkWidget *row = action_rows->pdata[i];

      if (!gtk_widget_is_ancestor (row, expanders->pdata[0]) ||
          g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "Failed"))
        continue;
      g_ptr_array_add (step_titles, (gpointer) adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
      /* Read, not focused. */
      g_assert_false (gtk_widget_get_focusable (row));
    }
  g_assert_cmpuint (step_titles->len, ==, 6);
  g_assert_cmpstr (step_titles->pdata[0], ==, forge_clone_and_preview_step_title (FORGE_STEP_GET_GITHUB_INTEGRATION));
  g_assert_cmpstr (step_titles->pdata[1], ==, "Clone repository");
  g_assert_cmpstr (step_titles->pdata[2], ==, forge_clone_and_preview_step_title (FORGE_STEP_DETECT_FRAMEWORK));
  g_assert_cmpstr (step_titles->pdata[3], ==, forge_clone_and_preview_step_title (FORGE_STEP_START_PREVIEW_SERVER));
  g_assert_cmpstr (step_titles->pdata[4], ==, forge_clone_and_preview_step_title (FORGE_STEP_INSTALL_DEPENDENCIES));
  g_assert_cmpstr (step_titles->pdata[5], ==, forge_clone_and_preview_step_title (FORGE_STEP_START_PREVIEW_SERVER));

  /* One verb: Try Again, on the failed run only. */
  for (guint i = 0; i < buttons->len; i++)
    {
      const char *label = gtk_button_get_label (buttons->pdata[i]);

      g_assert_false (label != NULL && strstr (label, "Retry") != NULL);
      if (g_strcmp0 (label, "_Try Again") == 0)
        {
          g_assert_null (try_again);
          try_again = buttons->pdata[i];
        }
    }
  g_assert_nonnull (try_again);
  g_assert_true (gtk_widget_is_ancestor (try_again, expanders->pdata[0]));
  g_signal_emit_by_name (try_again, "clicked");
  g_assert_cmpstr (retried, ==, "run-failed");

  forge_test_assert_controls_named (window);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The app icon */

static void
test_icon_in_resources (void)
{
  g_autoptr(GBytes) icon = NULL;
  g_autoptr(GBytes) symbolic = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeApplication) app = NULL;
  g_autoptr(GtkIconPaintable) paintable = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;
  GtkIconTheme *theme;

  icon = g_resources_lookup_data (RESOURCE_BASE "/icons/scalable/apps/" APP_ID ".svg", 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_get_size (icon) > 0);
  symbolic = g_resources_lookup_data (RESOURCE_BASE "/icons/symbolic/apps/" APP_ID "-symbolic.svg", 0, &error);
  g_assert_no_error (error);

  /* The application's start-up puts its resources' icons in the theme:
   * About finds the icon by the application id, from the build tree. */
  app = forge_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_assert_true (gtk_icon_theme_has_icon (theme, APP_ID));
  paintable = gtk_icon_theme_lookup_icon (theme, APP_ID, NULL, 128, 1, GTK_TEXT_DIR_NONE, 0);
  file = gtk_icon_paintable_get_file (paintable);
  g_assert_nonnull (file);
  uri = g_file_get_uri (file);
  g_assert_cmpstr (uri, ==, "resource://" RESOURCE_BASE "/icons/scalable/apps/" APP_ID ".svg");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *xdg_root = NULL;
  int status;

  /* Before anything reads HOME (g_get_home_dir() keeps the first). */
  forge_test_git_isolate ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  xdg_root = g_dir_make_tmp ("forge-dialogs-xdg-XXXXXX", NULL);
  forge_test_isolate_xdg (xdg_root);

  g_test_add_func ("/forge/dialogs/open/validates-after-pause", test_open_validates_after_pause);
  g_test_add_func ("/forge/dialogs/open/validates-on-activate", test_open_validates_on_activate);
  g_test_add_func ("/forge/dialogs/open/accepts-refs", test_open_accepts_refs);
  g_test_add_func ("/forge/dialogs/open/fixed-width", test_open_fixed_width);
  g_test_add_func ("/forge/dialogs/open/choose-folder", test_open_choose_folder);
  g_test_add_func ("/forge/dialogs/open/recents-by-name", test_open_recents_by_name);
  g_test_add_func ("/forge/dialogs/open/backend-choice", test_open_backend_choice);
  g_test_add_func ("/forge/dialogs/open/accessible", test_open_accessible);
  g_test_add_func ("/forge/dialogs/runs/order-titles-dates", test_runs_view);
  g_test_add_func ("/forge/dialogs/icon-in-resources", test_icon_in_resources);

  status = g_test_run ();
  forge_remove_tree (xdg_root, NULL);
  return status;
}
