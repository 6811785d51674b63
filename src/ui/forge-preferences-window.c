/* forge-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-accessible.h"
#include "forge-backend-choices.h"
#include "forge-e2b-api.h"
#include "forge-e2b-provider.h"
#include "forge-preferences-window-private.h"
#include "forge-sandbox-providers.h"
#include "forge-secret-rows.h"
#include "forge-secrets.h"

/* Where E2B's dashboard makes API keys. */
#define E2B_KEYS_URL "https://e2b.dev/dashboard?tab=keys"

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
  /* The environment E2B is configured from (E2B_DOMAIN, E2B_API_URL…),
   * read once when the window opens. */
  char                **e2b_environ;

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
  config = forge_e2b_config_new ((const char * const *) self->e2b_environ, key);
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

#if GTK_CHECK_VERSION (4, 10, 0)
static void
keys_page_launched_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_uri_launcher_launch_finish (GTK_URI_LAUNCHER (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    g_warning ("Could not open E2B’s dashboard: %s", error->message);
}
#else
static void
keys_page_shown_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not open E2B’s dashboard: %s", error->message);
}
#endif

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
#if GTK_CHECK_VERSION (4, 10, 0)
  g_autoptr(GtkUriLauncher) launcher = gtk_uri_launcher_new (E2B_KEYS_URL);

  gtk_uri_launcher_launch (launcher, GTK_WINDOW (self), self->cancellable, keys_page_launched_cb, NULL);
#else
  gtk_show_uri_full (GTK_WINDOW (self), E2B_KEYS_URL, GDK_CURRENT_TIME, self->cancellable,
                     keys_page_shown_cb, NULL);
#endif
}

static void
forge_preferences_window_constructed (GObject *object)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->constructed (object);

  if (self->providers == NULL)
    self->providers = forge_sandbox_providers_new ();
  fill_backends (self);
  g_settings_bind_with_mapping (self->settings, "default-backend",
                                self->backend_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                backend_to_row, row_to_backend, self, NULL);

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

    self->e2b_environ = g_get_environ ();
    config = forge_e2b_config_new ((const char * const *) self->e2b_environ, NULL);
    self->e2b_rows = forge_secret_rows_new (&forge_secret_kind_e2b_key,
                                            ADW_ENTRY_ROW (self->e2b_key_row), self->e2b_status_row,
                                            self->e2b_forget_button,
                                            _("Enter an API key to save it. To remove the saved one, use Forget."));
    forge_secret_rows_set_scope (self->e2b_rows, forge_e2b_config_get_domain (config),
                                 _("An API key is saved"), _("No API key saved"));
    g_signal_connect_object (self->e2b_rows, "notify::saved",
                             G_CALLBACK (e2b_key_saved_changed_cb), self, G_CONNECT_SWAPPED);
  }
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
  g_clear_pointer (&self->e2b_environ, g_strfreev);

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
  gtk_widget_class_bind_template_callback (widget_class, host_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, e2b_test_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, e2b_keys_activated_cb);
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
