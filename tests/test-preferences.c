/* test-preferences.c
 *
 * Runs on a session bus of its own (see tests/meson.build), with a
 * private keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <libsoup/soup.h>

#include "accessible-check.h"
#include "forge-e2b-config.h"
#include "forge-e2b-provider.h"
#include "forge-preferences-window-private.h"
#include "forge-sandbox-providers.h"
#include "forge-secrets.h"
#include "forge-fake-provider.h"
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

/* E2B */

static const char *
e2b_status (gpointer window)
{
  return forge_preferences_window_get_e2b_status (window);
}

static const char *
e2b_test_result (gpointer window)
{
  return forge_preferences_window_get_e2b_test_result (window);
}

/* Waits until @getter of @window reads @expected. */
static void
wait_for_text (ForgePreferencesWindow  *window,
               const char             *(*getter) (gpointer),
               const char              *expected)
{
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

  while (g_strcmp0 (getter (window), expected) != 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Read “%s”, expected “%s”", getter (window), expected);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
save_e2b_key (ForgePreferencesWindow *window,
              const char             *key)
{
  GtkEditable *key_row = forge_preferences_window_get_e2b_key_editable (window);

  gtk_editable_set_text (key_row, key);
  g_signal_emit_by_name (key_row, "apply");
  /* The entry lets go of the key at once. */
  g_assert_cmpstr (gtk_editable_get_text (key_row), ==, "");
  wait_for_text (window, e2b_status, "An API key is saved");
}

/* Until the provider heard the keyring's answer (it says it is still
 * looking until then), within a deadline. */
static void
wait_for_availability (ForgeE2bProvider *provider,
                       gboolean          available)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gboolean now = forge_sandbox_provider_is_available (FORGE_SANDBOX_PROVIDER (provider), &error);

      if (now == available && (now || strstr (error->message, "No E2B API key") != NULL))
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
test_e2b_key_saved_in_keyring (void)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeSandboxProviders) providers = forge_sandbox_providers_new ();
  g_autoptr(ForgeE2bProvider) e2b = NULL;
  const char *e2b_environ[] = { "E2B_DOMAIN=e2b.prefs.test", NULL };
  ForgePreferencesWindow *window;
  GtkEditable *key_row;
  GtkWidget *forget;
  char *key;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  /* Keys are kept per domain: E2B_DOMAIN as the window opens. */
  g_setenv ("E2B_DOMAIN", "e2b.prefs.test", TRUE);
  settings = g_settings_new (APP_ID);
  /* The backend lists ask the E2B backend, which answers from what the
   * keyring last said, never blocking on it: saving and forgetting here
   * must reach it. */
  e2b = forge_e2b_provider_new_for_environ (e2b_environ, TRUE);
  forge_sandbox_providers_add (providers, FORGE_SANDBOX_PROVIDER (e2b));
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, providers));
  g_unsetenv ("E2B_DOMAIN");
  key_row = forge_preferences_window_get_e2b_key_editable (window);
  forget = GTK_WIDGET (forge_preferences_window_get_e2b_forget_button (window));
  gtk_window_present (GTK_WINDOW (window));
  wait_for_text (window, e2b_status, "No API key saved");
  g_assert_false (gtk_widget_get_sensitive (forget));
  wait_for_availability (e2b, FALSE);

  /* Nothing but spaces is refused, with a reason, and stores nothing. */
  gtk_editable_set_text (key_row, "   ");
  g_signal_emit_by_name (key_row, "apply");
  g_assert_nonnull (forge_preferences_window_get_e2b_problem (window));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (key_row), "error"));
  g_assert_cmpstr (e2b_status (window), ==, "No API key saved");
  key = forge_secrets_lookup_e2b_key ("e2b.prefs.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (key);
  /* The token group is not touched by the E2B one. */
  g_assert_null (forge_preferences_window_get_token_problem (window));

  gtk_editable_set_text (key_row, "e2b_prefs_key");
  g_assert_null (forge_preferences_window_get_e2b_problem (window));
  save_e2b_key (window, "e2b_prefs_key");

  key = forge_secrets_lookup_e2b_key ("e2b.prefs.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "e2b_prefs_key");
  forge_secrets_free_token (key);
  wait_for_availability (e2b, TRUE);
  /* Under its domain only. */
  key = forge_secrets_lookup_e2b_key (FORGE_E2B_DEFAULT_DOMAIN, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (key);

  g_assert_true (gtk_widget_get_sensitive (forget));
  g_signal_emit_by_name (forget, "clicked");
  wait_for_text (window, e2b_status, "No API key saved");
  key = forge_secrets_lookup_e2b_key ("e2b.prefs.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (key);
  g_assert_false (gtk_widget_get_sensitive (forget));
  wait_for_availability (e2b, FALSE);

  gtk_window_destroy (GTK_WINDOW (window));
}

#define GOOD_KEY "e2b_good_test_key"

/* The E2B control plane, as far as Test Connection goes: GET
 * /v2/sandboxes with the right X-API-Key, and E2B's 401 otherwise. With
 * stall set, requests wait until the test lets them go. */
typedef struct
{
  SoupServer *server;
  char       *url;
  GPtrArray  *keys_seen;
  GPtrArray  *stalled;      /* SoupServerMessage */
  gboolean    stall;
} FakeE2b;

static void
fake_e2b_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  FakeE2b *fake = user_data;
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "X-API-Key");
  static const char unauthorized[] = "{\"code\":401,\"message\":\"Invalid API key, it must start with 'e2b_'\"}";

  g_ptr_array_add (fake->keys_seen, g_strdup (key));

  if (fake->stall)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (fake->stalled, g_object_ref (msg));
      return;
    }

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0 || !g_str_equal (path, "/v2/sandboxes"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (g_strcmp0 (key, GOOD_KEY) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, unauthorized, strlen (unauthorized));
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "[]", 2);
}

static void
fake_e2b_start (FakeE2b *fake)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  fake->server = soup_server_new (NULL, NULL);
  fake->keys_seen = g_ptr_array_new_with_free_func (g_free);
  fake->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (fake->server, NULL, fake_e2b_handler, fake, NULL);
  soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  fake->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
}

static void
fake_e2b_stop (FakeE2b *fake)
{
  for (guint i = 0; i < fake->stalled->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (fake->stalled, i);

      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (msg);
    }
  g_main_context_iteration (NULL, FALSE);
  soup_server_disconnect (fake->server);
  g_clear_object (&fake->server);
  g_clear_pointer (&fake->keys_seen, g_ptr_array_unref);
  g_clear_pointer (&fake->stalled, g_ptr_array_unref);
  g_clear_pointer (&fake->url, g_free);
}

static ForgePreferencesWindow *
window_for_fake (GSettings *settings,
                 FakeE2b   *fake)
{
  ForgePreferencesWindow *window;

  /* The window reads its E2B configuration from the environment once,
   * as it opens. */
  g_setenv ("E2B_API_URL", fake->url, TRUE);
  g_setenv ("E2B_DOMAIN", "e2b.connection.test", TRUE);
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  g_unsetenv ("E2B_API_URL");
  g_unsetenv ("E2B_DOMAIN");

  return window;
}

static void
test_e2b_test_connection (void)
{
  g_autoptr(GSettings) settings = NULL;
  FakeE2b fake = { 0 };
  ForgePreferencesWindow *window;
  GtkWidget *button;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  fake_e2b_start (&fake);
  settings = g_settings_new (APP_ID);
  window = window_for_fake (settings, &fake);
  button = GTK_WIDGET (forge_preferences_window_get_e2b_test_button (window));
  gtk_window_present (GTK_WINDOW (window));
  wait_for_text (window, e2b_status, "No API key saved");

  /* No key at all: says where to get one, without asking E2B. */
  g_signal_emit_by_name (button, "clicked");
  g_assert_false (gtk_widget_get_sensitive (button));
  wait_for_text (window, e2b_test_result,
                 "No E2B API key: create a key at https://e2b.dev/dashboard and add it in Preferences → Accounts");
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_cmpuint (fake.keys_seen->len, ==, 0);

  /* A key E2B refuses. */
  save_e2b_key (window, "e2b_wrong_key");
  g_signal_emit_by_name (button, "clicked");
  wait_for_text (window, e2b_test_result, "E2B refused the API key: check it in Preferences");
  g_assert_cmpuint (fake.keys_seen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fake.keys_seen, 0), ==, "e2b_wrong_key");

  /* The right one, read from the keyring: one line, and no key in it. */
  save_e2b_key (window, GOOD_KEY);
  g_signal_emit_by_name (button, "clicked");
  wait_for_text (window, e2b_test_result, "Connected to E2B");
  g_assert_cmpstr (g_ptr_array_index (fake.keys_seen, fake.keys_seen->len - 1), ==, GOOD_KEY);
  g_assert_true (gtk_widget_get_sensitive (button));

  g_signal_emit_by_name (forge_preferences_window_get_e2b_forget_button (window), "clicked");
  wait_for_text (window, e2b_status, "No API key saved");
  gtk_window_destroy (GTK_WINDOW (window));
  fake_e2b_stop (&fake);
}

/* A test still waiting for E2B when the window closes is cancelled: the
 * window goes at once, not when E2B answers. */
static void
test_e2b_test_cancelled_on_close (void)
{
  g_autoptr(GSettings) settings = NULL;
  FakeE2b fake = { 0 };
  ForgePreferencesWindow *window;
  gint64 deadline;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  fake_e2b_start (&fake);
  settings = g_settings_new (APP_ID);
  window = window_for_fake (settings, &fake);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_text (window, e2b_status, "No API key saved");
  save_e2b_key (window, GOOD_KEY);

  fake.stall = TRUE;
  g_signal_emit_by_name (forge_preferences_window_get_e2b_test_button (window), "clicked");
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (fake.stalled->len == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpstr (e2b_test_result (window), ==, "Testing…");

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_close (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (window != NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  fake_e2b_stop (&fake);
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

static void
test_limits (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ForgePreferencesWindow *window;

  /* The defaults, as people read them: gigabytes for memory and disk. */
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_memory_limit_spin (window)), ==, 4);
  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_disk_limit_spin (window)), ==, 10);
  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_process_limit_spin (window)), ==, 2048);

  /* Gigabytes in, megabytes stored; and back. */
  gtk_spin_button_set_value (forge_preferences_window_get_memory_limit_spin (window), 2.5);
  gtk_spin_button_set_value (forge_preferences_window_get_process_limit_spin (window), 512);
  g_assert_cmpuint (g_settings_get_uint (settings, "sandbox-memory-limit"), ==, 2560);
  g_assert_cmpuint (g_settings_get_uint (settings, "sandbox-process-limit"), ==, 512);
  g_settings_set_uint (settings, "workspace-disk-limit", 20480);
  g_assert_cmpfloat (gtk_spin_button_get_value (forge_preferences_window_get_disk_limit_spin (window)), ==, 20);

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "sandbox-memory-limit");
  g_settings_reset (settings, "sandbox-process-limit");
  g_settings_reset (settings, "workspace-disk-limit");
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
      g_autoptr(ForgeFakeProvider) provider = forge_fake_provider_new_named (names[i], reasons[i]);

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

  /* Three spin buttons, the backend row, host and token rows, Forget;
   * the E2B key row, its Forget, Test Connection and the keys link. */
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (window)), >=, 11);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* A key from the environment would stand in for the keyring's. */
  g_unsetenv ("E2B_API_KEY");
  g_unsetenv ("E2B_DEBUG");

  g_test_add_func ("/forge/preferences/token-saved-in-keyring", test_token_saved_in_keyring);
  g_test_add_func ("/forge/preferences/token-refuses-empty", test_token_refuses_empty);
  g_test_add_func ("/forge/preferences/e2b-key-saved-in-keyring", test_e2b_key_saved_in_keyring);
  g_test_add_func ("/forge/preferences/e2b-test-connection", test_e2b_test_connection);
  g_test_add_func ("/forge/preferences/e2b-test-cancelled-on-close", test_e2b_test_cancelled_on_close);
  g_test_add_func ("/forge/preferences/times-in-minutes", test_times_in_minutes);
  g_test_add_func ("/forge/preferences/limits", test_limits);
  g_test_add_func ("/forge/preferences/backends-only-available", test_backends_only_available);
  g_test_add_func ("/forge/preferences/accessible", test_accessible);

  skip_reason = forge_test_start_keyring ();
  status = g_test_run ();
  forge_test_stop_keyring ();
  g_free (skip_reason);

  return status;
}
