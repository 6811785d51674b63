/* forge-page-probe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "forge-console-collector.h"
#include "forge-page-probe.h"
#include "forge-preview-private.h"

struct _ForgePageProbe
{
  GObject                parent_instance;

  WebKitNetworkSession  *network_session;
  WebKitWebView         *web_view;
  ForgeConsoleCollector *console;

  char                  *uri;
  char                  *origin;
  /* The load failed: its FINISHED event is not a loaded page. */
  gboolean               failed;
};

enum {
  PROP_0,
  PROP_URI,
  N_PROPS
};

enum {
  CONSOLE_MESSAGE,
  PAGE_LOADED,
  PAGE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgePageProbe, forge_page_probe, G_TYPE_OBJECT)

static void
on_console_entry (ForgeConsoleCollector *collector,
                  ForgeConsoleEntry     *entry,
                  ForgePageProbe        *self)
{
  g_signal_emit (self, signals[CONSOLE_MESSAGE], 0,
                 forge_console_entry_get_level (entry) == FORGE_CONSOLE_LEVEL_WARNING ? "warning" : "error",
                 forge_console_entry_get_message (entry),
                 forge_console_entry_get_source (entry),
                 forge_console_entry_get_line (entry));
}

/* As in the window, minus the browser: what the user would have sent
 * there goes nowhere, for there is no user here. */
static gboolean
on_decide_policy (WebKitWebView            *web_view,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  ForgePageProbe           *self)
{
  WebKitNavigationAction *action;
  WebKitURIRequest *request;
  g_autofree char *origin = NULL;

  switch (type)
    {
    case WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION:
      action = webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
      request = webkit_navigation_action_get_request (action);
      if (forge_preview_navigation_policy (self->origin, webkit_uri_request_get_uri (request),
                                           webkit_navigation_action_get_navigation_type (action),
                                           FALSE) == FORGE_PREVIEW_POLICY_LOAD)
        return FALSE;
      break;

    case WEBKIT_POLICY_DECISION_TYPE_RESPONSE:
      if (!webkit_response_policy_decision_is_main_frame_main_resource (WEBKIT_RESPONSE_POLICY_DECISION (decision)))
        return FALSE;
      request = webkit_response_policy_decision_get_request (WEBKIT_RESPONSE_POLICY_DECISION (decision));
      origin = forge_preview_dup_origin (webkit_uri_request_get_uri (request));
      if (g_strcmp0 (origin, self->origin) == 0)
        return FALSE;
      break;

    case WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION:
    default:
      break;
    }

  webkit_policy_decision_ignore (decision);
  return TRUE;
}

static GtkWidget *
on_create (WebKitWebView          *web_view,
           WebKitNavigationAction *action,
           ForgePageProbe         *self)
{
  return NULL;
}

/* Nobody is there to answer: alerts go, confirms say no, prompts stay
 * empty, and leaving a page is always allowed. */
static gboolean
on_script_dialog (WebKitWebView      *web_view,
                  WebKitScriptDialog *dialog,
                  ForgePageProbe     *self)
{
  if (webkit_script_dialog_get_dialog_type (dialog) == WEBKIT_SCRIPT_DIALOG_BEFORE_UNLOAD_CONFIRM)
    webkit_script_dialog_confirm_set_confirmed (dialog, TRUE);
  else if (webkit_script_dialog_get_dialog_type (dialog) == WEBKIT_SCRIPT_DIALOG_CONFIRM)
    webkit_script_dialog_confirm_set_confirmed (dialog, FALSE);

  return TRUE;
}

static gboolean
on_permission_request (WebKitWebView           *web_view,
                       WebKitPermissionRequest *request,
                       ForgePageProbe          *self)
{
  webkit_permission_request_deny (request);
  return TRUE;
}

static gboolean
on_run_file_chooser (WebKitWebView            *web_view,
                     WebKitFileChooserRequest *request,
                     ForgePageProbe           *self)
{
  webkit_file_chooser_request_cancel (request);
  return TRUE;
}

static gboolean
on_load_failed (WebKitWebView   *web_view,
                WebKitLoadEvent  load_event,
                const char      *failing_uri,
                GError          *error,
                ForgePageProbe  *self)
{
  /* Stopped loads and refused navigations are not failures. */
  if (g_error_matches (error, WEBKIT_NETWORK_ERROR, WEBKIT_NETWORK_ERROR_CANCELLED) ||
      g_error_matches (error, WEBKIT_POLICY_ERROR, WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE))
    return TRUE;

  self->failed = TRUE;
  g_signal_emit (self, signals[PAGE_FAILED], 0, failing_uri, error->message);
  return TRUE;
}

static void
on_load_changed (WebKitWebView   *web_view,
                 WebKitLoadEvent  load_event,
                 ForgePageProbe  *self)
{
  if (load_event == WEBKIT_LOAD_STARTED)
    self->failed = FALSE;
  else if (load_event == WEBKIT_LOAD_FINISHED && !self->failed)
    g_signal_emit (self, signals[PAGE_LOADED], 0, webkit_web_view_get_uri (web_view));
}

static void
on_web_process_terminated (WebKitWebView                     *web_view,
                           WebKitWebProcessTerminationReason  reason,
                           ForgePageProbe                    *self)
{
  const char *message = reason == WEBKIT_WEB_PROCESS_EXCEEDED_MEMORY_LIMIT
                        ? _("The page used too much memory and was stopped.")
                        : _("The process showing the page crashed.");

  g_signal_emit (self, signals[PAGE_FAILED], 0, self->uri, message);
}

static void
forge_page_probe_dispose (GObject *object)
{
  ForgePageProbe *self = FORGE_PAGE_PROBE (object);

  if (self->web_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->web_view, self);
      webkit_web_view_terminate_web_process (self->web_view);
      g_clear_object (&self->web_view);
    }
  g_clear_object (&self->console);
  g_clear_object (&self->network_session);

  G_OBJECT_CLASS (forge_page_probe_parent_class)->dispose (object);
}

static void
forge_page_probe_finalize (GObject *object)
{
  ForgePageProbe *self = FORGE_PAGE_PROBE (object);

  g_free (self->uri);
  g_free (self->origin);

  G_OBJECT_CLASS (forge_page_probe_parent_class)->finalize (object);
}

static void
forge_page_probe_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ForgePageProbe *self = FORGE_PAGE_PROBE (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_page_probe_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ForgePageProbe *self = FORGE_PAGE_PROBE (object);

  switch (prop_id)
    {
    case PROP_URI:
      if (g_value_get_string (value) != NULL)
        forge_page_probe_load (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_page_probe_class_init (ForgePageProbeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_page_probe_dispose;
  object_class->finalize = forge_page_probe_finalize;
  object_class->get_property = forge_page_probe_get_property;
  object_class->set_property = forge_page_probe_set_property;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CONSOLE_MESSAGE] =
    g_signal_new ("console-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
  signals[PAGE_LOADED] =
    g_signal_new ("page-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[PAGE_FAILED] =
    g_signal_new ("page-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
forge_page_probe_init (ForgePageProbe *self)
{
  g_autoptr(WebKitUserContentManager) user_content = webkit_user_content_manager_new ();

  /* Nothing the page stores outlives the run. */
  self->network_session = webkit_network_session_new_ephemeral ();
  forge_preview_refuse_downloads (self->network_session);
  self->console = forge_console_collector_new (user_content);
  g_signal_connect_object (self->console, "entry", G_CALLBACK (on_console_entry), self, 0);

  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "network-session", self->network_session,
                                 "user-content-manager", user_content,
                                 NULL);
  g_object_ref_sink (self->web_view);
  webkit_web_view_set_is_muted (self->web_view, TRUE);

  g_signal_connect (self->web_view, "decide-policy", G_CALLBACK (on_decide_policy), self);
  g_signal_connect (self->web_view, "create", G_CALLBACK (on_create), self);
  g_signal_connect (self->web_view, "script-dialog", G_CALLBACK (on_script_dialog), self);
  g_signal_connect (self->web_view, "permission-request", G_CALLBACK (on_permission_request), self);
  g_signal_connect (self->web_view, "run-file-chooser", G_CALLBACK (on_run_file_chooser), self);
  g_signal_connect (self->web_view, "load-failed", G_CALLBACK (on_load_failed), self);
  g_signal_connect (self->web_view, "load-changed", G_CALLBACK (on_load_changed), self);
  g_signal_connect (self->web_view, "web-process-terminated", G_CALLBACK (on_web_process_terminated), self);
}

ForgePageProbe *
forge_page_probe_new (void)
{
  return g_object_new (FORGE_TYPE_PAGE_PROBE, NULL);
}

const char *
forge_page_probe_get_uri (ForgePageProbe *self)
{
  g_return_val_if_fail (FORGE_IS_PAGE_PROBE (self), NULL);

  return self->uri;
}

/* Only http(s): the page is a dev server's. */
void
forge_page_probe_load (ForgePageProbe *self,
                       const char     *uri)
{
  g_autofree char *origin = NULL;

  g_return_if_fail (FORGE_IS_PAGE_PROBE (self));
  g_return_if_fail (uri != NULL);

  origin = forge_preview_dup_origin (uri);
  if (origin == NULL)
    {
      g_signal_emit (self, signals[PAGE_FAILED], 0, uri, _("Not an http(s) address."));
      return;
    }

  g_free (self->origin);
  self->origin = g_steal_pointer (&origin);
  if (g_strcmp0 (self->uri, uri) != 0)
    {
      g_free (self->uri);
      self->uri = g_strdup (uri);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
    }

  webkit_web_view_load_uri (self->web_view, uri);
}
