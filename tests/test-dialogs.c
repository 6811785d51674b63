/* test-dialogs.c
 *
 * The Open dialog, the Runs view and the app icon, under Xvfb. The Open
 * dialog's repository picker talks to the GitHub stand-in with a token
 * from a private keyring, so this runs under a session bus of its own.
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
#include "forge-github-host.h"
#include "forge-branch-dialog-private.h"
#include "forge-github-standin.h"
#include "forge-repository-row.h"
#include "forge-secrets.h"
#include "git-test-util.h"
#include "keyring-util.h"

/* Why the keyring tests are skipped, or NULL. */
static char *keyring_skip_reason;

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

/* Your Repositories */

#define OCTO_TOKEN "gho_octo_picker_token"
#define WRONG_TOKEN "gho_not_a_users_token"
#define N_REPOSITORIES 45
#define PER_PAGE 20

typedef struct
{
  ForgeGithubStandin *standin;
  char               *host;      /* the keyring key: 127.0.0.1:PORT */
  GSettings          *settings;
  ForgeOpenDialog    *dialog;
} Picker;

/* octo's repositories, site-00 pushed an hour ago, site-01 a day before
 * that and so on; every seventh private. The last five (on the third
 * page at 20 a page) are "needle-NN", for a search to find. */
static void
add_repositories (ForgeGithubStandin *standin)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < N_REPOSITORIES; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%02u", i < N_REPOSITORIES - 5 ? "site" : "needle", i);

      forge_github_standin_add_repository (standin, "octo", name, i % 7 == 3,
                                           i % 2 == 0 ? "A web project" : NULL,
                                           now - i * 24 * 3600 - 3600);
    }
}

static gboolean
picker_setup (Picker     *picker,
              const char *token)
{
  g_autoptr(ForgeGithubHost) host = NULL;
  g_autoptr(GError) error = NULL;

  if (keyring_skip_reason != NULL)
    {
      g_test_skip (keyring_skip_reason);
      return FALSE;
    }

  picker->standin = forge_github_standin_new ();
  forge_github_standin_add_user (picker->standin, "octo", "Octo Cat", OCTO_TOKEN);
  add_repositories (picker->standin);

  /* As for gh: the environment says which GitHub, over the setting. */
  g_setenv ("GITHUB_API_URL", forge_github_standin_get_base (picker->standin), TRUE);
  host = forge_github_host_new (NULL, forge_github_standin_get_base (picker->standin), &error);
  g_assert_no_error (error);
  picker->host = g_strdup (forge_github_host_get_name (host));

  if (token != NULL)
    forge_secrets_store_token (picker->host, token, NULL, &error);
  else
    forge_secrets_clear_token (picker->host, NULL, &error);
  g_assert_no_error (error);

  picker->settings = fresh_settings ();
  return TRUE;
}

static void
picker_open (Picker *picker)
{
  picker->dialog = FORGE_OPEN_DIALOG (forge_open_dialog_new (NULL, picker->settings));
  g_object_ref (picker->dialog);
  forge_open_dialog_set_page_size (picker->dialog, PER_PAGE);
  gtk_window_present (GTK_WINDOW (picker->dialog));
}

static void
picker_teardown (Picker *picker)
{
  g_autoptr(GError) error = NULL;

  if (picker->dialog != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (picker->dialog));
      g_clear_object (&picker->dialog);
    }
  if (picker->host != NULL)
    forge_secrets_clear_token (picker->host, NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("GITHUB_API_URL");
  g_clear_pointer (&picker->standin, forge_github_standin_free);
  g_clear_pointer (&picker->host, g_free);
  g_clear_object (&picker->settings);
}

static gboolean
picker_idle (gpointer data)
{
  ForgeOpenDialog *dialog = data;

  return forge_open_dialog_get_repository_section (dialog) != NULL &&
         !forge_open_dialog_get_repositories_loading (dialog);
}

static void
wait_idle (ForgeOpenDialog *dialog)
{
  g_assert_true (wait_for (picker_idle, dialog));
}

static guint
n_loaded (ForgeOpenDialog *dialog)
{
  return g_list_model_get_n_items (forge_open_dialog_get_repositories (dialog));
}

static GPtrArray *
shown_rows (ForgeOpenDialog *dialog)
{
  GPtrArray *rows = g_ptr_array_new ();
  GtkWidget *list = GTK_WIDGET (forge_open_dialog_get_repository_list (dialog));

  if (!gtk_widget_get_visible (list))
    return rows;
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (FORGE_IS_REPOSITORY_ROW (row))
      g_ptr_array_add (rows, row);

  return rows;
}

static ForgeRepositoryRow *
row_named (ForgeOpenDialog *dialog,
           const char      *full_name)
{
  g_autoptr(GPtrArray) rows = shown_rows (dialog);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (adw_preferences_row_get_title (rows->pdata[i]), full_name))
      return rows->pdata[i];

  return NULL;
}

typedef struct
{
  ForgeOpenDialog *dialog;
  guint            n;
} CountWait;

static gboolean
loaded_at_least (gpointer data)
{
  CountWait *wait = data;

  return n_loaded (wait->dialog) >= wait->n && !forge_open_dialog_get_repositories_loading (wait->dialog);
}

/* Once the rows last added are laid out, there is further down to go. */
static gboolean
not_at_end (gpointer data)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (data);

  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) + 1 <
         gtk_adjustment_get_upper (adjustment);
}

/* As a person does: drags the scroll bar to the end of the list. */
static void
scroll_to_end (ForgeOpenDialog *dialog)
{
  GtkScrolledWindow *scroller = forge_open_dialog_get_repository_scroller (dialog);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);

  g_assert_true (wait_for (not_at_end, scroller));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
}

static void
test_picker_pages (void)
{
  Picker picker = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  CountWait wait;
  ForgeRepositoryRow *row;
  g_autofree char *mismatch = NULL;

  if (!picker_setup (&picker, OCTO_TOKEN))
    return;
  picker_open (&picker);
  g_assert_true (wait_for (widget_mapped, picker.dialog));
  wait_idle (picker.dialog);

  /* The first page, most recently pushed first, and nothing more until
   * the list is scrolled. */
  g_assert_cmpstr (forge_open_dialog_get_repository_section (picker.dialog), ==, "list");
  g_assert_cmpuint (n_loaded (picker.dialog), ==, PER_PAGE);
  rows = shown_rows (picker.dialog);
  g_assert_cmpuint (rows->len, ==, PER_PAGE);
  g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[0]), ==, "octo/site-00");
  g_assert_cmpstr (adw_action_row_get_subtitle (rows->pdata[0]), ==, "main · pushed 1 hour ago");
  g_assert_null (forge_open_dialog_get_repository_status (picker.dialog));
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 1);
  /* With the token from the keyring, and only that. */
  g_assert_cmpuint (forge_github_standin_count_authorization (picker.standin, OCTO_TOKEN), ==, 1);
  g_assert_cmpuint (forge_github_standin_count_foreign_authorization (picker.standin), ==, 0);

  /* Private ones say so, to the eye and to screen readers; others
   * don't. */
  row = row_named (picker.dialog, "octo/site-03");
  g_assert_nonnull (row);
  g_assert_true (forge_repository_row_shows_private (row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "main · pushed 3 days ago");
  mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, "octo/site-03");
  g_assert_null (mismatch);
  mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                                 "Private, default branch main, pushed 3 days ago");
  g_assert_null (mismatch);
  row = row_named (picker.dialog, "octo/site-04");
  g_assert_false (forge_repository_row_shows_private (row));
  mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                                 "default branch main, pushed 4 days ago");
  g_assert_null (mismatch);

  /* Scrolled to the end: the next page, then the last. */
  scroll_to_end (picker.dialog);
  wait = (CountWait) { picker.dialog, 2 * PER_PAGE };
  g_assert_true (wait_for (loaded_at_least, &wait));
  g_assert_cmpuint (n_loaded (picker.dialog), ==, 2 * PER_PAGE);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 2);

  scroll_to_end (picker.dialog);
  wait = (CountWait) { picker.dialog, N_REPOSITORIES };
  g_assert_true (wait_for (loaded_at_least, &wait));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = shown_rows (picker.dialog);
  g_assert_cmpuint (rows->len, ==, N_REPOSITORIES);
  g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[N_REPOSITORIES - 1]), ==, "octo/needle-44");
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 3);

  /* All there: the end asks for nothing more. */
  g_signal_emit_by_name (forge_open_dialog_get_repository_scroller (picker.dialog), "edge-reached", GTK_POS_BOTTOM);
  g_assert_false (forge_open_dialog_get_repositories_loading (picker.dialog));
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 3);

  /* Every control named: the search, the rows. */
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (picker.dialog)), >=, N_REPOSITORIES + 4);

  picker_teardown (&picker);
}

typedef struct
{
  ForgeOpenDialog *dialog;
  guint            n_rows;
} RowsWait;

static gboolean
rows_shown (gpointer data)
{
  RowsWait *wait = data;
  g_autoptr(GPtrArray) rows = shown_rows (wait->dialog);

  return rows->len == wait->n_rows && !forge_open_dialog_get_repositories_loading (wait->dialog);
}

static gboolean
status_shown (gpointer data)
{
  return forge_open_dialog_get_repository_status (data) != NULL &&
         !forge_open_dialog_get_repositories_loading (data);
}

static void
test_picker_search (void)
{
  Picker picker = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  GtkEditable *search;
  RowsWait wait;

  if (!picker_setup (&picker, OCTO_TOKEN))
    return;
  picker_open (&picker);
  wait_idle (picker.dialog);
  g_assert_cmpuint (n_loaded (picker.dialog), ==, PER_PAGE);
  search = forge_open_dialog_get_search_editable (picker.dialog);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (search)));

  /* A name from the first page: found there, no other page asked for
   * while enough match. */
  type_text (search, "site-1");
  wait = (RowsWait) { picker.dialog, 10 };
  g_assert_true (wait_for (rows_shown, &wait));
  g_assert_cmpuint (n_loaded (picker.dialog), ==, PER_PAGE);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 1);

  /* What only the last page holds: pages load until it is found. Case
   * does not matter. */
  gtk_editable_set_text (search, "");
  type_text (search, "NEEDLE");
  wait = (RowsWait) { picker.dialog, 5 };
  g_assert_true (wait_for (rows_shown, &wait));
  g_assert_cmpuint (n_loaded (picker.dialog), ==, N_REPOSITORIES);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 3);
  rows = shown_rows (picker.dialog);
  for (guint i = 0; i < rows->len; i++)
    g_assert_true (g_str_has_prefix (adw_preferences_row_get_title (rows->pdata[i]), "octo/needle-"));
  g_assert_null (forge_open_dialog_get_repository_status (picker.dialog));

  /* The description counts too. */
  gtk_editable_set_text (search, "web project");
  wait = (RowsWait) { picker.dialog, 23 };
  g_assert_true (wait_for (rows_shown, &wait));

  /* Nothing anywhere: said so, once all was read. */
  gtk_editable_set_text (search, "no-such-thing");
  g_assert_true (wait_for (status_shown, picker.dialog));
  g_assert_cmpstr (forge_open_dialog_get_repository_status (picker.dialog), ==, "No repositories match “no-such-thing”");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (forge_open_dialog_get_repository_list (picker.dialog))));
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 3);

  /* Cleared: all of them again. */
  gtk_editable_set_text (search, "");
  wait = (RowsWait) { picker.dialog, N_REPOSITORIES };
  g_assert_true (wait_for (rows_shown, &wait));
  g_assert_null (forge_open_dialog_get_repository_status (picker.dialog));

  picker_teardown (&picker);
}

static void
test_picker_fills_entry (void)
{
  Picker picker = { 0 };
  g_autofree char *expected = NULL;
  g_autofree char *with_branch = NULL;
  g_autofree char *opened = NULL;
  GtkEditable *entry;
  ForgeRepositoryRow *row;

  if (!picker_setup (&picker, OCTO_TOKEN))
    return;
  picker_open (&picker);
  wait_idle (picker.dialog);
  g_signal_connect (picker.dialog, "open", G_CALLBACK (open_cb), &opened);
  entry = forge_open_dialog_get_url_editable (picker.dialog);

  /* The repository's page on the host, in the entry; nothing opened
   * yet, and the cursor after it for a /tree/BRANCH. */
  expected = g_strdup_printf ("%s/octo/site-05", forge_github_standin_get_base (picker.standin));
  row = row_named (picker.dialog, "octo/site-05");
  g_signal_emit_by_name (forge_open_dialog_get_repository_list (picker.dialog), "row-activated", row);
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, expected);
  g_assert_null (forge_open_dialog_get_error (picker.dialog));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (picker.dialog), "open"));
  g_assert_null (opened);
  g_assert_cmpint (gtk_editable_get_position (entry), ==, (int) g_utf8_strlen (expected, -1));

  type_text (entry, "/tree/dev");
  with_branch = g_strconcat (expected, "/tree/dev", NULL);
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (opened, ==, with_branch);

  picker_teardown (&picker);
}

static void
test_picker_rate_limited (void)
{
  Picker picker = { 0 };
  gint64 reset = g_get_real_time () / G_USEC_PER_SEC + 20 * 60;
  g_autoptr(GDateTime) reset_time = g_date_time_new_from_unix_local (reset);
  g_autofree char *at = g_date_time_format (reset_time, "%H:%M");
  g_autofree char *expected = g_strdup_printf ("GitHub rate limit reached, resets at %s", at);
  GtkWidget *try_again;

  if (!picker_setup (&picker, OCTO_TOKEN))
    return;
  forge_github_standin_set_rate_limited (picker.standin, reset);
  picker_open (&picker);
  g_assert_true (wait_for (widget_mapped, picker.dialog));
  wait_idle (picker.dialog);

  /* In place of the list, with when it ends and a way to try again. */
  g_assert_cmpstr (forge_open_dialog_get_repository_status (picker.dialog), ==, expected);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (forge_open_dialog_get_repository_list (picker.dialog))));
  try_again = forge_open_dialog_get_try_again_button (picker.dialog);
  g_assert_true (gtk_widget_is_visible (try_again));
  g_assert_true (gtk_widget_is_sensitive (try_again));
  forge_test_assert_controls_named (GTK_WIDGET (picker.dialog));

  /* Not by itself: scrolling does not hammer a limited API. */
  g_signal_emit_by_name (forge_open_dialog_get_repository_scroller (picker.dialog), "edge-reached", GTK_POS_BOTTOM);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 1);

  forge_github_standin_set_rate_limited (picker.standin, 0);
  g_signal_emit_by_name (try_again, "clicked");
  wait_idle (picker.dialog);
  g_assert_cmpuint (n_loaded (picker.dialog), ==, PER_PAGE);
  g_assert_null (forge_open_dialog_get_repository_status (picker.dialog));
  g_assert_false (gtk_widget_get_visible (try_again));

  picker_teardown (&picker);
}

static void
test_picker_refused_token (void)
{
  Picker picker = { 0 };

  if (!picker_setup (&picker, WRONG_TOKEN))
    return;
  picker_open (&picker);
  wait_idle (picker.dialog);

  g_assert_cmpstr (forge_open_dialog_get_repository_status (picker.dialog), ==,
                   "GitHub refused the token: reconnect in Preferences");
  g_assert_true (gtk_widget_is_visible (forge_open_dialog_get_try_again_button (picker.dialog)));

  /* Reconnected meanwhile: Try Again reads the keyring again. */
  {
    g_autoptr(GError) error = NULL;

    forge_secrets_store_token (picker.host, OCTO_TOKEN, NULL, &error);
    g_assert_no_error (error);
  }
  g_signal_emit_by_name (forge_open_dialog_get_try_again_button (picker.dialog), "clicked");
  wait_idle (picker.dialog);
  g_assert_cmpuint (n_loaded (picker.dialog), ==, PER_PAGE);
  g_assert_null (forge_open_dialog_get_repository_status (picker.dialog));

  picker_teardown (&picker);
}

static void
test_picker_offline (void)
{
  Picker picker = { 0 };
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *host = NULL;
  const char *status;

  if (!picker_setup (&picker, NULL))
    return;

  /* A port on this computer that nothing answers on: bound, never
   * listening. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any_port, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  host = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  api_url = g_strdup_printf ("http://%s", host);
  g_setenv ("GITHUB_API_URL", api_url, TRUE);
  forge_secrets_store_token (host, OCTO_TOKEN, NULL, &error);
  g_assert_no_error (error);

  picker_open (&picker);
  g_assert_true (wait_for (status_shown, picker.dialog));
  status = forge_open_dialog_get_repository_status (picker.dialog);
  g_assert_true (g_str_has_prefix (status, "Could not reach GitHub at "));
  g_assert_null (strchr (status, '\n'));
  g_assert_null (strstr (status, OCTO_TOKEN));
  g_assert_true (gtk_widget_is_visible (forge_open_dialog_get_try_again_button (picker.dialog)));

  forge_secrets_clear_token (host, NULL, &error);
  g_assert_no_error (error);
  picker_teardown (&picker);
}

static void
test_picker_no_token (void)
{
  Picker picker = { 0 };
  g_autoptr(GPtrArray) expanders = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  gboolean hint_found = FALSE;

  if (!picker_setup (&picker, NULL))
    return;
  picker_open (&picker);
  wait_idle (picker.dialog);

  /* A hint, not a list, and GitHub is not asked at all. */
  g_assert_cmpstr (forge_open_dialog_get_repository_section (picker.dialog), ==, "hint");
  collect_rows (GTK_WIDGET (picker.dialog), expanders, rows, buttons);
  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_is_visible (rows->pdata[i]) &&
        g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]),
                   "Connect GitHub in Preferences to pick from your repositories") == 0)
      hint_found = TRUE;
  g_assert_true (hint_found);
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (forge_open_dialog_get_search_editable (picker.dialog))));
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, NULL), ==, 0);

  /* The address still works. */
  forge_open_dialog_set_url (picker.dialog, "octo/site");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (picker.dialog), "open"));
  forge_test_assert_controls_named (GTK_WIDGET (picker.dialog));

  picker_teardown (&picker);
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () > *(gint64 *) data;
}

/* Lets whatever was under way finish, or not. */
static void
settle (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  g_assert_true (wait_for (time_passed, &until));
}

static void
test_picker_close_cancels (void)
{
  Picker picker = { 0 };
  ForgeOpenDialog *dialog;

  if (!picker_setup (&picker, OCTO_TOKEN))
    return;

  /* Closed while the keyring is asked: GitHub never is. */
  picker_open (&picker);
  dialog = picker.dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_close (GTK_WINDOW (picker.dialog));
  g_clear_object (&picker.dialog);
  settle (1000);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, NULL), ==, 0);
  /* And the answers that came after let it go. */
  g_assert_null (dialog);

  /* Closed while a search reads page after page: the one on its way may
   * arrive, none is asked for after it. */
  picker_open (&picker);
  wait_idle (picker.dialog);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), ==, 1);
  gtk_editable_set_text (forge_open_dialog_get_search_editable (picker.dialog), "no-such-thing");
  g_signal_emit_by_name (forge_open_dialog_get_search_editable (picker.dialog), "search-changed");
  g_assert_true (forge_open_dialog_get_repositories_loading (picker.dialog));
  /* Under the list meanwhile, as a spinner row. */
  g_assert_cmpstr (forge_open_dialog_get_repository_status (picker.dialog), ==, "Loading repositories…");
  dialog = picker.dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (picker.dialog), "cancel");
  gtk_window_close (GTK_WINDOW (picker.dialog));
  g_clear_object (&picker.dialog);
  settle (1000);
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/user/repos"), <=, 2);
  g_assert_null (dialog);

  picker_teardown (&picker);
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

/* {{{ Switch Branch */

static guint
count_branch_rows (GtkWidget *widget)
{
  guint n = GTK_IS_LIST_BOX_ROW (widget) && g_object_get_data (G_OBJECT (widget), "forge-branch") != NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    n += count_branch_rows (child);
  return n;
}

static GtkListBoxRow *
branch_row (GtkWidget  *widget,
            const char *branch)
{
  if (GTK_IS_LIST_BOX_ROW (widget) && g_strcmp0 (g_object_get_data (G_OBJECT (widget), "forge-branch"), branch) == 0)
    return GTK_LIST_BOX_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkListBoxRow *row = branch_row (child, branch);

      if (row != NULL)
        return row;
    }
  return NULL;
}

static gboolean
six_branches (gpointer data)
{
  return count_branch_rows (data) == 6;
}

static void
branch_chosen (ForgeBranchDialog *dialog,
               const char        *ref,
               char             **chosen)
{
  g_free (*chosen);
  *chosen = g_strdup (ref);
}

/* A repository on GitHub: its branches come from the API, page after
 * page, with the account's token; the current one is selected. */
static void
test_branch_dialog_github (void)
{
  Picker picker = { 0 };
  g_autoptr(ForgeGithubHost) host = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *chosen = NULL;
  GtkWidget *dialog;
  GtkListBoxRow *current;

  if (!picker_setup (&picker, OCTO_TOKEN))
    return;
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *branch = g_strdup_printf ("feature-%u", i);

      forge_github_standin_add_branch (picker.standin, "octo", "site-00", branch);
    }
  host = forge_github_host_new (NULL, forge_github_standin_get_base (picker.standin), &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("%s/octo/site-00.git", forge_github_standin_get_base (picker.standin));

  dialog = forge_branch_dialog_new (NULL, url, "refs/heads/feature-3", host);
  g_object_ref (dialog);
  _forge_branch_dialog_set_per_page (FORGE_BRANCH_DIALOG (dialog), 2);
  g_signal_connect (dialog, "switch", G_CALLBACK (branch_chosen), &chosen);
  gtk_window_present (GTK_WINDOW (dialog));

  g_assert_true (wait_for (six_branches, dialog));
  g_assert_cmpuint (forge_github_standin_count_requests (picker.standin, "/repos/octo/site-00/branches"), >=, 3);
  g_assert_cmpuint (forge_github_standin_count_foreign_authorization (picker.standin), ==, 0);
  g_assert_cmpuint (forge_github_standin_count_authorization (picker.standin, OCTO_TOKEN), >=, 4);

  /* The current branch selected; switching to it is nothing to do. */
  current = branch_row (dialog, "feature-3");
  g_assert_true (gtk_list_box_row_is_selected (current));
  g_assert_true (gtk_widget_activate_action (dialog, "branch.switch", NULL));
  g_assert_null (chosen);

  gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (branch_row (dialog, "feature-5")))),
                           branch_row (dialog, "feature-5"));
  g_assert_true (gtk_widget_activate_action (dialog, "branch.switch", NULL));
  g_assert_cmpstr (chosen, ==, "refs/heads/feature-5");

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  picker.dialog = NULL;
  picker_teardown (&picker);
}

/* }}} */

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
  g_test_add_func ("/forge/dialogs/branch/github", test_branch_dialog_github);
  g_test_add_func ("/forge/dialogs/open/validates-on-activate", test_open_validates_on_activate);
  g_test_add_func ("/forge/dialogs/open/accepts-refs", test_open_accepts_refs);
  g_test_add_func ("/forge/dialogs/open/fixed-width", test_open_fixed_width);
  g_test_add_func ("/forge/dialogs/open/choose-folder", test_open_choose_folder);
  g_test_add_func ("/forge/dialogs/open/recents-by-name", test_open_recents_by_name);
  g_test_add_func ("/forge/dialogs/open/backend-choice", test_open_backend_choice);
  g_test_add_func ("/forge/dialogs/open/accessible", test_open_accessible);
  g_test_add_func ("/forge/dialogs/open/picker/pages", test_picker_pages);
  g_test_add_func ("/forge/dialogs/open/picker/search", test_picker_search);
  g_test_add_func ("/forge/dialogs/open/picker/fills-entry", test_picker_fills_entry);
  g_test_add_func ("/forge/dialogs/open/picker/rate-limited", test_picker_rate_limited);
  g_test_add_func ("/forge/dialogs/open/picker/refused-token", test_picker_refused_token);
  g_test_add_func ("/forge/dialogs/open/picker/offline", test_picker_offline);
  g_test_add_func ("/forge/dialogs/open/picker/no-token", test_picker_no_token);
  g_test_add_func ("/forge/dialogs/open/picker/close-cancels", test_picker_close_cancels);
  g_test_add_func ("/forge/dialogs/runs/order-titles-dates", test_runs_view);
  g_test_add_func ("/forge/dialogs/icon-in-resources", test_icon_in_resources);

  /* Which GitHub is the test's to say, per test. */
  g_unsetenv ("GH_HOST");
  g_unsetenv ("GITHUB_API_URL");
  keyring_skip_reason = forge_test_start_keyring ();

  status = g_test_run ();
  forge_test_stop_keyring ();
  g_clear_pointer (&keyring_skip_reason, g_free);
  forge_remove_tree (xdg_root, NULL);
  return status;
}
