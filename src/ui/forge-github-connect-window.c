/* forge-github-connect-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-accessible.h"
#include "forge-github-connect-window-private.h"
#include "forge-launch-uri.h"
#include "forge-github-device-flow.h"
#include "forge-secrets.h"

struct _ForgeGithubConnectWindow
{
  AdwWindow               parent_instance;

  ForgeGithubHost        *host;
  char                   *client_id;
  /* A new one per attempt: a flow that ended in an error is not asked
   * again. */
  ForgeGithubDeviceFlow  *flow;
  /* Everything the window started; cancelled when it closes. */
  GCancellable           *cancellable;

  AdwToastOverlay        *toast_overlay;
  GtkStack               *stack;
  AdwStatusPage          *busy_page;
  GtkSpinner             *busy_spinner;
  GtkLabel               *code_label;
  GtkSpinner             *waiting_spinner;
  AdwStatusPage          *problem_page;
};

enum {
  CONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeGithubConnectWindow, forge_github_connect_window, ADW_TYPE_WINDOW)

static void start (ForgeGithubConnectWindow *self);

static void
show_busy (ForgeGithubConnectWindow *self,
           const char               *title)
{
  adw_status_page_set_title (self->busy_page, title);
  gtk_spinner_start (self->busy_spinner);
  gtk_spinner_stop (self->waiting_spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.copy-code", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.open-page", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.start-again", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "busy");
}

static void
show_problem (ForgeGithubConnectWindow *self,
              const char               *title,
              const GError             *error)
{
  /* A build or setting without a client id will not do better on a
   * second try: the token row in Preferences is the way then. */
  gboolean can_retry = !g_error_matches (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NO_CLIENT_ID);

  if (title == NULL && error->domain == FORGE_GITHUB_ERROR)
    {
      switch (error->code)
        {
        case FORGE_GITHUB_ERROR_EXPIRED:
          title = _("Code Expired");
          break;
        case FORGE_GITHUB_ERROR_DENIED:
          title = _("Access Denied");
          break;
        case FORGE_GITHUB_ERROR_NETWORK:
          title = _("GitHub Could Not Be Reached");
          break;
        case FORGE_GITHUB_ERROR_NO_CLIENT_ID:
          title = _("Signing In Is Not Set Up");
          break;
        default:
          break;
        }
    }

  /* The messages are one line, say what to do, and carry no code or
   * token (forge-github-error.h). */
  adw_status_page_set_title (self->problem_page, title != NULL ? title : _("Could Not Connect"));
  adw_status_page_set_description (self->problem_page, error->message);
  gtk_spinner_stop (self->busy_spinner);
  gtk_spinner_stop (self->waiting_spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.copy-code", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.open-page", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.start-again", can_retry);
  gtk_widget_set_visible (adw_status_page_get_child (self->problem_page), can_retry);
  gtk_stack_set_visible_child_name (self->stack, "problem");
}

/* Each callback holds a reference on the window; once it was closed
 * (and the cancellable cancelled) nothing is shown any more. */
static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ForgeGithubConnectWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!forge_secrets_store_token_finish (result, &error))
    {
      if (!g_cancellable_is_cancelled (self->cancellable))
        show_problem (self, _("Could Not Save the Token"), error);
      return;
    }

  g_signal_emit (self, signals[CONNECTED], 0);
  if (!g_cancellable_is_cancelled (self->cancellable))
    gtk_window_close (GTK_WINDOW (self));
}

static void
polled_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ForgeGithubConnectWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token = forge_github_device_flow_poll_finish (FORGE_GITHUB_DEVICE_FLOW (object), result, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      forge_secrets_free_token (token);
      return;
    }

  if (token == NULL)
    {
      show_problem (self, NULL, error);
      return;
    }

  show_busy (self, _("Saving the Token…"));
  /* Under the host's name: what clones and the API client look up. */
  forge_secrets_store_token_async (forge_github_host_get_name (self->host), token, self->cancellable,
                                   stored_cb, g_object_ref (self));
  forge_secrets_free_token (token);
}

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ForgeGithubConnectWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ForgeGithubDeviceFlow *flow = FORGE_GITHUB_DEVICE_FLOW (object);

  if (!forge_github_device_flow_start_finish (flow, result, &error))
    {
      if (!g_cancellable_is_cancelled (self->cancellable))
        show_problem (self, NULL, error);
      return;
    }

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  gtk_label_set_text (self->code_label, forge_github_device_flow_get_user_code (flow));
  gtk_spinner_stop (self->busy_spinner);
  gtk_spinner_start (self->waiting_spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.copy-code", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.open-page", TRUE);
  gtk_stack_set_visible_child_name (self->stack, "code");

  /* Polls every interval GitHub asks for (slowing down when told to)
   * until the user approves, denies, or the code expires. */
  forge_github_device_flow_poll_async (flow, self->cancellable, polled_cb, g_object_ref (self));
}

static void
start (ForgeGithubConnectWindow *self)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  g_clear_object (&self->flow);
  self->flow = forge_github_device_flow_new (self->host, self->client_id);
  gtk_label_set_text (self->code_label, "");
  show_busy (self, _("Asking GitHub for a Code…"));
  forge_github_device_flow_start_async (self->flow, NULL, self->cancellable,
                                        started_cb, g_object_ref (self));
}

static void
start_again_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  start (FORGE_GITHUB_CONNECT_WINDOW (widget));
}

static void
copy_code_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ForgeGithubConnectWindow *self = FORGE_GITHUB_CONNECT_WINDOW (widget);
  const char *code = gtk_label_get_text (self->code_label);

  if (*code == '\0')
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), code);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Code copied")));
}

static void
open_page_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ForgeGithubConnectWindow *self = FORGE_GITHUB_CONNECT_WINDOW (widget);
  /* An https page (http only on this computer): the flow checked it. */
  const char *uri = self->flow != NULL ? forge_github_device_flow_get_verification_uri (self->flow) : NULL;

  if (uri == NULL)
    return;

  _forge_launch_uri (GTK_WINDOW (self), uri, self->cancellable, "GitHub’s sign-in page");
}

static gboolean
forge_github_connect_window_close_request (GtkWindow *window)
{
  ForgeGithubConnectWindow *self = FORGE_GITHUB_CONNECT_WINDOW (window);

  /* Closing is how people give up: GitHub is not asked again. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (forge_github_connect_window_parent_class)->close_request (window);
}

static void
forge_github_connect_window_dispose (GObject *object)
{
  ForgeGithubConnectWindow *self = FORGE_GITHUB_CONNECT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (forge_github_connect_window_parent_class)->dispose (object);
}

static void
forge_github_connect_window_finalize (GObject *object)
{
  ForgeGithubConnectWindow *self = FORGE_GITHUB_CONNECT_WINDOW (object);

  g_clear_object (&self->host);
  g_clear_pointer (&self->client_id, g_free);
  g_clear_object (&self->flow);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (forge_github_connect_window_parent_class)->finalize (object);
}

/* Destroyed, it may still be kept by what it waits for, maybe past its
 * parent: nothing more is asked, and GTK must not let go of a parent
 * already gone. */
static void
forge_github_connect_window_unrealize (GtkWidget *widget)
{
  ForgeGithubConnectWindow *self = FORGE_GITHUB_CONNECT_WINDOW (widget);

  g_cancellable_cancel (self->cancellable);
  GTK_WIDGET_CLASS (forge_github_connect_window_parent_class)->unrealize (widget);
  gtk_window_set_transient_for (GTK_WINDOW (widget), NULL);
}

static void
forge_github_connect_window_class_init (ForgeGithubConnectWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_github_connect_window_dispose;
  widget_class->unrealize = forge_github_connect_window_unrealize;
  object_class->finalize = forge_github_connect_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = forge_github_connect_window_close_request;

  /* The token is in the keyring. */
  signals[CONNECTED] =
    g_signal_new ("connected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-github-connect-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, busy_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, code_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, waiting_spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgeGithubConnectWindow, problem_page);

  gtk_widget_class_install_action (widget_class, "connect.copy-code", NULL, copy_code_activated);
  gtk_widget_class_install_action (widget_class, "connect.open-page", NULL, open_page_activated);
  gtk_widget_class_install_action (widget_class, "connect.start-again", NULL, start_again_activated);
  /* A dialog: Escape gives up, as the close button does. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
forge_github_connect_window_init (ForgeGithubConnectWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  forge_accessible_fix_mnemonic_names (GTK_WIDGET (self));
}

GtkWindow *
forge_github_connect_window_new (GtkWindow       *parent,
                                 ForgeGithubHost *host,
                                 const char      *client_id)
{
  ForgeGithubConnectWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (host), NULL);
  g_return_val_if_fail (client_id != NULL && *client_id != '\0', NULL);

  self = g_object_new (FORGE_TYPE_GITHUB_CONNECT_WINDOW,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->host = g_object_ref (host);
  self->client_id = g_strdup (client_id);
  start (self);

  return GTK_WINDOW (self);
}

const char *
forge_github_connect_window_get_page (ForgeGithubConnectWindow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_CONNECT_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
forge_github_connect_window_get_code (ForgeGithubConnectWindow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_CONNECT_WINDOW (self), NULL);
  return gtk_label_get_text (self->code_label);
}

const char *
forge_github_connect_window_get_problem_title (ForgeGithubConnectWindow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_CONNECT_WINDOW (self), NULL);
  return adw_status_page_get_title (self->problem_page);
}

const char *
forge_github_connect_window_get_problem (ForgeGithubConnectWindow *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_CONNECT_WINDOW (self), NULL);
  return adw_status_page_get_description (self->problem_page);
}
