/* forge-window-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-branch-dialog.h"
#include "forge-git.h"
#include "forge-open-dialog.h"
#include "forge-preview-session.h"
#include "forge-window-private.h"

static void
open_dialog_open_cb (ForgeWindow     *self,
                     const char      *url,
                     ForgeOpenDialog *dialog)
{
  forge_window_open_repository_on (self, url, forge_open_dialog_get_backend (dialog));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  GtkWidget *dialog = forge_open_dialog_new (GTK_WINDOW (self), self->settings);

  forge_open_dialog_set_providers (FORGE_OPEN_DIALOG (dialog), forge_context_get_providers (self->context));

  g_signal_connect_object (dialog, "open", G_CALLBACK (open_dialog_open_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ForgeWindow      *self)
{
  if (g_str_equal (response, "remove"))
    forge_window_remove_project (self, g_object_get_data (G_OBJECT (dialog), "project-id"));
}

static void
remove_project_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgePreviewSession *session = _forge_window_lookup_session (self, g_variant_get_string (parameter, NULL));
  ForgeProject *project = session ? forge_preview_session_get_project (session) : NULL;
  const char *project_id;
  GtkWidget *dialog;

  if (project == NULL)
    return;

  project_id = forge_project_get_id (project);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove Project?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” will be stopped and its local copy, with its installed packages, deleted. The repository itself is not touched."),
                                  forge_project_get_name (project));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "project-id", g_strdup (project_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* {{{ Pull and Switch Branch */

/* What an update is about, for the answer to come back to the project. */
typedef struct
{
  ForgeWindow *window;
  char        *project_id;
  char        *ref;     /* Switch Branch's */
} Update;

static Update *
update_new (ForgeWindow         *self,
            ForgePreviewSession *session,
            const char          *ref)
{
  Update *update = g_new0 (Update, 1);

  update->window = g_object_ref (self);
  update->project_id = g_strdup (forge_preview_session_get_project_id (session));
  update->ref = g_strdup (ref);
  return update;
}

static void
update_free (Update *update)
{
  g_object_unref (update->window);
  g_free (update->project_id);
  g_free (update->ref);
  g_free (update);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Update, update_free)

static void
update_free_closure (gpointer  data,
                     GClosure *closure)
{
  update_free (data);
}

static ForgePreviewSession *
update_session (Update *update)
{
  return _forge_window_lookup_session (update->window, update->project_id);
}

static void reset_done_cb (GObject *object, GAsyncResult *result, gpointer user_data);
static void switch_done_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* The clone has changes of its own, or a history the remote no longer
 * has: only dropping them lets the project follow the remote. */
static void
offer_reset_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  g_autoptr(Update) update = user_data;
  ForgePreviewSession *session;

  if (!g_str_equal (response, "reset") || (session = update_session (update)) == NULL)
    return;

  if (update->ref != NULL)
    forge_preview_session_switch_ref_async (session, update->ref, TRUE, update->window->cancellable,
                                            switch_done_cb, update_new (update->window, session, update->ref));
  else
    forge_preview_session_reset_to_remote_async (session, update->window->cancellable,
                                                 reset_done_cb, update_new (update->window, session, NULL));
}

static void
offer_reset (Update       *update,
             const GError *error)
{
  GtkWidget *dialog;
  gboolean switching = update->ref != NULL;

  dialog = adw_message_dialog_new (GTK_WINDOW (update->window),
                                   switching ? _("Discard Local Changes?") : _("Reset to Remote?"),
                                   NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), "%s %s", error->message,
                                  switching
                                  ? _("Switching discards the changes made to the project’s files here. The repository itself is not touched.")
                                  : _("Resetting makes the project the remote’s version again: the changes made to its files here are lost. The repository itself is not touched."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "reset", switching ? _("_Discard and Switch") : _("_Reset to Remote"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reset", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (offer_reset_response_cb),
                    update_new (update->window, update_session (update), update->ref));
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
pull_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Update) update = user_data;
  g_autoptr(GError) error = NULL;
  gboolean updated = FALSE;

  if (forge_preview_session_pull_finish (FORGE_PREVIEW_SESSION (object), result, &updated, &error))
    {
      if (!updated)
        _forge_window_toast (update->window, _("Already up to date"));
      return;
    }

  if (is_cancelled (error))
    return;
  if (g_error_matches (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIRTY) ||
      g_error_matches (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIVERGED))
    offer_reset (update, error);
  else
    _forge_window_toast (update->window, error->message);
}

static void
reset_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Update) update = user_data;
  g_autoptr(GError) error = NULL;

  if (!forge_preview_session_reset_to_remote_finish (FORGE_PREVIEW_SESSION (object), result, &error) &&
      !is_cancelled (error))
    _forge_window_toast (update->window, error->message);
}

static void
switch_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Update) update = user_data;
  g_autoptr(GError) error = NULL;

  if (forge_preview_session_switch_ref_finish (FORGE_PREVIEW_SESSION (object), result, &error) ||
      is_cancelled (error))
    return;

  if (g_error_matches (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIRTY))
    offer_reset (update, error);
  else
    _forge_window_toast (update->window, error->message);
}

static void
pull_project_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgePreviewSession *session = _forge_window_lookup_session (self, g_variant_get_string (parameter, NULL));

  if (session != NULL)
    forge_preview_session_pull_async (session, self->cancellable, pull_done_cb, update_new (self, session, NULL));
}

static void
branch_chosen_cb (ForgeBranchDialog *dialog,
                  const char        *ref,
                  gpointer           user_data)
{
  Update *chooser = user_data;
  ForgePreviewSession *session = update_session (chooser);

  if (session != NULL)
    forge_preview_session_switch_ref_async (session, ref, FALSE, chooser->window->cancellable,
                                            switch_done_cb, update_new (chooser->window, session, ref));
}

static void
switch_branch_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgePreviewSession *session = _forge_window_lookup_session (self, g_variant_get_string (parameter, NULL));
  ForgeProject *project = session != NULL ? forge_preview_session_get_project (session) : NULL;
  GtkWidget *dialog;

  if (project == NULL)
    return;

  {
    g_auto(GStrv) envp = g_get_environ ();
    g_autofree char *configured = g_settings_get_string (self->settings, "github-host");
    /* Not usable (a bad GH_HOST): the remote itself lists them. */
    g_autoptr(ForgeGithubHost) github = forge_github_host_new_configured ((const char * const *) envp, configured, NULL);

    dialog = forge_branch_dialog_new (GTK_WINDOW (self), forge_project_get_repo_url (project),
                                      forge_project_get_git_ref (project), github);
  }
  g_signal_connect_data (dialog, "switch", G_CALLBACK (branch_chosen_cb),
                         update_new (self, session, NULL), update_free_closure, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* }}} */

static void
toggle_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  if (view != NULL)
    forge_project_view_set_show_log (view, !forge_project_view_get_show_log (view));
}

/* The visible project's app chooser (a monorepo's apps). */
static void
choose_app_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (FORGE_WINDOW (widget));

  if (view != NULL)
    gtk_widget_activate_action (GTK_WIDGET (view), "project.choose-app", NULL);
}

static void
start_project_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgePreviewSession *session = _forge_window_lookup_session (self, g_variant_get_string (parameter, NULL));

  if (session != NULL)
    _forge_window_start_project (self, session);
}

static void
stop_project_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgePreviewSession *session = _forge_window_lookup_session (self, g_variant_get_string (parameter, NULL));

  if (session != NULL)
    forge_preview_session_stop (session);
}

static void
show_sidebar_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  _forge_window_show_sidebar (FORGE_WINDOW (widget));
}

/* The preview's and the log's own actions, from wherever the focus is:
 * their key bindings only work with the focus inside them. */
static void
preview_forward_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  ForgePreview *preview = _forge_window_get_visible_preview (FORGE_WINDOW (widget));
  const char *name = g_str_equal (action_name, "win.reload") ? "preview.reload"
                   : g_str_equal (action_name, "win.back") ? "preview.back"
                   : g_str_equal (action_name, "win.forward") ? "preview.forward"
                   : g_str_equal (action_name, "win.inspect") ? "preview.inspect"
                   : "preview.focus-address";

  if (preview != NULL)
    gtk_widget_activate_action (GTK_WIDGET (preview), name, NULL);
}

static void
search_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  if (view == NULL)
    return;

  forge_project_view_set_show_log (view, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (forge_project_view_get_log_view (view)), "log.search", NULL);
}

void
_forge_window_update_actions (ForgeWindow *self)
{
  gboolean has_preview = _forge_window_get_visible_preview (self) != NULL;
  gboolean has_project = forge_window_get_visible_project_view (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reload", has_preview);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", has_preview);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.forward", has_preview);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.focus-address", has_preview);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.inspect", has_preview);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search-log", has_project);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-log", has_project);

  {
    ForgePreviewSession *session = _forge_window_lookup_session (self, "");
    gboolean can_update = session != NULL &&
                          forge_preview_session_get_state (session) != FORGE_PREVIEW_SESSION_STATE_REMOVED &&
                          !forge_preview_session_has_active_run (session) &&
                          !forge_preview_session_is_updating (session);

    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pull-project", can_update);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.switch-branch", can_update);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.choose-app", can_update);
  }
}

void
_forge_window_class_actions_init (ForgeWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* The shortcuts are the application's accels (forge-application.c), so
   * that they work wherever the focus is and the Shortcuts window lists
   * them. A project parameter is its id, or "" for the visible one. */
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.start-project", "s", start_project_action);
  gtk_widget_class_install_action (widget_class, "win.stop-project", "s", stop_project_action);
  gtk_widget_class_install_action (widget_class, "win.remove-project", "s", remove_project_action);
  gtk_widget_class_install_action (widget_class, "win.pull-project", "s", pull_project_action);
  gtk_widget_class_install_action (widget_class, "win.switch-branch", "s", switch_branch_action);
  gtk_widget_class_install_action (widget_class, "win.choose-app", NULL, choose_app_action);
  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-log", NULL, toggle_log_action);
  gtk_widget_class_install_action (widget_class, "win.search-log", NULL, search_log_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, preview_forward_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, preview_forward_action);
  gtk_widget_class_install_action (widget_class, "win.forward", NULL, preview_forward_action);
  gtk_widget_class_install_action (widget_class, "win.focus-address", NULL, preview_forward_action);
  gtk_widget_class_install_action (widget_class, "win.inspect", NULL, preview_forward_action);
}
