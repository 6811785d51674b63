/* test-preferences.c
 *
 * Runs on a session bus of its own (see tests/meson.build), with a
 * private keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "forge-preferences-window-private.h"
#include "forge-secrets.h"
#include "git-test-util.h"
#include "keyring-util.h"

static char *skip_reason;

static gboolean
status_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (forge_preferences_window_get_token_status (args[0]), args[1]) == 0;
}

static void
wait_for_status (ForgePreferencesWindow *window,
                 const char             *status)
{
  gpointer args[] = { window, (gpointer) status };
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

  while (!status_is (args))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Status stayed “%s”, expected “%s”", forge_preferences_window_get_token_status (window), status);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
test_token_saved_in_keyring (void)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  ForgePreferencesWindow *window;
  char *token;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  settings = g_settings_new (APP_ID);
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings));
  gtk_window_present (GTK_WINDOW (window));

  gtk_editable_set_text (forge_preferences_window_get_host_editable (window), "git.example.org");
  wait_for_status (window, "No token saved for git.example.org");

  gtk_editable_set_text (forge_preferences_window_get_token_editable (window), "tok-prefs-123");
  g_signal_emit_by_name (forge_preferences_window_get_save_button (window), "clicked");
  /* The entry lets go of the secret at once. */
  g_assert_cmpstr (gtk_editable_get_text (forge_preferences_window_get_token_editable (window)), ==, "");
  wait_for_status (window, "A token for git.example.org is saved");

  token = forge_secrets_lookup_token ("git.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-prefs-123");
  forge_secrets_free_token (token);

  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (forge_preferences_window_get_forget_button (window))));
  g_signal_emit_by_name (forge_preferences_window_get_forget_button (window), "clicked");
  wait_for_status (window, "No token saved for git.example.org");
  token = forge_secrets_lookup_token ("git.example.org", NULL, &error);
  g_assert_null (token);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/forge/preferences/token-saved-in-keyring", test_token_saved_in_keyring);

  skip_reason = forge_test_start_keyring ();
  status = g_test_run ();
  forge_test_stop_keyring ();
  g_free (skip_reason);

  return status;
}
