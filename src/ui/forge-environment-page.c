/* forge-environment-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-env-file.h"
#include "forge-environment-page-private.h"
#include "forge-framework.h"
#include "forge-local-workspace.h"
#include "forge-secrets.h"
#include "forge-util.h"

struct _ForgeEnvironmentPage
{
  GtkWidget            parent_instance;

  ForgeProject        *project;
  gboolean             offer_restart;
  GCancellable        *cancellable;

  AdwToastOverlay     *toast_overlay;
  AdwPreferencesGroup *variables_group;
  AdwPreferencesGroup *proposed_group;
  AdwEntryRow         *new_name_row;
  AdwEntryRow         *install_row;
  AdwEntryRow         *dev_row;
  AdwEntryRow         *port_row;

  GPtrArray           *variable_rows;
  GPtrArray           *proposed_rows;
  /* The names .env.example proposes, once read. */
  char               **proposed_names;
  /* The names and kinds the variable rows show: rows are made again only
   * when these change, not while someone types a value. */
  char                *shape;
  char                *detected_install;
  char                *detected_dev;

  guint                n_restart_offers;
  char                *last_message;
  guint                n_pending;
};

enum {
  PROP_0,
  PROP_PROJECT,
  PROP_OFFER_RESTART,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeEnvironmentPage, forge_environment_page, GTK_TYPE_WIDGET)

static void rebuild (ForgeEnvironmentPage *self);

/* One line, with Restart when the change waits for one. */
static void
show_message (ForgeEnvironmentPage *self,
              const char           *message,
              gboolean              needs_restart)
{
  AdwToast *toast = adw_toast_new (message);

  g_free (self->last_message);
  self->last_message = g_strdup (message);

  if (needs_restart && self->offer_restart)
    {
      adw_toast_set_button_label (toast, _("_Restart"));
      adw_toast_set_action_name (toast, "project.restart");
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      self->n_restart_offers++;
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
saved (ForgeEnvironmentPage *self)
{
  if (self->offer_restart)
    show_message (self, _("Saved: restart the preview to apply it"), TRUE);
}

/* {{{ Keyring work */

typedef struct
{
  ForgeEnvironmentPage *self;
  char                 *name;
  char                 *value;   /* wiped */
} KeyringOp;

static KeyringOp *
keyring_op_new (ForgeEnvironmentPage *self,
                const char           *name,
                const char           *value)
{
  KeyringOp *op = g_new0 (KeyringOp, 1);

  op->self = g_object_ref (self);
  op->name = g_strdup (name);
  op->value = g_strdup (value);
  self->n_pending++;
  return op;
}

static void
keyring_op_free (KeyringOp *op)
{
  op->self->n_pending--;
  g_object_unref (op->self);
  g_free (op->name);
  forge_secrets_free_token (g_steal_pointer (&op->value));
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeyringOp, keyring_op_free)

static void
keyring_failed (ForgeEnvironmentPage *self,
                GError               *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_message (self, error->message, FALSE);
}

static void
secret_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(KeyringOp) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!forge_secrets_store_env_value_finish (result, &error))
    {
      keyring_failed (op->self, error);
      return;
    }

  /* Only now: the project must never name a secret the keyring lacks
   * while it still holds the plain value, nor lose that value. */
  if (op->self->project != NULL)
    forge_project_set_env (op->self->project, op->name, NULL, TRUE);
  saved (op->self);
}

static void
store_secret (ForgeEnvironmentPage *self,
              const char           *name,
              const char           *value)
{
  KeyringOp *op = keyring_op_new (self, name, NULL);

  forge_secrets_store_env_value_async (forge_project_get_id (self->project), name, value,
                                       self->cancellable, secret_stored_cb, op);
}

static void
secret_cleared_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(KeyringOp) op = user_data;
  g_autoptr(GError) error = NULL;

  if (!forge_secrets_clear_env_value_finish (result, &error))
    keyring_failed (op->self, error);
}

static void
clear_secret (ForgeEnvironmentPage *self,
              const char           *name)
{
  forge_secrets_clear_env_value_async (forge_project_get_id (self->project), name, self->cancellable,
                                       secret_cleared_cb, keyring_op_new (self, name, NULL));
}

/* A secret made plain again: its value comes back from the keyring to
 * the project, then leaves the keyring. */
static void
secret_looked_up_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(KeyringOp) op = user_data;
  g_autoptr(GError) error = NULL;
  char *value = forge_secrets_lookup_env_value_finish (result, &error);

  if (error != NULL)
    {
      keyring_failed (op->self, error);
      rebuild (op->self);
      return;
    }

  if (op->self->project != NULL)
    {
      forge_project_set_env (op->self->project, op->name, value != NULL ? value : "", FALSE);
      clear_secret (op->self, op->name);
      saved (op->self);
    }
  forge_secrets_free_token (value);
}

/* }}} */

/* {{{ Rows */

static const char *
row_name (gpointer row)
{
  return g_object_get_data (G_OBJECT (row), "forge-env-name");
}

static void
variable_applied_cb (AdwEntryRow          *row,
                     ForgeEnvironmentPage *self)
{
  const char *name = row_name (row);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

  if (forge_project_get_env_is_secret (self->project, name))
    {
      store_secret (self, name, text);
      /* Out of the widget at once: it is in the keyring, or not kept. */
      gtk_editable_set_text (GTK_EDITABLE (row), "");
      return;
    }

  forge_project_set_env (self->project, name, text, FALSE);
  saved (self);
}

static void
secret_toggled_cb (GtkToggleButton      *toggle,
                   ForgeEnvironmentPage *self)
{
  const char *name = row_name (toggle);
  gboolean secret = gtk_toggle_button_get_active (toggle);

  if (secret == forge_project_get_env_is_secret (self->project, name))
    return;

  if (secret)
    store_secret (self, name, forge_project_get_env_value (self->project, name));
  else
    forge_secrets_lookup_env_value_async (forge_project_get_id (self->project), name, self->cancellable,
                                          secret_looked_up_cb, keyring_op_new (self, name, NULL));
}

static void
remove_clicked_cb (GtkButton            *button,
                   ForgeEnvironmentPage *self)
{
  g_autofree char *name = g_strdup (row_name (button));

  if (forge_project_get_env_is_secret (self->project, name))
    clear_secret (self, name);
  forge_project_remove_env (self->project, name);
  saved (self);
}

static GtkWidget *
make_variable_row (ForgeEnvironmentPage *self,
                   const char           *name)
{
  gboolean secret = forge_project_get_env_is_secret (self->project, name);
  GtkWidget *row = secret ? adw_password_entry_row_new () : adw_entry_row_new ();
  GtkWidget *toggle = gtk_toggle_button_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), name);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  if (!secret)
    gtk_editable_set_text (GTK_EDITABLE (row), forge_project_get_env_value (self->project, name));
  g_object_set_data_full (G_OBJECT (row), "forge-env-name", g_strdup (name), g_free);
  g_signal_connect_object (row, "apply", G_CALLBACK (variable_applied_cb), self, 0);

  if (secret)
    {
      GtkWidget *kept = gtk_label_new (_("In the keyring"));

      gtk_widget_add_css_class (kept, "dim-label");
      gtk_widget_add_css_class (kept, "caption");
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), kept);
    }

  gtk_button_set_icon_name (GTK_BUTTON (toggle), "dialog-password-symbolic");
  gtk_widget_set_tooltip_text (toggle, _("Secret: kept in the keyring and masked in the log"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Secret"), -1);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), secret);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (toggle, "flat");
  g_object_set_data_full (G_OBJECT (toggle), "forge-env-name", g_strdup (name), g_free);
  g_signal_connect_object (toggle, "toggled", G_CALLBACK (secret_toggled_cb), self, 0);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), toggle);
  g_object_set_data (G_OBJECT (row), "forge-env-secret-toggle", toggle);

  gtk_widget_set_tooltip_text (remove, remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data_full (G_OBJECT (remove), "forge-env-name", g_strdup (name), g_free);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  g_object_set_data (G_OBJECT (row), "forge-env-remove", remove);

  return row;
}

static void
proposed_applied_cb (AdwEntryRow          *row,
                     ForgeEnvironmentPage *self)
{
  forge_project_set_env (self->project, row_name (row), gtk_editable_get_text (GTK_EDITABLE (row)), FALSE);
  saved (self);
}

static char *
dup_shape (ForgeProject *project)
{
  g_auto(GStrv) names = project != NULL ? forge_project_dup_env_names (project) : g_new0 (char *, 1);
  GString *shape = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    g_string_append_printf (shape, "%s%c\n", names[i], forge_project_get_env_is_secret (project, names[i]) ? 's' : 'p');

  return g_string_free (shape, FALSE);
}

static void
remove_rows (AdwPreferencesGroup *group,
             GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static void
rebuild (ForgeEnvironmentPage *self)
{
  g_auto(GStrv) names = NULL;

  g_clear_pointer (&self->shape, g_free);
  remove_rows (self->variables_group, self->variable_rows);
  remove_rows (self->proposed_group, self->proposed_rows);

  if (self->project == NULL)
    return;

  self->shape = dup_shape (self->project);
  names = forge_project_dup_env_names (self->project);
  for (guint i = 0; names[i] != NULL; i++)
    {
      GtkWidget *row = make_variable_row (self, names[i]);

      adw_preferences_group_add (self->variables_group, row);
      g_ptr_array_add (self->variable_rows, row);
    }

  for (guint i = 0; self->proposed_names != NULL && self->proposed_names[i] != NULL; i++)
    {
      GtkWidget *row;

      if (forge_project_has_env (self->project, self->proposed_names[i]))
        continue;

      row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), self->proposed_names[i]);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "forge-env-name", g_strdup (self->proposed_names[i]), g_free);
      g_signal_connect_object (row, "apply", G_CALLBACK (proposed_applied_cb), self, 0);
      adw_preferences_group_add (self->proposed_group, row);
      g_ptr_array_add (self->proposed_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->proposed_group), self->proposed_rows->len > 0);
}

static void
env_changed_cb (ForgeEnvironmentPage *self)
{
  g_autofree char *shape = dup_shape (self->project);

  if (g_strcmp0 (shape, self->shape) != 0)
    rebuild (self);
}

static void
new_name_applied_cb (ForgeEnvironmentPage *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_name_row))));

  if (!forge_env_name_is_valid (name))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->new_name_row), "error");
      show_message (self, _("A name is letters, digits and “_”, and does not start with a digit"), FALSE);
      return;
    }
  if (forge_project_has_env (self->project, name))
    {
      g_autofree char *message = g_strdup_printf (_("%s is set already: change its value in its row"), name);

      show_message (self, message, FALSE);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->new_name_row), "error");
  gtk_editable_set_text (GTK_EDITABLE (self->new_name_row), "");
  forge_project_set_env (self->project, name, "", FALSE);
  saved (self);
}

/* }}} */

/* {{{ Commands */

static void
set_command_title (AdwEntryRow *row,
                   const char  *title,
                   const char  *detected)
{
  g_autofree char *text = detected != NULL
    /* Translators: "Install Command (detected: npm ci)" */
    ? g_strdup_printf (_("%s (detected: %s)"), title, detected)
    : g_strdup (title);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
}

static void
update_command_titles (ForgeEnvironmentPage *self)
{
  set_command_title (self->install_row, _("Install Command"), self->detected_install);
  set_command_title (self->dev_row, _("Dev Command"), self->detected_dev);
  set_command_title (self->port_row, _("Port Inside the Sandbox"), _("chosen by the sandbox"));
}

static void
install_applied_cb (ForgeEnvironmentPage *self)
{
  forge_project_set_install_command (self->project, gtk_editable_get_text (GTK_EDITABLE (self->install_row)));
  saved (self);
}

static void
dev_applied_cb (ForgeEnvironmentPage *self)
{
  forge_project_set_dev_command (self->project, gtk_editable_get_text (GTK_EDITABLE (self->dev_row)));
  saved (self);
}

static void
port_applied_cb (ForgeEnvironmentPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->port_row))));
  guint64 port = 0;

  if (*text != '\0' && !g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->port_row), "error");
      show_message (self, _("The port is a number from 1 to 65535; leave it empty for the sandbox’s own"), FALSE);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->port_row), "error");
  forge_project_set_dev_port (self->project, (guint) port);
  saved (self);
}

/* }}} */

/* {{{ What the repository says */

typedef struct
{
  char **names;
  char  *install;
  char  *dev;
} Proposals;

static void
proposals_free (Proposals *proposals)
{
  g_strfreev (proposals->names);
  g_free (proposals->install);
  g_free (proposals->dev);
  g_free (proposals);
}

/* The work tree is hostile: both read through no-follow, bounded
 * readers, on a worker thread. */
static void
read_proposals_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  const char *repo_dir = task_data;
  g_autoptr(ForgeLocalWorkspace) workspace = forge_local_workspace_new (repo_dir);
  g_autoptr(ForgeFramework) framework = NULL;
  Proposals *proposals = g_new0 (Proposals, 1);

  proposals->names = forge_env_file_read_proposed_names (repo_dir, NULL);
  framework = forge_framework_detect (FORGE_WORKSPACE (workspace), NULL);
  if (framework != NULL)
    {
      g_auto(GStrv) install = forge_framework_dup_install_argv (framework);
      guint port = forge_framework_get_default_port (framework);
      g_auto(GStrv) dev = forge_framework_dup_dev_argv (framework, "0.0.0.0", port > 0 ? port : 3000);

      proposals->install = install != NULL ? g_strjoinv (" ", install) : NULL;
      proposals->dev = dev != NULL ? g_strjoinv (" ", dev) : NULL;
    }

  g_task_return_pointer (task, proposals, (GDestroyNotify) proposals_free);
}

static void
proposals_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ForgeEnvironmentPage *self = FORGE_ENVIRONMENT_PAGE (object);
  Proposals *proposals = g_task_propagate_pointer (G_TASK (result), NULL);

  if (proposals == NULL)
    return;

  g_strfreev (self->proposed_names);
  self->proposed_names = g_steal_pointer (&proposals->names);
  g_free (self->detected_install);
  self->detected_install = g_steal_pointer (&proposals->install);
  g_free (self->detected_dev);
  self->detected_dev = g_steal_pointer (&proposals->dev);
  proposals_free (proposals);

  update_command_titles (self);
  rebuild (self);
}

static void
read_proposals (ForgeEnvironmentPage *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *workspace = forge_project_dup_workspace_dir (self->project);

  if (workspace == NULL)
    return;

  task = g_task_new (self, self->cancellable, proposals_read_cb, NULL);
  g_task_set_source_tag (task, read_proposals);
  g_task_set_task_data (task, g_build_filename (workspace, "repo", NULL), g_free);
  g_task_run_in_thread (task, read_proposals_thread);
}

/* }}} */

static void
forge_environment_page_dispose (GObject *object)
{
  ForgeEnvironmentPage *self = FORGE_ENVIRONMENT_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->project != NULL)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_clear_object (&self->project);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_ENVIRONMENT_PAGE);

  G_OBJECT_CLASS (forge_environment_page_parent_class)->dispose (object);
}

static void
forge_environment_page_finalize (GObject *object)
{
  ForgeEnvironmentPage *self = FORGE_ENVIRONMENT_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->variable_rows, g_ptr_array_unref);
  g_clear_pointer (&self->proposed_rows, g_ptr_array_unref);
  g_clear_pointer (&self->proposed_names, g_strfreev);
  g_clear_pointer (&self->shape, g_free);
  g_clear_pointer (&self->detected_install, g_free);
  g_clear_pointer (&self->detected_dev, g_free);
  g_clear_pointer (&self->last_message, g_free);

  G_OBJECT_CLASS (forge_environment_page_parent_class)->finalize (object);
}

static void
forge_environment_page_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ForgeEnvironmentPage *self = FORGE_ENVIRONMENT_PAGE (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;
    case PROP_OFFER_RESTART:
      g_value_set_boolean (value, self->offer_restart);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_environment_page_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ForgeEnvironmentPage *self = FORGE_ENVIRONMENT_PAGE (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      forge_environment_page_set_project (self, g_value_get_object (value));
      break;
    case PROP_OFFER_RESTART:
      forge_environment_page_set_offer_restart (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_environment_page_class_init (ForgeEnvironmentPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_environment_page_dispose;
  object_class->finalize = forge_environment_page_finalize;
  object_class->get_property = forge_environment_page_get_property;
  object_class->set_property = forge_environment_page_set_property;

  properties[PROP_PROJECT] =
    g_param_spec_object ("project", NULL, NULL, FORGE_TYPE_PROJECT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OFFER_RESTART] =
    g_param_spec_boolean ("offer-restart", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-environment-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, variables_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, proposed_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, new_name_row);
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, install_row);
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, dev_row);
  gtk_widget_class_bind_template_child (widget_class, ForgeEnvironmentPage, port_row);
  gtk_widget_class_bind_template_callback (widget_class, new_name_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, install_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, dev_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, port_applied_cb);
}

static void
forge_environment_page_init (ForgeEnvironmentPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->variable_rows = g_ptr_array_new ();
  self->proposed_rows = g_ptr_array_new ();
  update_command_titles (self);
}

GtkWidget *
forge_environment_page_new (ForgeProject *project)
{
  return g_object_new (FORGE_TYPE_ENVIRONMENT_PAGE, "project", project, NULL);
}

ForgeProject *
forge_environment_page_get_project (ForgeEnvironmentPage *self)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), NULL);
  return self->project;
}

void
forge_environment_page_set_project (ForgeEnvironmentPage *self,
                                    ForgeProject         *project)
{
  g_return_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self));
  g_return_if_fail (project == NULL || FORGE_IS_PROJECT (project));

  if (self->project == project)
    return;

  if (self->project != NULL)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_set_object (&self->project, project);
  g_clear_pointer (&self->proposed_names, g_strfreev);
  g_clear_pointer (&self->detected_install, g_free);
  g_clear_pointer (&self->detected_dev, g_free);

  if (project != NULL)
    {
      guint port = forge_project_get_dev_port (project);
      g_autofree char *port_text = port != 0 ? g_strdup_printf ("%u", port) : g_strdup ("");
      const char *install = forge_project_get_install_command (project);
      const char *dev = forge_project_get_dev_command (project);

      g_signal_connect_swapped (project, "notify::env", G_CALLBACK (env_changed_cb), self);
      gtk_editable_set_text (GTK_EDITABLE (self->install_row), install != NULL ? install : "");
      gtk_editable_set_text (GTK_EDITABLE (self->dev_row), dev != NULL ? dev : "");
      gtk_editable_set_text (GTK_EDITABLE (self->port_row), port_text);
      read_proposals (self);
    }

  update_command_titles (self);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT]);
}

gboolean
forge_environment_page_get_offer_restart (ForgeEnvironmentPage *self)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), FALSE);
  return self->offer_restart;
}

void
forge_environment_page_set_offer_restart (ForgeEnvironmentPage *self,
                                          gboolean              offer_restart)
{
  g_return_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self));

  offer_restart = !!offer_restart;
  if (self->offer_restart == offer_restart)
    return;

  self->offer_restart = offer_restart;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFER_RESTART]);
}

AdwEntryRow *
forge_environment_page_get_new_name_row (ForgeEnvironmentPage *self)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), NULL);
  return self->new_name_row;
}

AdwEntryRow *
forge_environment_page_get_command_row (ForgeEnvironmentPage *self,
                                        const char           *which)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), NULL);

  if (g_strcmp0 (which, "install") == 0)
    return self->install_row;
  if (g_strcmp0 (which, "dev") == 0)
    return self->dev_row;
  if (g_strcmp0 (which, "port") == 0)
    return self->port_row;
  return NULL;
}

AdwEntryRow *
forge_environment_page_find_row (ForgeEnvironmentPage *self,
                                 const char           *kind,
                                 const char           *name)
{
  GPtrArray *rows;

  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), NULL);

  rows = g_strcmp0 (kind, "proposed") == 0 ? self->proposed_rows : self->variable_rows;
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (row_name (g_ptr_array_index (rows, i)), name) == 0)
      return g_ptr_array_index (rows, i);
  return NULL;
}

GtkToggleButton *
forge_environment_page_get_secret_toggle (ForgeEnvironmentPage *self,
                                          const char           *name)
{
  AdwEntryRow *row = forge_environment_page_find_row (self, "variable", name);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "forge-env-secret-toggle") : NULL;
}

GtkButton *
forge_environment_page_get_remove_button (ForgeEnvironmentPage *self,
                                          const char           *name)
{
  AdwEntryRow *row = forge_environment_page_find_row (self, "variable", name);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "forge-env-remove") : NULL;
}

guint
forge_environment_page_get_n_restart_offers (ForgeEnvironmentPage *self)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), 0);
  return self->n_restart_offers;
}

const char *
forge_environment_page_get_last_message (ForgeEnvironmentPage *self)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), NULL);
  return self->last_message;
}

guint
forge_environment_page_get_n_pending (ForgeEnvironmentPage *self)
{
  g_return_val_if_fail (FORGE_IS_ENVIRONMENT_PAGE (self), 0);
  return self->n_pending;
}
