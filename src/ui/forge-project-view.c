/* forge-project-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-project-view.h"

struct _ForgeProjectView
{
  GtkWidget       parent_instance;

  ForgeProject   *project;
  ForgePreviewSession *session;
  GSignalGroup   *session_signals;

  GtkRevealer    *banner_revealer;
  GtkLabel       *banner_label;
  GtkButton      *banner_button;
  GMenuModel     *sandbox_menu;
  GtkStack       *stack;
  AdwStatusPage  *steps_page;
  ForgeStepsView *steps_view;
  ForgePreview   *preview;
  ForgeLogView   *log_view;
  GtkRevealer    *log_revealer;
  ForgeRunsView  *runs_view;
  char           *page_before_runs;
#if ADW_CHECK_VERSION (1, 3, 0)
  /* Where libadwaita has it, the real banner replaces the look-alike. */
  AdwBanner      *adw_banner;
#endif
};

enum {
  PROP_0,
  PROP_PROJECT,
  PROP_SESSION,
  PROP_SHOW_LOG,
  PROP_SHOW_RUNS,
  N_PROPS
};

enum {
  RETRY,
  RESTART_SANDBOX,
  STOP_SANDBOX,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeProjectView, forge_project_view, GTK_TYPE_WIDGET)

static void
preview_path_changed_cb (ForgeProjectView *self)
{
  const char *path = forge_preview_get_path (self->preview);

  /* Remembered so a restart, or the next session, lands on the same page. */
  if (path != NULL && forge_preview_get_state (self->preview) == FORGE_PREVIEW_STATE_LOADED)
    forge_project_set_last_path (self->project, path);
}

/* The list is live: set once when shown, it follows new runs. */
static void
refresh_runs (ForgeProjectView *self)
{
  g_autoptr(GListModel) runs = NULL;

  if (self->session == NULL || !forge_project_view_get_show_runs (self))
    return;

  runs = forge_preview_session_list_runs (self->session);
  forge_runs_view_set_runs (self->runs_view, runs);
}

static void
session_step_cb (ForgeProjectView *self,
                 const char       *run_id,
                 const char       *step_id,
                 ForgeStepState    state,
                 guint             attempt,
                 gint64            duration_ms,
                 const char       *error_message)
{
  g_autofree char *detail = NULL;

  /* Under a failed step goes the output behind its error. */
  if (error_message != NULL)
    {
      g_autoptr(ForgeRunInfo) info = forge_preview_session_dup_run_info (self->session, run_id);
      ForgeStepInfo *step = info ? forge_run_info_lookup_step (info, step_id) : NULL;
      const char *log_tail = step ? forge_step_info_get_error_log_tail (step) : NULL;

      detail = log_tail ? g_strconcat (error_message, "\n", log_tail, NULL) : g_strdup (error_message);
    }
  forge_steps_view_update (self->steps_view, step_id, state, attempt, duration_ms, detail);
}

static void
session_progress_cb (ForgeProjectView *self,
                     const char       *run_id,
                     const char       *step_id,
                     double            fraction,
                     const char       *text)
{
  forge_steps_view_set_progress (self->steps_view, step_id, fraction, text);
}

static void
session_log_cb (ForgeProjectView *self,
                const char       *run_id,
                const char       *stream,
                const char       *line)
{
  forge_log_view_append (self->log_view, stream, line);
}

static void
session_server_log_cb (ForgeProjectView *self,
                       const char       *stream,
                       const char       *line)
{
  forge_log_view_append (self->log_view, stream, line);
}

static void
session_run_finished_cb (ForgeProjectView *self,
                         const char       *run_id,
                         ForgeRunStatus    status,
                         const char       *error_message)
{
  const char *url = forge_preview_session_get_preview_url (self->session);

  if (status == FORGE_RUN_STATUS_COMPLETED && url != NULL)
    forge_project_view_show_preview (self, url);
  else if (status == FORGE_RUN_STATUS_FAILED)
    {
      g_autoptr(ForgeRunInfo) info = forge_preview_session_dup_run_info (self->session, run_id);

      forge_project_view_show_error_with_log (self, error_message,
                                              info ? forge_run_info_get_error_log_tail (info) : NULL);
    }
}

static void
session_sandbox_state_cb (ForgeProjectView  *self,
                          ForgeSandboxState  state,
                          const char        *url,
                          gint64             restart_ms)
{
  if (state == FORGE_SANDBOX_STATE_RESTARTING)
    forge_preview_set_restoring (self->preview, TRUE);
  else if (state == FORGE_SANDBOX_STATE_RESTORED)
    {
      /* Same path, new origin; only the web view reloads. */
      forge_project_view_hide_banner (self);
      forge_preview_set_base_uri (self->preview, url, TRUE);
    }
  else if (state == FORGE_SANDBOX_STATE_GAVE_UP)
    forge_project_view_show_gave_up (self, _("The dev server keeps stopping right after it starts, so automatic restarts are off. Check the log, then restart it."));
}

static void
session_state_cb (ForgeProjectView *self)
{
  const char *message = forge_preview_session_get_error_message (self->session);

  switch (forge_preview_session_get_state (self->session))
    {
    case FORGE_PREVIEW_SESSION_STATE_STARTING:
      forge_project_view_begin_run (self);
      break;

    case FORGE_PREVIEW_SESSION_STATE_STOPPED:
      /* A cancelled run stops with nothing to say. */
      if (message != NULL)
        {
          forge_preview_set_restoring (self->preview, FALSE);
          forge_project_view_show_error (self, message);
        }
      break;

    case FORGE_PREVIEW_SESSION_STATE_IDLE:
    case FORGE_PREVIEW_SESSION_STATE_RUNNING:
    case FORGE_PREVIEW_SESSION_STATE_RESTORING:
    case FORGE_PREVIEW_SESSION_STATE_GAVE_UP:
    case FORGE_PREVIEW_SESSION_STATE_FAILED:
    case FORGE_PREVIEW_SESSION_STATE_REMOVED:
    default:
      /* run-finished and sandbox-state say what to show. */
      break;
    }
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[RETRY], 0);
}

static void
restart_sandbox_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  g_signal_emit (widget, signals[RESTART_SANDBOX], 0);
}

static void
stop_sandbox_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_signal_emit (widget, signals[STOP_SANDBOX], 0);
}

static void
toggle_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);

  forge_project_view_set_show_log (self, !forge_project_view_get_show_log (self));
}

static void
toggle_runs_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);

  forge_project_view_set_show_runs (self, !forge_project_view_get_show_runs (self));
}

static void
forge_project_view_constructed (GObject *object)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  G_OBJECT_CLASS (forge_project_view_parent_class)->constructed (object);

  if (self->session != NULL && self->project == NULL)
    self->project = g_object_ref (forge_preview_session_get_project (self->session));
  g_return_if_fail (FORGE_IS_PROJECT (self->project));

  g_object_bind_property (self->project, "name", self->steps_page, "title", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->project, "repo-url", self->steps_page, "description", G_BINDING_SYNC_CREATE);
  forge_steps_view_reset (self->steps_view, forge_clone_and_preview_get_step_ids ());
  forge_preview_set_menu_model (self->preview, self->sandbox_menu);

  if (forge_project_get_last_error (self->project) != NULL &&
      forge_project_get_status (self->project) == FORGE_PROJECT_STATUS_FAILED)
    forge_project_view_show_error (self, forge_project_get_last_error (self->project));

  if (self->session != NULL)
    {
      g_signal_group_set_target (self->session_signals, self->session);
      /* A run already under way (resumed at start-up) shows its steps. */
      if (forge_preview_session_get_state (self->session) == FORGE_PREVIEW_SESSION_STATE_STARTING)
        forge_project_view_begin_run (self);
    }
}

static void
forge_project_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;

    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SHOW_LOG:
      g_value_set_boolean (value, forge_project_view_get_show_log (self));
      break;

    case PROP_SHOW_RUNS:
      g_value_set_boolean (value, forge_project_view_get_show_runs (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_set_object (&self->project, g_value_get_object (value));
      break;

    case PROP_SESSION:
      g_set_object (&self->session, g_value_get_object (value));
      break;

    case PROP_SHOW_LOG:
      forge_project_view_set_show_log (self, g_value_get_boolean (value));
      break;

    case PROP_SHOW_RUNS:
      forge_project_view_set_show_runs (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_view_dispose (GObject *object)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_PROJECT_VIEW);
  /* The template's root has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL; )
    gtk_widget_unparent (child);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->session);
  g_clear_object (&self->project);
  g_clear_pointer (&self->page_before_runs, g_free);

  G_OBJECT_CLASS (forge_project_view_parent_class)->dispose (object);
}

static void
forge_project_view_class_init (ForgeProjectViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = forge_project_view_constructed;
  object_class->get_property = forge_project_view_get_property;
  object_class->set_property = forge_project_view_set_property;
  object_class->dispose = forge_project_view_dispose;

  properties[PROP_PROJECT] =
    g_param_spec_object ("project", NULL, NULL, FORGE_TYPE_PROJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, FORGE_TYPE_PREVIEW_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_LOG] =
    g_param_spec_boolean ("show-log", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_RUNS] =
    g_param_spec_boolean ("show-runs", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RETRY] =
    g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RESTART_SANDBOX] =
    g_signal_new ("restart-sandbox", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STOP_SANDBOX] =
    g_signal_new ("stop-sandbox", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (FORGE_TYPE_LOG_VIEW);
  g_type_ensure (FORGE_TYPE_RUNS_VIEW);
  g_type_ensure (FORGE_TYPE_PREVIEW);
  g_type_ensure (FORGE_TYPE_STEPS_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-project-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, banner_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, banner_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, sandbox_menu);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, steps_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, steps_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, preview);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, log_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, log_revealer);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, runs_view);
  gtk_widget_class_bind_template_callback (widget_class, preview_path_changed_cb);

  gtk_widget_class_install_action (widget_class, "project.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "project.toggle-log", NULL, toggle_log_action);
  gtk_widget_class_install_action (widget_class, "project.toggle-runs", NULL, toggle_runs_action);
  gtk_widget_class_install_action (widget_class, "sandbox.restart", NULL, restart_sandbox_action);
  gtk_widget_class_install_action (widget_class, "sandbox.stop", NULL, stop_sandbox_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "project.toggle-log", NULL);
}

static void
forge_project_view_init (ForgeProjectView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Its session's news, for as long as the view shows it. */
  self->session_signals = g_signal_group_new (FORGE_TYPE_PREVIEW_SESSION);
  g_signal_group_connect_object (self->session_signals, "step", G_CALLBACK (session_step_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "progress", G_CALLBACK (session_progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "log", G_CALLBACK (session_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "server-log", G_CALLBACK (session_server_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "run-finished", G_CALLBACK (session_run_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "sandbox-state", G_CALLBACK (session_sandbox_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::state", G_CALLBACK (session_state_cb), self, G_CONNECT_SWAPPED);

#if ADW_CHECK_VERSION (1, 3, 0)
  self->adw_banner = ADW_BANNER (adw_banner_new (""));
  gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->banner_revealer))),
                              GTK_WIDGET (self->adw_banner), NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_revealer), FALSE);
#endif
}

GtkWidget *
forge_project_view_new (ForgeProject *project)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (project), NULL);

  return g_object_new (FORGE_TYPE_PROJECT_VIEW, "project", project, NULL);
}

GtkWidget *
forge_project_view_new_for_session (ForgePreviewSession *session)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (session), NULL);

  return g_object_new (FORGE_TYPE_PROJECT_VIEW, "session", session, NULL);
}

ForgeProject *
forge_project_view_get_project (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->project;
}

ForgePreviewSession *
forge_project_view_get_session (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->session;
}

ForgePreview *
forge_project_view_get_preview (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->preview;
}

ForgeStepsView *
forge_project_view_get_steps_view (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->steps_view;
}

ForgeLogView *
forge_project_view_get_log_view (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->log_view;
}

void
forge_project_view_begin_run (ForgeProjectView *self)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  forge_steps_view_reset (self->steps_view, forge_clone_and_preview_get_step_ids ());
  forge_log_view_clear (self->log_view);
  forge_project_view_hide_banner (self);
  forge_project_view_set_show_runs (self, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "steps");
}

void
forge_project_view_show_preview (ForgeProjectView *self,
                                 const char       *url)
{
  const char *last_path;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));
  g_return_if_fail (url != NULL);

  forge_project_view_hide_banner (self);
  forge_project_view_set_show_runs (self, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "preview");

  last_path = forge_project_get_last_path (self->project);
  forge_preview_set_base_uri (self->preview, url, FALSE);
  if (last_path != NULL && !g_str_equal (last_path, "/"))
    forge_preview_navigate (self->preview, last_path);
}

static void
show_banner (ForgeProjectView *self,
             const char       *message,
             const char       *log_tail,
             const char       *button_label,
             const char       *button_action)
{
  g_autofree char *tooltip = NULL;

  if (message == NULL)
    message = _("Something went wrong.");

  gtk_button_set_label (self->banner_button, button_label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->banner_button), button_action);

#if ADW_CHECK_VERSION (1, 3, 0)
  {
    g_autofree char *escaped = g_markup_escape_text (message, -1);
    g_autoptr(GString) label = g_string_new (button_label);

    /* The banner's button takes no mnemonic. */
    g_string_replace (label, "_", "", 0);
    adw_banner_set_title (self->adw_banner, escaped);
    adw_banner_set_button_label (self->adw_banner, label->str);
    gtk_actionable_set_action_name (GTK_ACTIONABLE (self->adw_banner), button_action);
    adw_banner_set_revealed (self->adw_banner, TRUE);
    return;
  }
#endif

  tooltip = log_tail != NULL ? g_strconcat (message, "\n", log_tail, NULL) : g_strdup (message);
  gtk_label_set_text (self->banner_label, message);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->banner_label), tooltip);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

void
forge_project_view_show_error (ForgeProjectView *self,
                               const char       *message)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  show_banner (self, message, NULL, _("_Try Again"), "project.retry");
}

void
forge_project_view_show_error_with_log (ForgeProjectView *self,
                                        const char       *message,
                                        const char       *log_tail)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  show_banner (self, message, log_tail, _("_Try Again"), "project.retry");
}

void
forge_project_view_show_gave_up (ForgeProjectView *self,
                                 const char       *message)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  forge_preview_set_restoring (self->preview, FALSE);
  show_banner (self, message, NULL, _("_Restart"), "sandbox.restart");
}

void
forge_project_view_hide_banner (ForgeProjectView *self)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
#if ADW_CHECK_VERSION (1, 3, 0)
  adw_banner_set_revealed (self->adw_banner, FALSE);
#endif
}

gboolean
forge_project_view_get_banner_visible (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), FALSE);

#if ADW_CHECK_VERSION (1, 3, 0)
  return adw_banner_get_revealed (self->adw_banner);
#else
  return gtk_revealer_get_reveal_child (self->banner_revealer);
#endif
}

gboolean
forge_project_view_get_show_log (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), FALSE);
  return gtk_revealer_get_reveal_child (self->log_revealer);
}

void
forge_project_view_set_show_log (ForgeProjectView *self,
                                 gboolean          show_log)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  if (show_log == forge_project_view_get_show_log (self))
    return;

  gtk_revealer_set_reveal_child (self->log_revealer, show_log);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_LOG]);
}

ForgeRunsView *
forge_project_view_get_runs_view (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->runs_view;
}

gboolean
forge_project_view_get_show_runs (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "runs") == 0;
}

void
forge_project_view_set_show_runs (ForgeProjectView *self,
                                  gboolean          show_runs)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  if (!!show_runs == forge_project_view_get_show_runs (self))
    return;

  if (show_runs)
    {
      g_free (self->page_before_runs);
      self->page_before_runs = g_strdup (gtk_stack_get_visible_child_name (self->stack));
      gtk_stack_set_visible_child_name (self->stack, "runs");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, self->page_before_runs ? self->page_before_runs : "steps");

  refresh_runs (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_RUNS]);
}
