/* forge-project-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-project-row.h"
#include "forge-util.h"

struct _ForgeProjectRow
{
  GtkListBoxRow        parent_instance;

  ForgeProject        *project;
  ForgePreviewSession *session;
  GSignalGroup        *session_signals;
  GSignalGroup        *project_signals;

  GtkImage            *status_image;
  GtkLabel            *name_label;
  GtkLabel            *subtitle_label;
  GMenuModel          *context_menu;
  GtkWidget           *popover;
};

enum {
  PROP_0,
  PROP_PROJECT,
  PROP_SESSION,
  PROP_STATE_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeProjectRow, forge_project_row, GTK_TYPE_LIST_BOX_ROW)

static ForgePreviewSessionState
current_state (ForgeProjectRow *self)
{
  /* No session: nothing was started for it since the app started. */
  return self->session != NULL ? forge_preview_session_get_state (self->session)
                               : FORGE_PREVIEW_SESSION_STATE_IDLE;
}

const char *
forge_project_row_get_state_label (ForgeProjectRow *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_ROW (self), NULL);

  switch (current_state (self))
    {
    case FORGE_PREVIEW_SESSION_STATE_STARTING:
      return _("Starting");
    case FORGE_PREVIEW_SESSION_STATE_RUNNING:
      return _("Running");
    case FORGE_PREVIEW_SESSION_STATE_RESTORING:
      return _("Restoring");
    case FORGE_PREVIEW_SESSION_STATE_GAVE_UP:
      return _("Keeps Stopping");
    case FORGE_PREVIEW_SESSION_STATE_FAILED:
      return _("Failed");
    case FORGE_PREVIEW_SESSION_STATE_IDLE:
    case FORGE_PREVIEW_SESSION_STATE_STOPPED:
    case FORGE_PREVIEW_SESSION_STATE_REMOVED:
    default:
      return _("Stopped");
    }
}

static const char *
state_icon_name (ForgePreviewSessionState state)
{
  switch (state)
    {
    case FORGE_PREVIEW_SESSION_STATE_STARTING:
    case FORGE_PREVIEW_SESSION_STATE_RESTORING:
      return "content-loading-symbolic";
    case FORGE_PREVIEW_SESSION_STATE_RUNNING:
      return "emblem-ok-symbolic";
    case FORGE_PREVIEW_SESSION_STATE_GAVE_UP:
      return "dialog-warning-symbolic";
    case FORGE_PREVIEW_SESSION_STATE_FAILED:
      return "dialog-error-symbolic";
    case FORGE_PREVIEW_SESSION_STATE_IDLE:
    case FORGE_PREVIEW_SESSION_STATE_STOPPED:
    case FORGE_PREVIEW_SESSION_STATE_REMOVED:
    default:
      return "media-playback-stop-symbolic";
    }
}

static void
update (ForgeProjectRow *self)
{
  const char *state_label = forge_project_row_get_state_label (self);
  const char *name = forge_project_get_name (self->project);
  g_autofree char *url = forge_display_url (forge_project_get_repo_url (self->project));
  /* TRANSLATORS: a project in the sidebar, for screen readers:
   * its name, then its state ("todo-app, Running"). */
  g_autofree char *accessible_label = g_strdup_printf (_("%s, %s"), name, state_label);

  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->subtitle_label, url);
  gtk_image_set_from_icon_name (self->status_image, state_icon_name (current_state (self)));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_image), state_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, url,
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_LABEL]);
}

static void
ensure_popover (ForgeProjectRow *self)
{
  if (self->popover != NULL)
    return;

  self->popover = gtk_popover_menu_new_from_model (self->context_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
  gtk_widget_set_halign (self->popover, GTK_ALIGN_START);
  gtk_widget_set_parent (self->popover, GTK_WIDGET (self));
}

static void
popup_at (ForgeProjectRow *self,
          double           x,
          double           y)
{
  ensure_popover (self);
  if (x >= 0 && y >= 0)
    gtk_popover_set_pointing_to (GTK_POPOVER (self->popover), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  else
    gtk_popover_set_pointing_to (GTK_POPOVER (self->popover), NULL);
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

void
forge_project_row_popup_menu (ForgeProjectRow *self)
{
  g_return_if_fail (FORGE_IS_PROJECT_ROW (self));

  popup_at (self, -1, -1);
}

GtkPopover *
forge_project_row_get_menu (ForgeProjectRow *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_ROW (self), NULL);

  ensure_popover (self);
  return GTK_POPOVER (self->popover);
}

static void
secondary_pressed_cb (ForgeProjectRow *self,
                      int              n_press,
                      double           x,
                      double           y,
                      GtkGesture      *gesture)
{
  gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
  popup_at (self, x, y);
}

static void
long_pressed_cb (ForgeProjectRow *self,
                 double           x,
                 double           y,
                 GtkGesture      *gesture)
{
  gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
  popup_at (self, x, y);
}

static void
menu_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  forge_project_row_popup_menu (FORGE_PROJECT_ROW (widget));
}

/* The window owns what these do; the row only says which project. */
static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (widget);

  gtk_widget_activate_action (widget, "win.start-project", "s", forge_project_get_id (self->project));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (widget);

  gtk_widget_activate_action (widget, "win.remove-project", "s", forge_project_get_id (self->project));
}

static void
forge_project_row_constructed (GObject *object)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (object);

  G_OBJECT_CLASS (forge_project_row_parent_class)->constructed (object);

  g_return_if_fail (FORGE_IS_PROJECT (self->project));
  g_signal_group_set_target (self->project_signals, self->project);
  update (self);
}

static void
forge_project_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;

    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_STATE_LABEL:
      g_value_set_string (value, forge_project_row_get_state_label (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_row_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_set_object (&self->project, g_value_get_object (value));
      break;

    case PROP_SESSION:
      forge_project_row_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_row_dispose (GObject *object)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (object);

  g_clear_pointer (&self->popover, gtk_widget_unparent);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  if (self->project_signals != NULL)
    g_signal_group_set_target (self->project_signals, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_PROJECT_ROW);

  G_OBJECT_CLASS (forge_project_row_parent_class)->dispose (object);
}

static void
forge_project_row_finalize (GObject *object)
{
  ForgeProjectRow *self = FORGE_PROJECT_ROW (object);

  g_clear_object (&self->session_signals);
  g_clear_object (&self->project_signals);
  g_clear_object (&self->session);
  g_clear_object (&self->project);

  G_OBJECT_CLASS (forge_project_row_parent_class)->finalize (object);
}

static void
forge_project_row_class_init (ForgeProjectRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = forge_project_row_constructed;
  object_class->get_property = forge_project_row_get_property;
  object_class->set_property = forge_project_row_set_property;
  object_class->dispose = forge_project_row_dispose;
  object_class->finalize = forge_project_row_finalize;

  properties[PROP_PROJECT] =
    g_param_spec_object ("project", NULL, NULL, FORGE_TYPE_PROJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, FORGE_TYPE_PREVIEW_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_LABEL] =
    g_param_spec_string ("state-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-project-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectRow, status_image);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectRow, context_menu);
  gtk_widget_class_bind_template_callback (widget_class, secondary_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, long_pressed_cb);

  gtk_widget_class_install_action (widget_class, "row.menu", NULL, menu_action);
  gtk_widget_class_install_action (widget_class, "row.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "row.remove", NULL, remove_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "row.menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "row.menu", NULL);
}

static void
forge_project_row_init (ForgeProjectRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->project_signals = g_signal_group_new (FORGE_TYPE_PROJECT);
  g_signal_group_connect_object (self->project_signals, "notify::name", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->project_signals, "notify::repo-url", G_CALLBACK (update), self, G_CONNECT_SWAPPED);

  self->session_signals = g_signal_group_new (FORGE_TYPE_PREVIEW_SESSION);
  g_signal_group_connect_object (self->session_signals, "notify::state", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
}

GtkWidget *
forge_project_row_new (ForgeProject *project)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (project), NULL);

  return g_object_new (FORGE_TYPE_PROJECT_ROW, "project", project, NULL);
}

ForgeProject *
forge_project_row_get_project (ForgeProjectRow *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_ROW (self), NULL);
  return self->project;
}

const char *
forge_project_row_get_project_id (ForgeProjectRow *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_ROW (self), NULL);
  return forge_project_get_id (self->project);
}

ForgePreviewSession *
forge_project_row_get_session (ForgeProjectRow *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_ROW (self), NULL);
  return self->session;
}

void
forge_project_row_set_session (ForgeProjectRow     *self,
                               ForgePreviewSession *session)
{
  g_return_if_fail (FORGE_IS_PROJECT_ROW (self));
  g_return_if_fail (session == NULL || FORGE_IS_PREVIEW_SESSION (session));

  if (!g_set_object (&self->session, session))
    return;

  g_signal_group_set_target (self->session_signals, session);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
