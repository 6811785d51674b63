/* forge-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-application.h"
#include "forge-clone-and-preview.h"
#include "forge-context.h"
#include "forge-preferences-window.h"
#include "forge-window.h"

struct _ForgeApplication
{
  AdwApplication  parent_instance;
  GSettings            *settings;
  ForgeContext         *context;
  char                 *preview_uri;
  gboolean              resumed;
  char                 *load_error;
  /* Damaged run journals set aside since the last word about them. */
  guint                 n_damaged_journals;
  guint                 damaged_journals_idle;
  char          **repository_urls;
};

G_DEFINE_FINAL_TYPE (ForgeApplication, forge_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  /* For screenshots and manual checks of the preview pane: show a running
   * server without going through a repository. */
  { "preview-uri", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Show an already running web server in the preview"), N_("URI") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL, NULL, N_("[REPOSITORY-URL…]") },
  { NULL }
};

ForgeApplication *
forge_application_new (void)
{
  return g_object_new (FORGE_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}

GSettings *
forge_application_get_settings (ForgeApplication *self)
{
  g_return_val_if_fail (FORGE_IS_APPLICATION (self), NULL);

  return self->settings;
}

ForgeContext *
forge_application_get_context (ForgeApplication *self)
{
  g_return_val_if_fail (FORGE_IS_APPLICATION (self), NULL);
  return self->context;
}

ForgeProjectStore *
forge_application_get_store (ForgeApplication *self)
{
  g_return_val_if_fail (FORGE_IS_APPLICATION (self), NULL);
  return self->context != NULL ? forge_context_get_store (self->context) : NULL;
}

ForgeWorkflowEngine *
forge_application_get_engine (ForgeApplication *self)
{
  g_return_val_if_fail (FORGE_IS_APPLICATION (self), NULL);
  return self->context != NULL ? forge_context_get_engine (self->context) : NULL;
}

ForgeSandboxManager *
forge_application_get_manager (ForgeApplication *self)
{
  g_return_val_if_fail (FORGE_IS_APPLICATION (self), NULL);
  return self->context != NULL ? forge_context_get_manager (self->context) : NULL;
}

static void
sync_workflow_settings (ForgeApplication *self)
{
  ForgeCloneAndPreview *workflow = forge_context_get_workflow (self->context);
  ForgeSandboxManager *manager = forge_context_get_manager (self->context);

  forge_clone_and_preview_set_server_timeout (workflow,
                                              g_settings_get_uint (self->settings, "server-start-timeout"));
  forge_clone_and_preview_set_sandbox_timeout (workflow,
                                               g_settings_get_uint (self->settings, "sandbox-timeout"));
  forge_sandbox_manager_set_keepalive_interval (manager,
                                                g_settings_get_uint (self->settings, "keepalive-interval"));
  forge_sandbox_manager_set_sandbox_timeout (manager,
                                             g_settings_get_uint (self->settings, "sandbox-timeout"));
  forge_context_set_flatpak_host (self->context,
                                  g_settings_get_boolean (self->settings, "flatpak-host-sandbox"));

  {
    ForgeSandboxLimits limits = {
      .memory_bytes = (guint64) g_settings_get_uint (self->settings, "sandbox-memory-limit") * 1024 * 1024,
      .max_tasks = g_settings_get_uint (self->settings, "sandbox-process-limit"),
      .max_open_files = g_settings_get_uint (self->settings, "sandbox-open-files-limit"),
      .tmp_bytes = (guint64) g_settings_get_uint (self->settings, "sandbox-tmp-size") * 1024 * 1024,
      .workspace_bytes = (guint64) g_settings_get_uint (self->settings, "workspace-disk-limit") * 1024 * 1024,
    };

    forge_clone_and_preview_set_sandbox_limits (workflow, &limits);
  }
}

static ForgeWindow *
get_or_create_window (ForgeApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (forge_window_new (self));

  return FORGE_WINDOW (window);
}

static gboolean
report_damaged_journals (gpointer user_data)
{
  ForgeApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autofree char *message = NULL;

  self->damaged_journals_idle = 0;
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u damaged run record was set aside: that run’s history is gone, nothing else.",
                                          "%u damaged run records were set aside: those runs’ history is gone, nothing else.",
                                          self->n_damaged_journals),
                             self->n_damaged_journals);
  self->n_damaged_journals = 0;

  if (FORGE_IS_WINDOW (window))
    forge_window_show_message (FORGE_WINDOW (window), message);
  else
    {
      g_free (self->load_error);
      self->load_error = g_steal_pointer (&message);
    }

  return G_SOURCE_REMOVE;
}

/* Found while runs are listed, possibly several at once: said once. */
static void
on_journal_error (ForgeApplication *self,
                  const char       *path,
                  const char       *message)
{
  self->n_damaged_journals++;
  if (self->damaged_journals_idle == 0)
    self->damaged_journals_idle = g_idle_add (report_damaged_journals, self);
}

static void
forge_application_activate (GApplication *app)
{
  ForgeApplication *self = FORGE_APPLICATION (app);
  ForgeWindow *window = get_or_create_window (self);

  if (self->preview_uri != NULL)
    forge_window_show_uri (window, self->preview_uri);

  /* Said once, where the person looks. */
  if (self->load_error != NULL)
    {
      forge_window_show_message (window, self->load_error);
      g_clear_pointer (&self->load_error, g_free);
    }

  /* Runs a crash interrupted carry on, now that a window shows them. */
  if (!self->resumed)
    {
      g_auto(GStrv) resumed = forge_workflow_engine_resume (forge_context_get_engine (self->context));

      self->resumed = TRUE;
      if (resumed != NULL && resumed[0] != NULL)
        g_debug ("Resumed %u interrupted runs", g_strv_length (resumed));
    }

  for (guint i = 0; self->repository_urls != NULL && self->repository_urls[i] != NULL; i++)
    forge_window_open_repository (window, self->repository_urls[i]);
  g_clear_pointer (&self->repository_urls, g_strfreev);

  gtk_window_present (GTK_WINDOW (window));
}

static int
forge_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  ForgeApplication *self = FORGE_APPLICATION (app);
  const char *uri = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "preview-uri", "&s", &uri))
    {
      g_free (self->preview_uri);
      self->preview_uri = g_strdup (uri);
    }

  g_clear_pointer (&self->repository_urls, g_strfreev);
  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^as", &self->repository_urls);

  return -1;
}

static void
forge_application_startup (GApplication *app)
{
  ForgeApplication *self = FORGE_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  /* Window-wide: GtkApplication's accels are handled before the focused
   * widget sees the key, wherever the focus is (the sidebar too). */
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.reload", { "F5", "<Control>r", NULL } },
    { "win.focus-address", { "<Control>l", NULL } },
    { "win.inspect", { "<Control><Shift>i", NULL } },
    { "win.back", { "<Alt>Left", NULL } },
    { "win.forward", { "<Alt>Right", NULL } },
    { "win.search-log", { "<Control>f", NULL } },
    { "win.toggle-log", { "<Control><Shift>l", NULL } },
  };

  G_APPLICATION_CLASS (forge_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  self->context = forge_context_new (NULL, NULL);
  g_signal_connect_object (forge_context_get_engine (self->context), "journal-error",
                           G_CALLBACK (on_journal_error), self, G_CONNECT_SWAPPED);
  if (!forge_context_load (self->context, &error))
    {
      g_warning ("%s", error->message);
      self->load_error = g_strdup (error->message);
    }
  /* New projects run where the preferences say; existing ones keep
   * their backend. */
  g_settings_bind (self->settings, "default-backend", forge_context_get_store (self->context), "default-backend",
                   G_SETTINGS_BIND_GET);
  sync_workflow_settings (self);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (sync_workflow_settings),
                           self, G_CONNECT_SWAPPED);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static gboolean
stop_waiting (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
forge_application_shutdown (GApplication *app)
{
  ForgeApplication *self = FORGE_APPLICATION (app);
  ForgeWorkflowEngine *engine = forge_context_get_engine (self->context);
  ForgeSandboxManager *manager = forge_context_get_manager (self->context);
  gboolean timed_out = FALSE;
  guint deadline;

  /* No restart may start while quitting. Runs stop at their next step
   * boundary or cancellable check; wait for them (a while, not forever)
   * so nothing they started outlives the app, then stop the servers. */
  forge_sandbox_manager_set_restarter (manager, NULL, NULL, NULL);
  forge_workflow_engine_cancel_all (engine);
  deadline = g_timeout_add_seconds (10, stop_waiting, &timed_out);
  while (forge_workflow_engine_get_n_active (engine) > 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (deadline);
  forge_sandbox_manager_stop_all (manager);
  forge_project_store_save (forge_context_get_store (self->context), NULL);
  g_clear_handle_id (&self->damaged_journals_idle, g_source_remove);

  G_APPLICATION_CLASS (forge_application_parent_class)->shutdown (app);
}

static void
forge_application_finalize (GObject *object)
{
  ForgeApplication *self = FORGE_APPLICATION (object);

  g_clear_object (&self->context);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->preview_uri, g_free);
  g_clear_pointer (&self->load_error, g_free);
  g_clear_pointer (&self->repository_urls, g_strfreev);

  G_OBJECT_CLASS (forge_application_parent_class)->finalize (object);
}

static void
forge_application_class_init (ForgeApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = forge_application_finalize;

  app_class->activate = forge_application_activate;
  app_class->startup = forge_application_startup;
  app_class->shutdown = forge_application_shutdown;
  app_class->handle_local_options = forge_application_handle_local_options;
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  ForgeApplication *self = user_data;

  /* Closing each window lets it cancel its work and stop its sandboxes. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; )
    {
      GtkWindow *window = l->data;
      l = l->next;
      gtk_window_close (window);
    }

  g_application_quit (G_APPLICATION (self));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ForgeApplication *self = user_data;
  static const char *developers[] = { "The Forge Preview developers", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (parent,
                         "application-name", _("Forge Preview"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Forge Preview developers"),
                         "version", PACKAGE_VERSION,
                         "website", "https://github.com/forgepreview/forge-preview",
                         "issue-url", "https://github.com/forgepreview/forge-preview/issues",
                         "developers", developers,
                         "copyright", "© 2026 The Forge Preview developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Preview a web project straight from its Git repository"),
                         NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ForgeApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *preferences = forge_preferences_window_new (self->settings,
                                                         forge_context_get_providers (self->context));

  gtk_window_set_transient_for (preferences, parent);
  gtk_window_present (preferences);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "preferences", preferences_action },
};

static void
forge_application_init (ForgeApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
}
