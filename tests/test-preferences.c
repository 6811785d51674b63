/* test-preferences.c
 *
 * Runs on a session bus of its own (see tests/meson.build), with a
 * private keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "accessible-check.h"
#include "forge-preferences-window-private.h"
#include "forge-sandbox-providers.h"
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
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  gtk_window_present (GTK_WINDOW (window));

  gtk_editable_set_text (forge_preferences_window_get_host_editable (window), "git.example.org");
  wait_for_status (window, "No token saved for git.example.org");

  gtk_editable_set_text (forge_preferences_window_get_token_editable (window), "tok-prefs-123");
  /* The row's apply button (or Enter) saves. */
  g_signal_emit_by_name (forge_preferences_window_get_token_editable (window), "apply");
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

static void
test_token_refuses_empty (void)
{
  g_autoptr(GSettings) settings = NULL;
  ForgePreferencesWindow *window;
  GtkEditable *token_row;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  settings = g_settings_new (APP_ID);
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  token_row = forge_preferences_window_get_token_editable (window);
  gtk_window_present (GTK_WINDOW (window));

  gtk_editable_set_text (forge_preferences_window_get_host_editable (window), "empty.example.org");
  wait_for_status (window, "No token saved for empty.example.org");

  /* Spaces are no token either. */
  gtk_editable_set_text (token_row, "  ");
  g_assert_null (forge_preferences_window_get_token_problem (window));
  g_signal_emit_by_name (token_row, "apply");
  g_assert_nonnull (forge_preferences_window_get_token_problem (window));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (token_row), "error"));
  /* Nothing went to the keyring. */
  g_assert_cmpstr (forge_preferences_window_get_token_status (window), ==, "No token saved for empty.example.org");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (forge_preferences_window_get_forget_button (window))));

  /* Typing a token takes the complaint away. */
  gtk_editable_set_text (token_row, "t");
  g_assert_null (forge_preferences_window_get_token_problem (window));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (token_row), "error"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_times_in_minutes (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ForgePreferencesWindow *window;

  g_settings_set_uint (settings, "keepalive-interval", 300);
  g_settings_set_uint (settings, "sandbox-timeout", 600);
  g_settings_set_uint (settings, "server-start-timeout", 1200);
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));

  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_keepalive_spin (window)), ==, 5);
  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_timeout_spin (window)), ==, 10);
  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_start_limit_spin (window)), ==, 20);
  g_assert_cmpstr (forge_preferences_window_get_keepalive_subtitle (window), ==, "Keep previews alive every 5 minutes");

  /* Minutes in, seconds stored. */
  gtk_spin_button_set_value (forge_preferences_window_get_keepalive_spin (window), 7);
  gtk_spin_button_set_value (forge_preferences_window_get_start_limit_spin (window), 1);
  g_assert_cmpuint (g_settings_get_uint (settings, "keepalive-interval"), ==, 420);
  g_assert_cmpuint (g_settings_get_uint (settings, "server-start-timeout"), ==, 60);
  g_assert_cmpuint (g_settings_get_uint (settings, "sandbox-timeout"), ==, 600);
  g_assert_cmpstr (forge_preferences_window_get_keepalive_subtitle (window), ==, "Keep previews alive every 7 minutes");

  gtk_spin_button_set_value (forge_preferences_window_get_keepalive_spin (window), 1);
  g_assert_cmpstr (forge_preferences_window_get_keepalive_subtitle (window), ==, "Keep previews alive every minute");

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "keepalive-interval");
  g_settings_reset (settings, "sandbox-timeout");
  g_settings_reset (settings, "server-start-timeout");
}

/* A backend that only says whether it works. */
#define TEST_TYPE_PROVIDER (test_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestProvider, test_provider, TEST, PROVIDER, GObject)

struct _TestProvider
{
  GObject  parent_instance;
  char    *name;
  char    *unavailable;   /* why not, or NULL when it works */
};

static const char *
test_provider_get_name (ForgeSandboxProvider *provider)
{
  return TEST_PROVIDER (provider)->name;
}

static gboolean
test_provider_is_available (ForgeSandboxProvider  *provider,
                            GError               **error)
{
  TestProvider *self = TEST_PROVIDER (provider);

  if (self->unavailable == NULL)
    return TRUE;

  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE, self->unavailable);
  return FALSE;
}

static void
test_provider_iface_init (ForgeSandboxProviderInterface *iface)
{
  iface->get_name = test_provider_get_name;
  iface->is_available = test_provider_is_available;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestProvider, test_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX_PROVIDER, test_provider_iface_init))

static void
test_provider_finalize (GObject *object)
{
  TestProvider *self = TEST_PROVIDER (object);

  g_free (self->name);
  g_free (self->unavailable);

  G_OBJECT_CLASS (test_provider_parent_class)->finalize (object);
}

static void
test_provider_class_init (TestProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_provider_finalize;
}

static void
test_provider_init (TestProvider *self)
{
}

static ForgeSandboxProviders *
providers_with (const char *local_unavailable,
                const char *e2b_unavailable)
{
  ForgeSandboxProviders *providers = g_object_new (FORGE_TYPE_SANDBOX_PROVIDERS, NULL);
  const char *names[] = { "local", "e2b" };
  const char *reasons[] = { local_unavailable, e2b_unavailable };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(TestProvider) provider = g_object_new (TEST_TYPE_PROVIDER, NULL);

      provider->name = g_strdup (names[i]);
      provider->unavailable = g_strdup (reasons[i]);
      forge_sandbox_providers_add (providers, FORGE_SANDBOX_PROVIDER (provider));
    }

  return providers;
}

static void
test_backends_only_available (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(ForgeSandboxProviders) one = providers_with (NULL, "No E2B API key is set");
  g_autoptr(ForgeSandboxProviders) both = providers_with (NULL, NULL);
  ForgePreferencesWindow *window;
  AdwComboRow *row;
  GListModel *model;

  /* One that works: shown, nothing to choose, the other's reason said. */
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, one));
  row = forge_preferences_window_get_backend_row (window);
  model = adw_combo_row_get_model (row);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==, "This Computer");
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  g_assert_false (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "E2B Cloud: No E2B API key is set");
  gtk_window_destroy (GTK_WINDOW (window));

  /* Both work: a choice, and the choice is stored. */
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, both));
  row = forge_preferences_window_get_backend_row (window);
  model = adw_combo_row_get_model (row);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  adw_combo_row_set_selected (row, 1);
  g_assert_cmpstr (g_settings_get_string (settings, "default-backend"), ==, "e2b");
  gtk_window_destroy (GTK_WINDOW (window));

  g_settings_reset (settings, "default-backend");
}

static void
test_accessible (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ForgePreferencesWindow *window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));

  /* Three spin buttons, the backend row, host and token rows, Forget. */
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (window)), >=, 7);

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
  g_test_add_func ("/forge/preferences/token-refuses-empty", test_token_refuses_empty);
  g_test_add_func ("/forge/preferences/times-in-minutes", test_times_in_minutes);
  g_test_add_func ("/forge/preferences/backends-only-available", test_backends_only_available);
  g_test_add_func ("/forge/preferences/accessible", test_accessible);

  skip_reason = forge_test_start_keyring ();
  status = g_test_run ();
  forge_test_stop_keyring ();
  g_free (skip_reason);

  return status;
}
