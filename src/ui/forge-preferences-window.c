/* forge-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "forge-flatpak.h"
#include "forge-accessible.h"
#include "forge-backend-choices.h"
#include "forge-e2b-api.h"
#include "forge-e2b-provider.h"
#include "forge-github-client.h"
#include "forge-github-connect-window.h"
#include "forge-github-device-flow.h"
#include "forge-github-host.h"
#include "forge-launch-uri.h"
#include "forge-preferences-window-private.h"
#include "forge-sandbox-providers.h"
#include "forge-secret-rows.h"
#include "forge-secrets.h"

/* Where E2B's dashboard makes API keys. */
#define E2B_KEYS_URL "https://e2b.dev/dashboard?tab=keys"

/* GitHub's avatars are a few tens of kilobytes, 460 pixels square at
 * most; anything much larger is not an avatar, and is not decoded. */
#define AVATAR_MAX_BYTES (1024 * 1024)
#define AVATAR_MAX_PIXELS 2048

/* What the GitHub group shows. */
typedef enum
{
  GITHUB_CHECKING,       /* asking the keyring, then GitHub */
  GITHUB_NO_KEYRING,
  GITHUB_BAD_HOST,       /* the host setting or GH_HOST is unusable */
  GITHUB_DISCONNECTED,   /* Connect and the token row */
  GITHUB_CONNECTED,      /* the account row */
} GithubState;

struct _ForgePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  ForgeSandboxProviders *providers;
  GPtrArray            *backend_names;  /* the combo row's choices, in order */

  AdwActionRow         *keepalive_row;
  AdwActionRow         *timeout_row;
  AdwActionRow         *start_limit_row;
  GtkSpinButton        *keepalive_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *start_limit_spin;
  GtkSpinButton        *memory_limit_spin;
  GtkSpinButton        *process_limit_spin;
  GtkSpinButton        *open_files_limit_spin;
  GtkSpinButton        *tmp_size_spin;
  GtkSpinButton        *disk_limit_spin;
  AdwComboRow          *backend_row;
  AdwActionRow         *flatpak_host_row;
  GtkSwitch            *flatpak_host_switch;

  AdwEntryRow          *host_row;
  AdwPasswordEntryRow  *token_row;
  AdwActionRow         *token_status_row;
  GtkWidget            *forget_button;
  ForgeSecretRows      *token_rows;

  AdwPasswordEntryRow  *e2b_key_row;
  AdwActionRow         *e2b_status_row;
  GtkWidget            *e2b_forget_button;
  AdwActionRow         *e2b_test_row;
  GtkWidget            *e2b_test_button;
  ForgeSecretRows      *e2b_rows;
  /* The environment E2B and GitHub are configured from (E2B_DOMAIN,
   * GH_HOST…), read once when the window opens. */
  char                **envp;

  AdwPreferencesGroup  *github_group;
  AdwActionRow         *github_notice_row;
  GtkWidget            *github_notice_icon;
  GtkSpinner           *github_notice_spinner;
  AdwActionRow         *github_account_row;
  AdwAvatar            *github_avatar;
  GtkWidget            *github_disconnect_button;
  AdwActionRow         *github_connect_row;
  GtkWidget            *github_connect_button;
  AdwPasswordEntryRow  *github_token_row;
  AdwActionRow         *github_token_status_row;
  GtkSpinner           *github_token_spinner;
  AdwEntryRow          *github_host_row;

  GithubState           github_state;
  /* NULL when github_host_problem says why. */
  ForgeGithubHost      *github_host;
  char                 *github_host_problem;
  gboolean              github_host_from_environment;
  /* Why a host typed was not taken; the setting keeps the last good one. */
  char                 *github_host_input_problem;
  gboolean              keyring_checked;
  gboolean              keyring_missing;
  /* Why the keyring would not say whether a token is kept, or NULL. */
  char                 *github_keyring_problem;
  /* The account shown; NULL while connected when GitHub did not say
   * (github_account_problem says why). */
  ForgeGithubUser      *github_user;
  char                 *github_account_problem;
  gboolean              github_token_checking;
  char                 *github_token_problem;
  GtkWindow            *connect_window;       /* weak */
  SoupSession          *avatar_session;
  GCancellable         *github_cancellable;   /* the latest keyring or GitHub call */
  GCancellable         *avatar_cancellable;   /* the latest avatar only */

  GCancellable         *cancellable;
  GCancellable         *test_cancellable;     /* the latest test only */
};

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_PROVIDERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgePreferencesWindow, forge_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
backend_to_row (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  ForgePreferencesWindow *self = user_data;
  const char *name = g_variant_get_string (variant, NULL);
  guint position;

  /* A backend that does not work here is not offered: the row then shows
   * the first one that does. */
  if (!g_ptr_array_find_with_equal_func (self->backend_names, name, g_str_equal, &position))
    return FALSE;

  g_value_set_uint (value, position);
  return TRUE;
}

static GVariant *
row_to_backend (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  ForgePreferencesWindow *self = user_data;
  guint position = g_value_get_uint (value);

  if (position >= self->backend_names->len)
    return NULL;

  return g_variant_new_string (g_ptr_array_index (self->backend_names, position));
}

/* Only backends that can run previews here are choices; why the others
 * cannot is said under the row. */
static void
fill_backends (ForgePreferencesWindow *self)
{
  g_autoptr(GPtrArray) choices = forge_backend_choices_new (self->providers);
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);
  g_autoptr(GString) reasons = g_string_new (NULL);

  for (guint i = 0; i < choices->len; i++)
    {
      ForgeBackendChoice *choice = g_ptr_array_index (choices, i);

      if (choice->reason == NULL)
        {
          g_ptr_array_add (self->backend_names, g_strdup (choice->name));
          gtk_string_list_append (titles, choice->title);
        }
      else
        {
          if (reasons->len > 0)
            g_string_append_c (reasons, '\n');
          /* Translators: a sandbox backend ("E2B Cloud") and why it
           * cannot run previews here. */
          g_string_append_printf (reasons, _("%s: %s"), choice->title, choice->reason);
        }
    }

  /* The combo row itself offers no choice of one (no arrow, nothing to
   * activate) and is insensitive with none. */
  adw_combo_row_set_model (self->backend_row, G_LIST_MODEL (titles));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->backend_row), reasons->str);
}

/* The keys count seconds; people think of these in minutes. */
static gboolean
seconds_to_minutes (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / 60.0);
  return TRUE;
}

static GVariant *
minutes_to_seconds (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  double minutes = g_value_get_double (value);

  return g_variant_new_uint32 ((guint32) MAX (1.0, minutes * 60.0 + 0.5));
}

static guint
minutes_of (ForgePreferencesWindow *self,
            const char             *key)
{
  /* Shown as the spin button shows it: rounded. */
  return (guint) MAX (1.0, g_settings_get_uint (self->settings, key) / 60.0 + 0.5);
}

static void
update_time_subtitles (ForgePreferencesWindow *self)
{
  g_autofree char *keepalive = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *start_limit = NULL;
  guint n;

  n = minutes_of (self, "keepalive-interval");
  keepalive = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Keep previews alive every minute",
                                            "Keep previews alive every %u minutes", n), n);
  n = minutes_of (self, "sandbox-timeout");
  timeout = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Stop a sandbox a minute after it was last kept alive",
                                          "Stop a sandbox %u minutes after it was last kept alive", n), n);
  n = minutes_of (self, "server-start-timeout");
  start_limit = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Give up on a dev server that has not answered within a minute",
                                              "Give up on a dev server that has not answered within %u minutes", n), n);

  adw_action_row_set_subtitle (self->keepalive_row, keepalive);
  adw_action_row_set_subtitle (self->timeout_row, timeout);
  adw_action_row_set_subtitle (self->start_limit_row, start_limit);
}

static void
bind_minutes (ForgePreferencesWindow *self,
              const char             *key,
              GtkSpinButton          *spin)
{
  g_settings_bind_with_mapping (self->settings, key,
                                gtk_spin_button_get_adjustment (spin), "value",
                                G_SETTINGS_BIND_DEFAULT,
                                seconds_to_minutes, minutes_to_seconds, NULL, NULL);
}

/* The limit keys count megabytes; memory and disk show as gigabytes. */
static gboolean
megabytes_to_shown (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / (double) GPOINTER_TO_UINT (user_data));
  return TRUE;
}

static GVariant *
shown_to_megabytes (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  double shown = g_value_get_double (value);

  return g_variant_new_uint32 ((guint32) MAX (1.0, shown * GPOINTER_TO_UINT (user_data) + 0.5));
}

static void
bind_scaled (ForgePreferencesWindow *self,
             const char             *key,
             GtkSpinButton          *spin,
             guint                   megabytes_per_unit)
{
  g_settings_bind_with_mapping (self->settings, key,
                                gtk_spin_button_get_adjustment (spin), "value",
                                G_SETTINGS_BIND_DEFAULT,
                                megabytes_to_shown, shown_to_megabytes,
                                GUINT_TO_POINTER (megabytes_per_unit), NULL);
}

static void
host_changed_cb (ForgePreferencesWindow *self)
{
  g_autofree char *host = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *unsaved = NULL;

  /* The template may set the host before constructed() made the rows. */
  if (self->token_rows == NULL)
    return;

  host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->host_row))));
  saved = g_strdup_printf (_("A token for %s is saved"), host);
  unsaved = g_strdup_printf (_("No token saved for %s"), host);

  forge_secret_rows_set_scope (self->token_rows, host, saved, unsaved);
}

static void
show_test_result (ForgePreferencesWindow *self,
                  const char             *result)
{
  adw_action_row_set_subtitle (self->e2b_test_row, result);
  gtk_widget_set_sensitive (self->e2b_test_button, TRUE);
}

static void
e2b_listed_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sandboxes = forge_e2b_api_list_sandboxes_finish (FORGE_E2B_API (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* FORGE_E2B_ERROR messages are one line and say what to do. */
  show_test_result (self, sandboxes != NULL ? _("Connected to E2B") : error->message);
}

static void
e2b_test_key_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeE2bConfig) config = NULL;
  g_autoptr(ForgeE2bApi) api = NULL;
  char *key = forge_secrets_lookup_e2b_key_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL)
    {
      show_test_result (self, error->message);
      return;
    }

  /* Without a saved key the config takes E2B_API_KEY, as a run would;
   * with neither, the API call says there is no key. */
  config = forge_e2b_config_new ((const char * const *) self->envp, key);
  forge_secrets_free_token (key);
  api = forge_e2b_api_new (config);
  /* Someone waits for the answer: a short retry, not the ten seconds a
   * run may spend. */
  forge_e2b_api_set_retry_policy (api, 2, 500, 3000);
  /* Listing needs the key and touches no sandbox. */
  forge_e2b_api_list_sandboxes_async (api, NULL, self->test_cancellable,
                                      e2b_listed_cb, g_object_ref (self));
}

static void
e2b_test_clicked_cb (ForgePreferencesWindow *self)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (self->test_cancellable != NULL)
    g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  self->test_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->test_cancellable, G_CONNECT_SWAPPED);

  gtk_widget_set_sensitive (self->e2b_test_button, FALSE);
  adw_action_row_set_subtitle (self->e2b_test_row, _("Testing…"));
  forge_secrets_lookup_e2b_key_async (forge_secret_rows_get_scope (self->e2b_rows), self->test_cancellable,
                                      e2b_test_key_cb, g_object_ref (self));
}

/* The backend lists answer from what the E2B backend last heard from the
 * keyring: tell it the key came or went. */
static void
e2b_key_saved_changed_cb (ForgePreferencesWindow *self)
{
  g_autoptr(ForgeSandboxProvider) provider = forge_sandbox_providers_lookup (self->providers, "e2b", NULL);

  if (provider != NULL && FORGE_IS_E2B_PROVIDER (provider))
    forge_e2b_provider_refresh_key (FORGE_E2B_PROVIDER (provider));
}

static void
e2b_keys_activated_cb (ForgePreferencesWindow *self)
{
  _forge_launch_uri (GTK_WINDOW (self), E2B_KEYS_URL, self->cancellable, "E2B’s dashboard");
}

/* GitHub */

/* The setting overrides the build's; "" when neither has one. */
static char *
github_client_id_dup (ForgePreferencesWindow *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "github-client-id");

  if (*g_strstrip (setting) != '\0')
    return g_steal_pointer (&setting);

  return g_strdup (forge_github_default_client_id ());
}

static const char *
github_notice (ForgePreferencesWindow *self)
{
  if (self->github_host_input_problem != NULL)
    return self->github_host_input_problem;

  switch (self->github_state)
    {
    case GITHUB_CHECKING:
      return _("Looking for your GitHub account…");
    case GITHUB_NO_KEYRING:
      return _("No keyring is running: GitHub can’t be connected; public repositories still open.");
    case GITHUB_BAD_HOST:
      return self->github_host_problem;
    case GITHUB_DISCONNECTED:
      return self->github_keyring_problem;
    case GITHUB_CONNECTED:
    default:
      return NULL;
    }
}

static void
show_github (ForgePreferencesWindow *self,
             GithubState             state)
{
  const char *notice;
  gboolean disconnected = state == GITHUB_DISCONNECTED;
  g_autofree char *client_id = github_client_id_dup (self);
  gboolean has_client_id = *client_id != '\0';
  const char *token_status = self->github_token_checking ? _("Checking the token with GitHub…") : self->github_token_problem;

  self->github_state = state;
  notice = github_notice (self);

  gtk_widget_set_visible (GTK_WIDGET (self->github_notice_row), notice != NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->github_notice_row), notice != NULL ? notice : "");
  gtk_widget_set_visible (self->github_notice_icon, state != GITHUB_CHECKING || self->github_host_input_problem != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->github_notice_spinner), state == GITHUB_CHECKING);
  gtk_spinner_set_spinning (self->github_notice_spinner, state == GITHUB_CHECKING);

  gtk_widget_set_visible (GTK_WIDGET (self->github_account_row), state == GITHUB_CONNECTED);
  gtk_widget_set_visible (GTK_WIDGET (self->github_connect_row), disconnected);
  gtk_widget_set_visible (GTK_WIDGET (self->github_token_row), disconnected);
  gtk_widget_set_visible (GTK_WIDGET (self->github_token_status_row), disconnected && token_status != NULL);

  adw_action_row_set_subtitle (self->github_connect_row,
                               has_client_id
                               ? _("Sign in with a code in your web browser")
                               : _("Sign-in with GitHub is not set up in this build: use a personal access token"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "github.connect", disconnected && has_client_id);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "github.disconnect", state == GITHUB_CONNECTED);

  gtk_widget_set_sensitive (GTK_WIDGET (self->github_token_row), !self->github_token_checking);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->github_token_status_row), token_status != NULL ? token_status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->github_token_spinner), self->github_token_checking);
  gtk_spinner_set_spinning (self->github_token_spinner, self->github_token_checking);
  if (self->github_token_problem != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->github_token_row), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->github_token_status_row), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->github_token_row), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->github_token_status_row), "error");
    }
}

static void
set_string (char       **field,
            const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* Cancels what the group was waiting for (a lookup, a check, the avatar)
 * and returns a cancellable for what comes next, cancelled with the
 * window. */
static GCancellable *
restart_github_call (ForgePreferencesWindow *self)
{
  if (self->github_cancellable != NULL)
    g_cancellable_cancel (self->github_cancellable);
  g_clear_object (&self->github_cancellable);
  if (self->avatar_cancellable != NULL)
    g_cancellable_cancel (self->avatar_cancellable);
  g_clear_object (&self->avatar_cancellable);

  self->github_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->github_cancellable, G_CONNECT_SWAPPED);
  return self->github_cancellable;
}

/* Avatars: http only to this computer (a stand-in), as for the API. */
static gboolean
avatar_url_allowed (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *host = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0)
    return FALSE;

  host = g_strdup (g_uri_get_host (uri));
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  if (host[0] == '[')
    {
      host[strlen (host) - 1] = '\0';
      memmove (host, host + 1, strlen (host));
    }
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static guint
read_be16 (const guint8 *p)
{
  return (guint) p[0] << 8 | p[1];
}

/* The pixel size a PNG or JPEG says it has, read before decoding it: a
 * small file may unpack to gigabytes. FALSE for anything else. */
static gboolean
image_size (GBytes *bytes,
            guint  *width,
            guint  *height)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (size >= 24 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp (data + 12, "IHDR", 4) == 0)
    {
      *width = (guint) data[16] << 24 | (guint) data[17] << 16 | (guint) data[18] << 8 | data[19];
      *height = (guint) data[20] << 24 | (guint) data[21] << 16 | (guint) data[22] << 8 | data[23];
      return TRUE;
    }

  if (size >= 4 && data[0] == 0xff && data[1] == 0xd8)
    {
      gsize pos = 2;

      /* Segments up to the frame header, which holds the size. */
      while (pos + 4 <= size && data[pos] == 0xff)
        {
          guint8 marker = data[pos + 1];
          guint length;

          if (marker == 0xff)
            {
              pos++;
              continue;
            }
          if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
            {
              pos += 2;
              continue;
            }
          length = read_be16 (data + pos + 2);
          if (length < 2)
            return FALSE;
          if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
            {
              if (pos + 9 > size)
                return FALSE;
              *height = read_be16 (data + pos + 5);
              *width = read_be16 (data + pos + 7);
              return TRUE;
            }
          pos += 2 + length;
        }
    }

  return FALSE;
}

typedef struct
{
  ForgePreferencesWindow *self;
  GCancellable           *cancellable;
  GInputStream           *stream;
  guint8                 *buffer;
} AvatarLoad;

static void
avatar_load_free (AvatarLoad *load)
{
  g_object_unref (load->self);
  g_object_unref (load->cancellable);
  g_clear_object (&load->stream);
  g_free (load->buffer);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvatarLoad, avatar_load_free)

static void
avatar_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(AvatarLoad) load = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  gsize n_read = 0;
  guint width = 0, height = 0;

  /* Whatever goes wrong, the initials stay. */
  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &n_read, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the GitHub avatar: %s", error->message);
      return;
    }
  if (g_cancellable_is_cancelled (load->cancellable) || n_read == 0 || n_read > AVATAR_MAX_BYTES)
    return;

  bytes = g_bytes_new_take (g_steal_pointer (&load->buffer), n_read);
  if (!image_size (bytes, &width, &height) || width == 0 || height == 0 ||
      width > AVATAR_MAX_PIXELS || height > AVATAR_MAX_PIXELS)
    {
      g_debug ("The GitHub avatar is not a PNG or JPEG of a usable size");
      return;
    }

  texture = gdk_texture_new_from_bytes (bytes, &error);
  if (texture == NULL)
    {
      g_debug ("Could not decode the GitHub avatar: %s", error->message);
      return;
    }

  adw_avatar_set_custom_image (load->self->github_avatar, GDK_PAINTABLE (texture));
}

static void
avatar_sent_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(AvatarLoad) load = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  AvatarLoad *next;
  goffset length;

  load->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (load->stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not fetch the GitHub avatar: %s", error->message);
      return;
    }

  length = soup_message_headers_get_content_length (soup_message_get_response_headers (message));
  if (soup_message_get_status (message) != SOUP_STATUS_OK || length > AVATAR_MAX_BYTES)
    {
      g_debug ("Not using the GitHub avatar: HTTP %u, %" G_GOFFSET_FORMAT " bytes",
               soup_message_get_status (message), length);
      return;
    }

  /* One byte more than allowed: reading it means the answer is too long,
   * whatever its headers said. */
  next = g_steal_pointer (&load);
  next->buffer = g_malloc (AVATAR_MAX_BYTES + 1);
  g_input_stream_read_all_async (next->stream, next->buffer, AVATAR_MAX_BYTES + 1, G_PRIORITY_LOW,
                                 next->cancellable, avatar_read_cb, next);
}

static void
load_avatar (ForgePreferencesWindow *self,
             const char             *url)
{
  g_autoptr(SoupMessage) message = NULL;
  AvatarLoad *load;

  if (self->avatar_cancellable != NULL)
    g_cancellable_cancel (self->avatar_cancellable);
  g_clear_object (&self->avatar_cancellable);

  if (!avatar_url_allowed (url) || (message = soup_message_new (SOUP_METHOD_GET, url)) == NULL)
    return;

  self->avatar_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->avatar_cancellable, G_CONNECT_SWAPPED);
  if (self->avatar_session == NULL)
    self->avatar_session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 30, NULL);

  load = g_new0 (AvatarLoad, 1);
  load->self = g_object_ref (self);
  load->cancellable = g_object_ref (self->avatar_cancellable);
  /* A public image: no token goes with it. */
  soup_session_send_async (self->avatar_session, message, G_PRIORITY_LOW, load->cancellable,
                           avatar_sent_cb, load);
}

static void
show_account (ForgePreferencesWindow *self,
              ForgeGithubUser        *user,
              const char             *problem)
{
  const char *host = forge_github_host_get_name (self->github_host);
  const char *login = user != NULL ? forge_github_user_get_login (user) : NULL;
  const char *name = user != NULL ? forge_github_user_get_name (user) : NULL;

  g_set_object (&self->github_user, user);
  set_string (&self->github_account_problem, problem);

  adw_avatar_set_custom_image (self->github_avatar, NULL);
  if (user != NULL)
    {
      g_autofree char *subtitle = NULL;

      /* Translators: a GitHub login and host: "octocat on github.com". */
      subtitle = g_strdup_printf (_("%s on %s"), login, host);
      adw_avatar_set_text (self->github_avatar, login);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->github_account_row),
                                     name != NULL && *name != '\0' ? name : login);
      adw_action_row_set_subtitle (self->github_account_row, subtitle);
      load_avatar (self, forge_github_user_get_avatar_url (user));
    }
  else
    {
      g_autofree char *title = g_strdup_printf (_("A token for %s is saved"), host);

      adw_avatar_set_text (self->github_avatar, NULL);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->github_account_row), title);
      adw_action_row_set_subtitle (self->github_account_row, problem != NULL ? problem : "");
    }

  show_github (self, GITHUB_CONNECTED);
}

/* The other group keeps tokens by host too: when it shows the GitHub
 * host, it must hear what this one did to its token, and the other way
 * round. */
static void
sync_token_rows (ForgePreferencesWindow *self)
{
  if (self->github_host != NULL && self->token_rows != NULL &&
      g_strcmp0 (forge_secret_rows_get_scope (self->token_rows), forge_github_host_get_name (self->github_host)) == 0)
    host_changed_cb (self);
}

static void
github_user_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubUser) user = forge_github_client_get_user_finish (FORGE_GITHUB_CLIENT (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Connected all the same: a token is kept, which Disconnect removes. */
  if (g_error_matches (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED))
    show_account (self, NULL, _("GitHub refused the saved token: disconnect, then connect again"));
  else
    show_account (self, user, error != NULL ? error->message : NULL);
}

static void
github_looked_up_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubClient) client = NULL;
  char *token = forge_secrets_lookup_token_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (token == NULL)
    {
      /* A locked keyring the user would not open, say. */
      set_string (&self->github_keyring_problem, error != NULL ? error->message : NULL);
      show_github (self, GITHUB_DISCONNECTED);
      return;
    }

  client = forge_github_client_new (self->github_host, token);
  forge_secrets_free_token (token);
  forge_github_client_get_user_async (client, self->github_cancellable, github_user_cb, g_object_ref (self));
}

/* Asks the keyring, then GitHub, who is connected to the host. */
static void
refresh_github (ForgePreferencesWindow *self)
{
  GCancellable *cancellable = restart_github_call (self);

  g_clear_object (&self->github_user);
  g_clear_pointer (&self->github_account_problem, g_free);
  g_clear_pointer (&self->github_keyring_problem, g_free);

  if (self->github_host == NULL)
    show_github (self, GITHUB_BAD_HOST);
  else if (!self->keyring_checked)
    show_github (self, GITHUB_CHECKING);   /* keyring_checked_cb() comes back */
  else if (self->keyring_missing)
    show_github (self, GITHUB_NO_KEYRING);
  else
    {
      show_github (self, GITHUB_CHECKING);
      forge_secrets_lookup_token_async (forge_github_host_get_name (self->github_host), cancellable,
                                        github_looked_up_cb, g_object_ref (self));
    }
}

static void
keyring_checked_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!forge_secrets_check_keyring_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->keyring_checked = TRUE;
  self->keyring_missing = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  refresh_github (self);
}

/* Which GitHub: GH_HOST or GITHUB_API_URL when set (as gh and the
 * headless runs read them), else the setting. */
static void
update_github_host (ForgePreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *setting = g_settings_get_string (self->settings, "github-host");
  g_autofree char *description = NULL;

  self->github_host_from_environment = forge_github_host_set_by_environment ((const char * const *) self->envp);
  g_clear_object (&self->github_host);
  self->github_host = forge_github_host_new_configured ((const char * const *) self->envp, setting, &error);
  set_string (&self->github_host_problem, error != NULL ? error->message : NULL);

  if (self->github_host == NULL)
    description = g_strdup (_("The GitHub host is not usable"));
  else if (self->github_host_from_environment)
    description = g_strdup_printf (_("Your account on %s (set by GH_HOST or GITHUB_API_URL) opens its private repositories"),
                                   forge_github_host_get_name (self->github_host));
  else
    description = g_strdup_printf (_("Your account on %s opens its private repositories"),
                                   forge_github_host_get_name (self->github_host));
  adw_preferences_group_set_description (self->github_group, description);

  /* The environment wins: the row shows what is used, and cannot be
   * edited to no effect. */
  gtk_editable_set_text (GTK_EDITABLE (self->github_host_row),
                         self->github_host_from_environment && self->github_host != NULL
                         ? forge_github_host_get_name (self->github_host) : setting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->github_host_row), !self->github_host_from_environment);
  g_clear_pointer (&self->github_host_input_problem, g_free);
  gtk_widget_remove_css_class (GTK_WIDGET (self->github_host_row), "error");

  /* A window still signing in to the old host has nothing to do. */
  if (self->connect_window != NULL)
    gtk_window_close (self->connect_window);

  refresh_github (self);
}

static void
github_host_apply_cb (ForgePreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->github_host_row))));
  g_autofree char *current = g_settings_get_string (self->settings, "github-host");
  g_autoptr(ForgeGithubHost) host = NULL;
  g_autoptr(GError) error = NULL;

  if (*text == '\0')
    {
      g_settings_reset (self->settings, "github-host");
      update_github_host (self);
      return;
    }

  host = forge_github_host_new (text, NULL, &error);
  if (host == NULL)
    {
      set_string (&self->github_host_input_problem, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->github_host_row), "error");
      show_github (self, self->github_state);
      return;
    }

  /* Kept as the keyring knows it: host[:port], lower case. The changed
   * signal brings the group up to date. */
  if (g_strcmp0 (current, forge_github_host_get_name (host)) == 0)
    update_github_host (self);
  else
    g_settings_set_string (self->settings, "github-host", forge_github_host_get_name (host));
}

typedef struct
{
  ForgePreferencesWindow *self;
  char                   *token;
  ForgeGithubUser        *user;
} TokenCheck;

static void
token_check_free (TokenCheck *check)
{
  g_object_unref (check->self);
  forge_secrets_free_token (check->token);
  g_clear_object (&check->user);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TokenCheck, token_check_free)

static void
show_token_problem (ForgePreferencesWindow *self,
                    const char             *problem)
{
  self->github_token_checking = FALSE;
  set_string (&self->github_token_problem, problem);
  show_github (self, self->github_state);
}

static void
token_stored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TokenCheck) check = user_data;
  g_autoptr(GError) error = NULL;
  ForgePreferencesWindow *self = check->self;

  if (!forge_secrets_store_token_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_token_problem (self, error->message);
      return;
    }

  self->github_token_checking = FALSE;
  show_account (self, check->user, NULL);
  sync_token_rows (self);
}

static void
token_checked_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TokenCheck) check = user_data;
  g_autoptr(GError) error = NULL;
  ForgePreferencesWindow *self = check->self;
  TokenCheck *next;

  check->user = forge_github_client_get_user_finish (FORGE_GITHUB_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Nothing is kept unless GitHub knows the token. */
  if (g_error_matches (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED))
    {
      show_token_problem (self, _("GitHub refused the token: check that it is complete and has not expired"));
      return;
    }
  if (error != NULL)
    {
      show_token_problem (self, error->message);
      return;
    }

  next = g_steal_pointer (&check);
  forge_secrets_store_token_async (forge_github_host_get_name (self->github_host), next->token,
                                   self->github_cancellable, token_stored_cb, next);
}

static void
github_token_apply_cb (ForgePreferencesWindow *self)
{
  g_autoptr(ForgeGithubClient) client = NULL;
  TokenCheck *check;
  char *token;

  /* Strips in place: the only copy is wiped by token_check_free(). */
  token = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->github_token_row))));
  /* The entry lets go of the token at once, without the apply button
   * coming back for the empty text. */
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->github_token_row), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->github_token_row), "");
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->github_token_row), TRUE);

  if (*token == '\0' || self->github_host == NULL || self->github_state != GITHUB_DISCONNECTED)
    {
      forge_secrets_free_token (token);
      if (self->github_state == GITHUB_DISCONNECTED)
        show_token_problem (self, _("Paste a personal access token from GitHub, then press Enter"));
      return;
    }

  check = g_new0 (TokenCheck, 1);
  check->self = g_object_ref (self);
  check->token = token;
  client = forge_github_client_new (self->github_host, token);
  g_clear_pointer (&self->github_token_problem, g_free);
  self->github_token_checking = TRUE;
  show_github (self, GITHUB_DISCONNECTED);
  forge_github_client_get_user_async (client, restart_github_call (self), token_checked_cb, check);
}

static void
github_token_changed_cb (ForgePreferencesWindow *self)
{
  if (self->github_token_problem != NULL &&
      *gtk_editable_get_text (GTK_EDITABLE (self->github_token_row)) != '\0')
    show_token_problem (self, NULL);
}

static void
github_cleared_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!forge_secrets_clear_token_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          adw_action_row_set_subtitle (self->github_account_row, error->message);
          gtk_widget_action_set_enabled (GTK_WIDGET (self), "github.disconnect", TRUE);
        }
      return;
    }

  refresh_github (self);
  sync_token_rows (self);
}

static void
github_disconnect_activated (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (widget);

  if (self->github_host == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  gtk_widget_action_set_enabled (widget, "github.disconnect", FALSE);
  forge_secrets_clear_token_async (forge_github_host_get_name (self->github_host), restart_github_call (self),
                                   github_cleared_cb, g_object_ref (self));
}

static void
github_connected_cb (ForgePreferencesWindow *self)
{
  refresh_github (self);
  sync_token_rows (self);
}

static void
github_connect_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (widget);
  g_autofree char *client_id = github_client_id_dup (self);
  GtkWindow *window;

  if (self->connect_window != NULL)
    {
      gtk_window_present (self->connect_window);
      return;
    }
  if (self->github_host == NULL || *client_id == '\0')
    return;

  window = forge_github_connect_window_new (GTK_WINDOW (self), self->github_host, client_id);
  g_signal_connect_object (window, "connected", G_CALLBACK (github_connected_cb), self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->connect_window, window);
  gtk_window_present (window);
}

/* The other group saved or forgot the GitHub host's token. */
static void
token_saved_changed_cb (ForgePreferencesWindow *self)
{
  if (self->github_host != NULL && self->keyring_checked &&
      g_strcmp0 (forge_secret_rows_get_scope (self->token_rows), forge_github_host_get_name (self->github_host)) == 0 &&
      forge_secret_rows_get_saved (self->token_rows) != (self->github_state == GITHUB_CONNECTED))
    refresh_github (self);
}

static void
github_settings_changed_cb (ForgePreferencesWindow *self,
                            const char             *key)
{
  if (g_strcmp0 (key, "github-host") == 0)
    update_github_host (self);
  else if (g_strcmp0 (key, "github-client-id") == 0)
    show_github (self, self->github_state);
}

static void
forge_preferences_window_constructed (GObject *object)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->constructed (object);

  self->envp = g_get_environ ();

  if (self->providers == NULL)
    self->providers = forge_sandbox_providers_new ();
  fill_backends (self);
  g_settings_bind_with_mapping (self->settings, "default-backend",
                                self->backend_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                backend_to_row, row_to_backend, self, NULL);

  /* Where a project's code runs matters only inside Flatpak. */
  gtk_widget_set_visible (GTK_WIDGET (self->flatpak_host_row), forge_flatpak_detect (NULL));
  g_settings_bind (self->settings, "flatpak-host-sandbox",
                   self->flatpak_host_switch, "active", G_SETTINGS_BIND_DEFAULT);

  bind_minutes (self, "keepalive-interval", self->keepalive_spin);
  bind_minutes (self, "sandbox-timeout", self->timeout_spin);
  bind_minutes (self, "server-start-timeout", self->start_limit_spin);
  bind_scaled (self, "sandbox-memory-limit", self->memory_limit_spin, 1024);
  bind_scaled (self, "sandbox-process-limit", self->process_limit_spin, 1);
  bind_scaled (self, "sandbox-open-files-limit", self->open_files_limit_spin, 1);
  bind_scaled (self, "sandbox-tmp-size", self->tmp_size_spin, 1);
  bind_scaled (self, "workspace-disk-limit", self->disk_limit_spin, 1024);
  update_time_subtitles (self);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (update_time_subtitles),
                           self, G_CONNECT_SWAPPED);

  self->token_rows = forge_secret_rows_new (&forge_secret_kind_git_token,
                                            ADW_ENTRY_ROW (self->token_row), self->token_status_row,
                                            self->forget_button,
                                            _("Enter a token to save it. To remove the saved one, use Forget."));
  host_changed_cb (self);

  /* Keys are kept per E2B domain, as the backend looks them up. */
  {
    g_autoptr(ForgeE2bConfig) config = NULL;

    config = forge_e2b_config_new ((const char * const *) self->envp, NULL);
    self->e2b_rows = forge_secret_rows_new (&forge_secret_kind_e2b_key,
                                            ADW_ENTRY_ROW (self->e2b_key_row), self->e2b_status_row,
                                            self->e2b_forget_button,
                                            _("Enter an API key to save it. To remove the saved one, use Forget."));
    forge_secret_rows_set_scope (self->e2b_rows, forge_e2b_config_get_domain (config),
                                 _("An API key is saved"), _("No API key saved"));
    g_signal_connect_object (self->e2b_rows, "notify::saved",
                             G_CALLBACK (e2b_key_saved_changed_cb), self, G_CONNECT_SWAPPED);
  }

  /* GitHub: the host first, the keyring's answer next (a lookup alone
   * cannot tell "no token" from "no keyring"), then the account. */
  g_signal_connect_object (self->token_rows, "notify::saved",
                           G_CALLBACK (token_saved_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::github-host",
                           G_CALLBACK (github_settings_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::github-client-id",
                           G_CALLBACK (github_settings_changed_cb), self, G_CONNECT_SWAPPED);
  update_github_host (self);
  forge_secrets_check_keyring_async (self->cancellable, keyring_checked_cb, g_object_ref (self));
}

static void
forge_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_PROVIDERS:
      self->providers = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_preferences_window_dispose (GObject *object)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  /* The binding's mapping reads this window: it must not outlive it,
   * even where something still holds the row. */
  if (self->backend_row != NULL)
    g_settings_unbind (self->backend_row, "selected");
  g_cancellable_cancel (self->cancellable);
  if (self->connect_window != NULL)
    gtk_window_destroy (self->connect_window);
  g_clear_weak_pointer (&self->connect_window);

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->dispose (object);
}

static void
forge_preferences_window_finalize (GObject *object)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->providers);
  g_clear_pointer (&self->backend_names, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->test_cancellable);
  g_clear_object (&self->token_rows);
  g_clear_object (&self->e2b_rows);
  g_clear_pointer (&self->envp, g_strfreev);
  g_clear_object (&self->github_host);
  g_clear_pointer (&self->github_host_problem, g_free);
  g_clear_pointer (&self->github_host_input_problem, g_free);
  g_clear_pointer (&self->github_keyring_problem, g_free);
  g_clear_object (&self->github_user);
  g_clear_pointer (&self->github_account_problem, g_free);
  g_clear_pointer (&self->github_token_problem, g_free);
  g_clear_object (&self->avatar_session);
  g_clear_object (&self->github_cancellable);
  g_clear_object (&self->avatar_cancellable);

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->finalize (object);
}

static gboolean
forge_preferences_window_close_request (GtkWindow *window)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (window);

  /* Nothing the keyring or E2B answers later has anywhere to go. */
  g_cancellable_cancel (self->cancellable);
  if (self->token_rows != NULL)
    forge_secret_rows_cancel (self->token_rows);
  if (self->e2b_rows != NULL)
    forge_secret_rows_cancel (self->e2b_rows);

  return GTK_WINDOW_CLASS (forge_preferences_window_parent_class)->close_request (window);
}

static void
forge_preferences_window_class_init (ForgePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = forge_preferences_window_constructed;
  object_class->set_property = forge_preferences_window_set_property;
  object_class->dispose = forge_preferences_window_dispose;
  object_class->finalize = forge_preferences_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = forge_preferences_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Where the backends offered come from; the process's usual ones when
   * unset. */
  properties[PROP_PROVIDERS] =
    g_param_spec_object ("providers", NULL, NULL,
                         FORGE_TYPE_SANDBOX_PROVIDERS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, keepalive_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, timeout_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, start_limit_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, start_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, backend_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, flatpak_host_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, flatpak_host_switch);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, memory_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, process_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, open_files_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, tmp_size_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, disk_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, host_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, token_status_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, forget_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, e2b_key_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, e2b_status_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, e2b_forget_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, e2b_test_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, e2b_test_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_group);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_notice_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_notice_icon);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_notice_spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_account_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_avatar);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_disconnect_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_connect_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_connect_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_token_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_token_status_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_token_spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, github_host_row);
  gtk_widget_class_bind_template_callback (widget_class, github_token_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, github_token_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, github_host_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, host_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, e2b_test_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, e2b_keys_activated_cb);

  gtk_widget_class_install_action (widget_class, "github.connect", NULL, github_connect_activated);
  gtk_widget_class_install_action (widget_class, "github.disconnect", NULL, github_disconnect_activated);
}

static void
forge_preferences_window_init (ForgePreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->backend_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  forge_accessible_fix_mnemonic_names (GTK_WIDGET (self));
}

GtkWindow *
forge_preferences_window_new (GSettings             *settings,
                              ForgeSandboxProviders *providers)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (providers == NULL || FORGE_IS_SANDBOX_PROVIDERS (providers), NULL);

  return g_object_new (FORGE_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       "providers", providers,
                       NULL);
}

GtkEditable *
forge_preferences_window_get_host_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->host_row);
}

GtkEditable *
forge_preferences_window_get_token_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->token_row);
}

GtkButton *
forge_preferences_window_get_forget_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->forget_button);
}

const char *
forge_preferences_window_get_token_status (ForgePreferencesWindow *self)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->token_status_row));
}

const char *
forge_preferences_window_get_token_problem (ForgePreferencesWindow *self)
{
  return forge_secret_rows_get_problem (self->token_rows);
}

GtkEditable *
forge_preferences_window_get_e2b_key_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->e2b_key_row);
}

GtkButton *
forge_preferences_window_get_e2b_forget_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->e2b_forget_button);
}

const char *
forge_preferences_window_get_e2b_status (ForgePreferencesWindow *self)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->e2b_status_row));
}

const char *
forge_preferences_window_get_e2b_problem (ForgePreferencesWindow *self)
{
  return forge_secret_rows_get_problem (self->e2b_rows);
}

GtkButton *
forge_preferences_window_get_e2b_test_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->e2b_test_button);
}

const char *
forge_preferences_window_get_e2b_test_result (ForgePreferencesWindow *self)
{
  return adw_action_row_get_subtitle (self->e2b_test_row);
}

AdwComboRow *
forge_preferences_window_get_backend_row (ForgePreferencesWindow *self)
{
  return self->backend_row;
}

GtkSpinButton *
forge_preferences_window_get_keepalive_spin (ForgePreferencesWindow *self)
{
  return self->keepalive_spin;
}

GtkSpinButton *
forge_preferences_window_get_memory_limit_spin (ForgePreferencesWindow *self)
{
  return self->memory_limit_spin;
}

GtkSpinButton *
forge_preferences_window_get_disk_limit_spin (ForgePreferencesWindow *self)
{
  return self->disk_limit_spin;
}

GtkSpinButton *
forge_preferences_window_get_process_limit_spin (ForgePreferencesWindow *self)
{
  return self->process_limit_spin;
}

GtkSpinButton *
forge_preferences_window_get_timeout_spin (ForgePreferencesWindow *self)
{
  return self->timeout_spin;
}

GtkSpinButton *
forge_preferences_window_get_start_limit_spin (ForgePreferencesWindow *self)
{
  return self->start_limit_spin;
}

const char *
forge_preferences_window_get_keepalive_subtitle (ForgePreferencesWindow *self)
{
  return adw_action_row_get_subtitle (self->keepalive_row);
}

AdwPreferencesGroup *
forge_preferences_window_get_github_group (ForgePreferencesWindow *self)
{
  return self->github_group;
}

const char *
forge_preferences_window_get_github_notice (ForgePreferencesWindow *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->github_notice_row)))
    return NULL;
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->github_notice_row));
}

GtkButton *
forge_preferences_window_get_github_connect_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->github_connect_button);
}

const char *
forge_preferences_window_get_github_connect_subtitle (ForgePreferencesWindow *self)
{
  return adw_action_row_get_subtitle (self->github_connect_row);
}

GtkWindow *
forge_preferences_window_get_github_connect_window (ForgePreferencesWindow *self)
{
  return self->connect_window;
}

GtkEditable *
forge_preferences_window_get_github_token_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->github_token_row);
}

const char *
forge_preferences_window_get_github_token_problem (ForgePreferencesWindow *self)
{
  return self->github_token_problem;
}

GtkEditable *
forge_preferences_window_get_github_host_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->github_host_row);
}

const char *
forge_preferences_window_get_github_account_title (ForgePreferencesWindow *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->github_account_row)))
    return NULL;
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->github_account_row));
}

const char *
forge_preferences_window_get_github_account_subtitle (ForgePreferencesWindow *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->github_account_row)))
    return NULL;
  return adw_action_row_get_subtitle (self->github_account_row);
}

AdwAvatar *
forge_preferences_window_get_github_avatar (ForgePreferencesWindow *self)
{
  return self->github_avatar;
}

GtkButton *
forge_preferences_window_get_github_disconnect_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->github_disconnect_button);
}
