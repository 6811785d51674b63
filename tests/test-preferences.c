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
#include "forge-github-connect-window-private.h"
#include "forge-github-device-flow.h"
#include "forge-github-standin.h"
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

/* GitHub */

#define TEST_CLIENT_ID "forge-test-client"

typedef struct
{
  ForgeGithubStandin     *standin;
  GSettings              *settings;
  ForgePreferencesWindow *window;
  const char             *host;      /* "127.0.0.1:PORT": the keyring key */
} GithubFixture;

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Runs the main context for a while, whatever happens. */
static void
spin_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
github_disconnected (gpointer window)
{
  return gtk_widget_get_visible (GTK_WIDGET (forge_preferences_window_get_github_token_editable (window))) &&
         forge_preferences_window_get_github_notice (window) == NULL;
}

static gboolean
github_connected (gpointer window)
{
  return forge_preferences_window_get_github_account_title (window) != NULL;
}

static gboolean
connect_window_gone (gpointer window)
{
  return forge_preferences_window_get_github_connect_window (window) == NULL;
}

static gboolean
token_problem_said (gpointer window)
{
  return forge_preferences_window_get_github_token_problem (window) != NULL;
}

static gboolean
avatar_loaded (gpointer window)
{
  return adw_avatar_get_custom_image (forge_preferences_window_get_github_avatar (window)) != NULL;
}

typedef struct
{
  ForgeGithubConnectWindow *window;
  const char               *page;
} PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *wait = data;

  return g_strcmp0 (forge_github_connect_window_get_page (wait->window), wait->page) == 0;
}

static void
wait_for_page (ForgeGithubConnectWindow *window,
               const char               *page)
{
  PageWait wait = { window, page };

  wait_until (page_is, &wait, page);
}

typedef struct
{
  ForgePreferencesWindow *window;
  const char             *notice;
} NoticeWait;

static gboolean
notice_is (gpointer data)
{
  NoticeWait *wait = data;

  return g_strcmp0 (forge_preferences_window_get_github_notice (wait->window), wait->notice) == 0;
}

static void
wait_for_github_notice (ForgePreferencesWindow *window,
                        const char             *notice)
{
  NoticeWait wait = { window, notice };

  wait_until (notice_is, &wait, notice);
}

/* A small PNG for the avatar. */
static GBytes *
make_png (void)
{
  static const guint8 pixel[4] = { 0x33, 0x66, 0x99, 0xff };
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  for (guint i = 0; i < 8 * 8; i++)
    g_byte_array_append (data, pixel, sizeof pixel);
  pixels = g_byte_array_free_to_bytes (g_steal_pointer (&data));
  texture = gdk_memory_texture_new (8, 8, GDK_MEMORY_R8G8B8A8, pixels, 8 * 4);

  return gdk_texture_save_to_png_bytes (texture);
}

/* The stand-in with its users, the app pointed at it the way users point
 * it at a GitHub Enterprise Server: the "github-host" setting. */
static void
github_fixture_set_up (GithubFixture *fixture,
                       const char    *client_id)
{
  g_autoptr(GBytes) png = make_png ();

  fixture->standin = forge_github_standin_new ();
  forge_github_standin_add_user (fixture->standin, "octocat", "The Octocat", "gho_device_token");
  forge_github_standin_add_user (fixture->standin, "monalisa", NULL, "ghp_good_token");
  forge_github_standin_override (fixture->standin, "/avatars/octocat", 200, png);
  fixture->host = forge_github_standin_get_base (fixture->standin) + strlen ("http://");

  fixture->settings = g_settings_new (APP_ID);
  g_settings_set_string (fixture->settings, "github-host", fixture->host);
  g_settings_set_string (fixture->settings, "github-client-id", client_id);

  fixture->window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (fixture->settings, NULL));
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until (github_disconnected, fixture->window, "the GitHub group to offer Connect");
}

static void
github_fixture_tear_down (GithubFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  forge_secrets_clear_token (fixture->host, NULL, &error);
  g_assert_no_error (error);
  g_settings_reset (fixture->settings, "github-host");
  g_settings_reset (fixture->settings, "github-client-id");
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->standin, forge_github_standin_free);
}

static void
set_script (GithubFixture               *fixture,
            guint                        pending,
            ForgeGithubStandinDeviceEnd  end)
{
  ForgeGithubStandinDeviceScript script = {
    .client_id = TEST_CLIENT_ID,
    .interval = 1,
    .expires_in = 900,
    .pending = pending,
    .end = end,
    .token = "gho_device_token",
  };

  forge_github_standin_set_device_script (fixture->standin, &script);
}

static ForgeGithubConnectWindow *
click_connect (GithubFixture *fixture)
{
  GtkButton *connect = forge_preferences_window_get_github_connect_button (fixture->window);
  GtkWindow *window;

  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (connect)));
  g_signal_emit_by_name (connect, "clicked");
  window = forge_preferences_window_get_github_connect_window (fixture->window);
  g_assert_nonnull (window);
  g_assert_true (gtk_window_get_modal (window));
  g_assert_true (gtk_window_get_transient_for (window) == GTK_WINDOW (fixture->window));

  return FORGE_GITHUB_CONNECT_WINDOW (window);
}

static char *
stored_token (GithubFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  char *token = forge_secrets_lookup_token (fixture->host, NULL, &error);

  g_assert_no_error (error);
  return token;
}

static void
assert_nothing_stored (GithubFixture *fixture)
{
  char *token = stored_token (fixture);

  g_assert_null (token);
}

static void
assert_stored (GithubFixture *fixture,
               const char    *expected)
{
  char *token = stored_token (fixture);

  g_assert_cmpstr (token, ==, expected);
  forge_secrets_free_token (token);
}

static void
test_github_device_flow (void)
{
  GithubFixture fixture = { 0 };
  ForgeGithubConnectWindow *connect;
  g_autofree char *subtitle = NULL;
  g_autofree char *description = NULL;
  ForgeGithubStandinDeviceScript script = {
    .client_id = TEST_CLIENT_ID,
    .interval = 1,
    .expires_in = 900,
    .pending = 1,
    /* Transparent to the user: the flow waits longer, nothing shows. */
    .slow_down = TRUE,
    .slow_down_interval = 2,
    .end = FORGE_GITHUB_STANDIN_GRANT,
    .token = "gho_device_token",
  };

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  github_fixture_set_up (&fixture, TEST_CLIENT_ID);
  forge_github_standin_set_device_script (fixture.standin, &script);
  /* The group says which GitHub. */
  description = g_strdup_printf ("Your account on %s opens its private repositories", fixture.host);
  g_assert_cmpstr (adw_preferences_group_get_description (forge_preferences_window_get_github_group (fixture.window)), ==, description);
  g_assert_cmpstr (forge_preferences_window_get_github_connect_subtitle (fixture.window), ==,
                   "Sign in with a code in your web browser");

  connect = click_connect (&fixture);
  g_object_add_weak_pointer (G_OBJECT (connect), (gpointer *) &connect);
  wait_for_page (connect, "code");
  g_assert_cmpstr (forge_github_connect_window_get_code (connect), ==, FORGE_GITHUB_STANDIN_USER_CODE);
  /* Copy, Open GitHub: named for screen readers. */
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (connect)), >=, 2);

  /* Approved on the stand-in's second poll after a slow_down: the window
   * stores the token and closes. */
  wait_until (connect_window_gone, fixture.window, "the sign-in window to close");
  g_assert_null (connect);
  assert_stored (&fixture, "gho_device_token");
  g_assert_cmpuint (forge_github_standin_count_requests (fixture.standin, "/login/oauth/access_token"), ==, 3);

  wait_until (github_connected, fixture.window, "the account row");
  g_assert_cmpstr (forge_preferences_window_get_github_account_title (fixture.window), ==, "The Octocat");
  subtitle = g_strdup_printf ("octocat on %s", fixture.host);
  g_assert_cmpstr (forge_preferences_window_get_github_account_subtitle (fixture.window), ==, subtitle);
  g_assert_cmpstr (adw_avatar_get_text (forge_preferences_window_get_github_avatar (fixture.window)), ==, "octocat");
  wait_until (avatar_loaded, fixture.window, "the avatar image");
  /* Connect and the token row are gone, Disconnect is there. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (forge_preferences_window_get_github_token_editable (fixture.window))));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (forge_preferences_window_get_github_disconnect_button (fixture.window))));
  /* The device flow never carried a token; the avatar went without. */
  g_assert_cmpuint (forge_github_standin_count_foreign_authorization (fixture.standin), ==, 0);

  github_fixture_tear_down (&fixture);
}

static void
test_github_device_flow_expired (void)
{
  GithubFixture fixture = { 0 };
  ForgeGithubConnectWindow *connect;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  github_fixture_set_up (&fixture, TEST_CLIENT_ID);
  set_script (&fixture, 0, FORGE_GITHUB_STANDIN_EXPIRE);
  connect = click_connect (&fixture);
  g_object_add_weak_pointer (G_OBJECT (connect), (gpointer *) &connect);

  wait_for_page (connect, "problem");
  g_assert_cmpstr (forge_github_connect_window_get_problem_title (connect), ==, "Code Expired");
  g_assert_cmpstr (forge_github_connect_window_get_problem (connect), ==, "The code expired: start again");
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (connect)), >=, 1);
  assert_nothing_stored (&fixture);

  /* Start Again asks for a new code; this time it is approved. */
  set_script (&fixture, 0, FORGE_GITHUB_STANDIN_GRANT);
  gtk_widget_activate_action (GTK_WIDGET (connect), "connect.start-again", NULL);
  wait_until (connect_window_gone, fixture.window, "the sign-in window to close");
  g_assert_null (connect);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture.standin, "/login/device/code"), ==, 2);
  assert_stored (&fixture, "gho_device_token");
  wait_until (github_connected, fixture.window, "the account row");
  g_assert_cmpstr (forge_preferences_window_get_github_account_title (fixture.window), ==, "The Octocat");

  github_fixture_tear_down (&fixture);
}

static void
test_github_device_flow_denied (void)
{
  GithubFixture fixture = { 0 };
  ForgeGithubConnectWindow *connect;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  github_fixture_set_up (&fixture, TEST_CLIENT_ID);
  set_script (&fixture, 0, FORGE_GITHUB_STANDIN_DENY);
  connect = click_connect (&fixture);

  wait_for_page (connect, "problem");
  g_assert_cmpstr (forge_github_connect_window_get_problem_title (connect), ==, "Access Denied");
  g_assert_cmpstr (forge_github_connect_window_get_problem (connect), ==,
                   "Access was denied on GitHub: start again to connect your account");
  assert_nothing_stored (&fixture);

  gtk_window_close (GTK_WINDOW (connect));
  wait_until (connect_window_gone, fixture.window, "the sign-in window to close");
  g_assert_true (github_disconnected (fixture.window));

  github_fixture_tear_down (&fixture);
}

static void
test_github_device_flow_closed (void)
{
  GithubFixture fixture = { 0 };
  ForgeGithubConnectWindow *connect;
  guint polls;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  github_fixture_set_up (&fixture, TEST_CLIENT_ID);
  /* The user never approves. */
  set_script (&fixture, 1000, FORGE_GITHUB_STANDIN_GRANT);
  connect = click_connect (&fixture);
  wait_for_page (connect, "code");
  while (forge_github_standin_count_requests (fixture.standin, "/login/oauth/access_token") == 0)
    spin_for (50);

  gtk_window_close (GTK_WINDOW (connect));
  wait_until (connect_window_gone, fixture.window, "the sign-in window to close");
  /* A poll already on its way may still land; none after it. */
  spin_for (300);
  polls = forge_github_standin_count_requests (fixture.standin, "/login/oauth/access_token");
  spin_for (2500);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture.standin, "/login/oauth/access_token"), ==, polls);
  assert_nothing_stored (&fixture);
  g_assert_true (github_disconnected (fixture.window));

  github_fixture_tear_down (&fixture);
}

static void
test_github_no_client_id (void)
{
  GithubFixture fixture = { 0 };
  GtkEditable *token_row;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }
  if (*forge_github_default_client_id () != '\0')
    {
      g_test_skip ("This build has a GitHub client id");
      return;
    }

  github_fixture_set_up (&fixture, "");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (forge_preferences_window_get_github_connect_button (fixture.window))));
  g_assert_cmpstr (forge_preferences_window_get_github_connect_subtitle (fixture.window), ==,
                   "Sign-in with GitHub is not set up in this build: use a personal access token");
  token_row = forge_preferences_window_get_github_token_editable (fixture.window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (token_row)));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (token_row)));

  /* The setting is read as it changes. */
  g_settings_set_string (fixture.settings, "github-client-id", TEST_CLIENT_ID);
  spin_for (50);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (forge_preferences_window_get_github_connect_button (fixture.window))));

  github_fixture_tear_down (&fixture);
}

static void
test_github_token (void)
{
  GithubFixture fixture = { 0 };
  GtkEditable *token_row;
  g_autofree char *subtitle = NULL;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  github_fixture_set_up (&fixture, "");
  token_row = forge_preferences_window_get_github_token_editable (fixture.window);

  /* A token GitHub does not know: said under the row, nothing kept. */
  gtk_editable_set_text (token_row, "ghp_wrong_token");
  g_signal_emit_by_name (token_row, "apply");
  /* The entry lets go of the token at once. */
  g_assert_cmpstr (gtk_editable_get_text (token_row), ==, "");
  wait_until (token_problem_said, fixture.window, "the token to be refused");
  g_assert_true (g_str_has_prefix (forge_preferences_window_get_github_token_problem (fixture.window),
                                   "GitHub refused the token"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (token_row), "error"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (token_row)));
  assert_nothing_stored (&fixture);
  g_assert_true (github_disconnected (fixture.window));
  g_assert_cmpuint (forge_github_standin_count_authorization (fixture.standin, "ghp_wrong_token"), ==, 1);

  /* Typing again takes the complaint away. */
  gtk_editable_set_text (token_row, "g");
  g_assert_null (forge_preferences_window_get_github_token_problem (fixture.window));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (token_row), "error"));

  /* A good one: checked, kept under the host's name, the account shown. */
  gtk_editable_set_text (token_row, "  ghp_good_token\n");
  g_signal_emit_by_name (token_row, "apply");
  wait_until (github_connected, fixture.window, "the account row");
  assert_stored (&fixture, "ghp_good_token");
  /* No display name: the login is the title. */
  g_assert_cmpstr (forge_preferences_window_get_github_account_title (fixture.window), ==, "monalisa");
  subtitle = g_strdup_printf ("monalisa on %s", fixture.host);
  g_assert_cmpstr (forge_preferences_window_get_github_account_subtitle (fixture.window), ==, subtitle);
  g_assert_null (forge_preferences_window_get_github_token_problem (fixture.window));
  /* No image at its avatar address (404): the initials stay. */
  spin_for (300);
  g_assert_null (adw_avatar_get_custom_image (forge_preferences_window_get_github_avatar (fixture.window)));

  /* Disconnect removes it, and Connect is back. */
  g_signal_emit_by_name (forge_preferences_window_get_github_disconnect_button (fixture.window), "clicked");
  wait_until (github_disconnected, fixture.window, "Connect to come back");
  assert_nothing_stored (&fixture);
  g_assert_null (forge_preferences_window_get_github_account_title (fixture.window));

  github_fixture_tear_down (&fixture);
}

/* Opened again, the window finds the account kept in the keyring. */
static void
test_github_token_found (void)
{
  GithubFixture fixture = { 0 };
  ForgePreferencesWindow *again;
  g_autoptr(GError) error = NULL;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  github_fixture_set_up (&fixture, "");
  forge_secrets_store_token (fixture.host, "gho_device_token", NULL, &error);
  g_assert_no_error (error);

  again = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (fixture.settings, NULL));
  gtk_window_present (GTK_WINDOW (again));
  wait_until (github_connected, again, "the account row");
  g_assert_cmpstr (forge_preferences_window_get_github_account_title (again), ==, "The Octocat");
  g_assert_cmpuint (forge_test_assert_controls_named (GTK_WIDGET (again)), >=, 11);
  gtk_window_destroy (GTK_WINDOW (again));

  github_fixture_tear_down (&fixture);
}

/* GH_HOST wins over the setting, as for gh; the row shows it, fixed. */
static void
test_github_host_from_environment (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ForgePreferencesWindow *window;
  const char *description;
  GtkEditable *host_row;
  char *setting;

  g_setenv ("GH_HOST", "GHE.Example.com", TRUE);
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  g_unsetenv ("GH_HOST");

  description = adw_preferences_group_get_description (forge_preferences_window_get_github_group (window));
  g_assert_nonnull (strstr (description, "ghe.example.com"));
  g_assert_nonnull (strstr (description, "GH_HOST"));
  host_row = forge_preferences_window_get_github_host_editable (window);
  g_assert_cmpstr (gtk_editable_get_text (host_row), ==, "ghe.example.com");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (host_row)));
  gtk_window_destroy (GTK_WINDOW (window));

  /* Without it, the setting; applying a host keeps its keyring name. */
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  host_row = forge_preferences_window_get_github_host_editable (window);
  g_assert_cmpstr (gtk_editable_get_text (host_row), ==, "github.com");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (host_row)));
  gtk_editable_set_text (host_row, "https://GHE.Example.com/");
  g_signal_emit_by_name (host_row, "apply");
  setting = g_settings_get_string (settings, "github-host");
  g_assert_cmpstr (setting, ==, "ghe.example.com");
  g_free (setting);
  /* Plain http goes nowhere but this computer: refused, not kept. */
  gtk_editable_set_text (host_row, "http://ghe.example.com");
  g_signal_emit_by_name (host_row, "apply");
  g_assert_nonnull (forge_preferences_window_get_github_notice (window));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (host_row), "error"));
  setting = g_settings_get_string (settings, "github-host");
  g_assert_cmpstr (setting, ==, "ghe.example.com");
  g_free (setting);
  gtk_window_destroy (GTK_WINDOW (window));

  g_settings_reset (settings, "github-host");
}

/* Without a Secret Service the group says so and offers nothing it could
 * not keep. In a subprocess whose session bus address leads nowhere (see
 * main()). */
static void
test_github_no_keyring (void)
{
  g_autoptr(GSettings) settings = NULL;
  ForgePreferencesWindow *window;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  settings = g_settings_new (APP_ID);
  window = FORGE_PREFERENCES_WINDOW (forge_preferences_window_new (settings, NULL));
  gtk_window_present (GTK_WINDOW (window));
  wait_for_github_notice (window, "No keyring is running: GitHub can’t be connected; public repositories still open.");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (forge_preferences_window_get_github_token_editable (window))));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (forge_preferences_window_get_github_connect_button (window))));
  g_assert_null (forge_preferences_window_get_github_account_title (window));
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
  {
    g_autofree char *backend = g_settings_get_string (settings, "default-backend");

    g_assert_cmpstr (backend, ==, "e2b");
  }
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

  /* The no-keyring test's subprocess: a session bus that is not there,
   * set before anything connects to one. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--GTestSubprocess"))
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/forge-test-no-bus", TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* A key from the environment would stand in for the keyring's. */
  g_unsetenv ("E2B_API_KEY");
  g_unsetenv ("E2B_DEBUG");
  /* They would win over the GitHub host the tests set. */
  g_unsetenv ("GH_HOST");
  g_unsetenv ("GITHUB_API_URL");

  g_test_add_func ("/forge/preferences/token-saved-in-keyring", test_token_saved_in_keyring);
  g_test_add_func ("/forge/preferences/token-refuses-empty", test_token_refuses_empty);
  g_test_add_func ("/forge/preferences/e2b-key-saved-in-keyring", test_e2b_key_saved_in_keyring);
  g_test_add_func ("/forge/preferences/e2b-test-connection", test_e2b_test_connection);
  g_test_add_func ("/forge/preferences/e2b-test-cancelled-on-close", test_e2b_test_cancelled_on_close);
  g_test_add_func ("/forge/preferences/github-device-flow", test_github_device_flow);
  g_test_add_func ("/forge/preferences/github-device-flow-expired", test_github_device_flow_expired);
  g_test_add_func ("/forge/preferences/github-device-flow-denied", test_github_device_flow_denied);
  g_test_add_func ("/forge/preferences/github-device-flow-closed", test_github_device_flow_closed);
  g_test_add_func ("/forge/preferences/github-no-client-id", test_github_no_client_id);
  g_test_add_func ("/forge/preferences/github-token", test_github_token);
  g_test_add_func ("/forge/preferences/github-token-found", test_github_token_found);
  g_test_add_func ("/forge/preferences/github-host-from-environment", test_github_host_from_environment);
  g_test_add_func ("/forge/preferences/github-no-keyring", test_github_no_keyring);
  g_test_add_func ("/forge/preferences/times-in-minutes", test_times_in_minutes);
  g_test_add_func ("/forge/preferences/limits", test_limits);
  g_test_add_func ("/forge/preferences/backends-only-available", test_backends_only_available);
  g_test_add_func ("/forge/preferences/accessible", test_accessible);

  skip_reason = g_test_subprocess () ? NULL : forge_test_start_keyring ();
  status = g_test_run ();
  forge_test_stop_keyring ();
  g_free (skip_reason);

  return status;
}
