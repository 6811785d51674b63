/* forge-preview.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <webkit/webkit.h>

#include "forge-a11y.h"
#include "forge-console-collector.h"
#include "forge-console-entry.h"
#include "forge-device-frame.h"
#include "forge-launch-uri.h"
#include "forge-preview.h"
#include "forge-preview-private.h"

struct _ForgePreview
{
  GtkWidget                   parent_instance;

  /* Template children */
  GtkMenuButton              *menu_button;
  AdwSqueezer                *extra_squeezer;
  GtkWidget                  *main_box;
  GtkEntry                   *path_entry;
  GtkOverlay                 *overlay;
  GtkProgressBar             *progress_bar;
  GtkWidget                  *restoring_overlay;
  GtkSpinner                 *restoring_spinner;
  GtkPicture                 *restoring_snapshot;
  GtkMenuButton              *device_button;
  GtkLabel                   *size_label;
  GtkMenuButton              *console_button;
  GtkListBox                 *console_list;
  GtkCheckButton             *keep_console_check;

  /* What the page said on its console or threw (ForgeConsoleEntry). */
  ForgeConsoleCollector      *console_collector;
  GListStore                 *console;

  /* Holds the web view at a device's size. */
  ForgeDeviceFrame           *device_frame;
  char                       *device;
  guint                       size_label_source;
  guint                       size_label_update;

  /* Owned by the overlay; the session is ours. */
  WebKitWebView              *web_view;
  WebKitNetworkSession       *network_session;
  WebKitBackForwardList      *back_forward_list;
  GtkEventController         *entry_focus;

  /* The overflow menu: Copy and Open in Browser when their buttons do
   * not fit, then the owner's menu. */
  GMenu                      *menu;
  GMenuModel                 *owner_menu;

  /* Cancels browser launches still pending when the widget goes away. */
  GCancellable               *cancellable;

  /* A restore: the snapshot taken when it began, and the wait for the
   * restored page's first frame (both cancelled when it ends). */
  GCancellable               *restore_cancellable;
  guint                       paint_tick_id;
  guint                       paint_timeout_id;
  guint                       paint_ticks;

  char                       *base_uri;
  char                       *origin;
  char                       *path;
  char                       *failing_uri;
  char                       *pending_uri;
  /* WebKit shows about:blank instead of loading from a port browsers
   * block (6000, 6667…) and reports no error: this catches it. */
  char                       *requested_uri;
  char                       *blocked_uri;

  ForgePreviewState           load_state;

  ForgePreviewExternalOpener  opener;
  gpointer                    opener_data;

  /* An error page is itself a load: these tell its load events apart from
   * a real navigation, so that they do not turn the state back to LOADED. */
  guint                       error_page_expected : 1;
  guint                       error_page_started : 1;
  guint                       restoring : 1;
  /* The restored page is loading: the snapshot stays until it painted. */
  guint                       awaiting_paint : 1;
  guint                       updating_entry : 1;
  guint                       entry_dirty : 1;
  guint                       device_landscape : 1;
};

enum {
  PROP_0,
  PROP_BASE_URI,
  PROP_PATH,
  PROP_STATE,
  PROP_RESTORING,
  PROP_DEVICE,
  PROP_DEVICE_LANDSCAPE,
  PROP_DEVICE_FIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void console_page_committed (ForgePreview *self);
static void painted (ForgePreview *self);

G_DEFINE_FINAL_TYPE (ForgePreview, forge_preview, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (ForgePreviewState, forge_preview_state,
                    G_DEFINE_ENUM_VALUE (FORGE_PREVIEW_STATE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (FORGE_PREVIEW_STATE_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (FORGE_PREVIEW_STATE_LOADED, "loaded"),
                    G_DEFINE_ENUM_VALUE (FORGE_PREVIEW_STATE_LOAD_FAILED, "load-failed"),
                    G_DEFINE_ENUM_VALUE (FORGE_PREVIEW_STATE_CRASHED, "crashed"),
                    G_DEFINE_ENUM_VALUE (FORGE_PREVIEW_STATE_RESTORING, "restoring"))

/* g_set_str() needs GLib 2.76. */
static gboolean
set_str (char       **str_pointer,
         const char  *new_str)
{
  char *copy;

  if (*str_pointer == new_str || g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;

  copy = g_strdup (new_str);
  g_free (*str_pointer);
  *str_pointer = copy;

  return TRUE;
}

#define URI_PARSE_FLAGS (G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_SCHEME_NORMALIZE)

static gboolean
scheme_is_http (const char *scheme)
{
  return scheme != NULL &&
         (g_ascii_strcasecmp (scheme, "http") == 0 ||
          g_ascii_strcasecmp (scheme, "https") == 0);
}

/* scheme://host:port with the default port spelled out, so that
 * http://localhost/ and http://LOCALHOST:80/ compare equal. */
static char *
uri_get_origin (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  int port;

  if (uri == NULL)
    return NULL;

  parsed = g_uri_parse (uri, URI_PARSE_FLAGS, NULL);
  if (parsed == NULL || !scheme_is_http (g_uri_get_scheme (parsed)))
    return NULL;

  if (g_uri_get_host (parsed) == NULL || g_uri_get_host (parsed)[0] == '\0')
    return NULL;

  scheme = g_ascii_strdown (g_uri_get_scheme (parsed), -1);
  host = g_ascii_strdown (g_uri_get_host (parsed), -1);
  port = g_uri_get_port (parsed);
  if (port == -1)
    port = g_str_equal (scheme, "https") ? 443 : 80;

  return g_strdup_printf ("%s://%s:%d", scheme, host, port);
}

/* What the address entry shows: path, query and fragment, still encoded. */
static char *
uri_get_path (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  GString *str;
  const char *path;

  parsed = g_uri_parse (uri, URI_PARSE_FLAGS, NULL);
  if (parsed == NULL)
    return g_strdup ("/");

  path = g_uri_get_path (parsed);
  str = g_string_new (path != NULL && path[0] != '\0' ? path : "/");
  if (g_uri_get_query (parsed) != NULL)
    g_string_append_printf (str, "?%s", g_uri_get_query (parsed));
  if (g_uri_get_fragment (parsed) != NULL)
    g_string_append_printf (str, "#%s", g_uri_get_fragment (parsed));

  return g_string_free (str, FALSE);
}

static gboolean
is_same_origin (ForgePreview *self,
                const char   *uri)
{
  g_autofree char *origin = NULL;

  if (self->origin == NULL)
    return FALSE;

  origin = uri_get_origin (uri);
  return origin != NULL && g_str_equal (origin, self->origin);
}

static GtkWindow *
get_parent_window (ForgePreview *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
open_external (ForgePreview *self,
               const char   *uri)
{
  if (self->opener != NULL)
    {
      self->opener (self, uri, self->opener_data);
      return;
    }

  _forge_launch_uri (get_parent_window (self), uri, self->cancellable, "the address in a web browser");
}

static ForgePreviewState
effective_state (ForgePreview *self)
{
  return self->restoring ? FORGE_PREVIEW_STATE_RESTORING : self->load_state;
}

/* The address the toolbar acts on: on an error page that is the page that
 * failed, never the error page itself. */
static const char *
current_uri (ForgePreview *self)
{
  const char *uri;

  if ((self->load_state == FORGE_PREVIEW_STATE_LOAD_FAILED ||
       self->load_state == FORGE_PREVIEW_STATE_CRASHED) &&
      self->failing_uri != NULL)
    return self->failing_uri;

  uri = webkit_web_view_get_uri (self->web_view);
  if (uri != NULL && is_same_origin (self, uri))
    return uri;

  return NULL;
}

/* The nearest history item before (@step -1) or after (+1) the current
 * one that is on the preview's origin. After a restore on another port
 * the items of the old one point at a dead origin (the navigation
 * policy refuses them anyway), and WebKitGTK has no call to drop items
 * from the list: Back and Forward step over them instead. */
static WebKitBackForwardListItem *
nearest_history_item (ForgePreview *self,
                      int           step)
{
  WebKitBackForwardListItem *item;

  for (int i = step; (item = webkit_back_forward_list_get_nth_item (self->back_forward_list, i)) != NULL; i += step)
    if (is_same_origin (self, webkit_back_forward_list_item_get_uri (item)))
      return item;

  return NULL;
}

static void
go_through_history (ForgePreview *self,
                    int           step)
{
  WebKitBackForwardListItem *item = nearest_history_item (self, step);

  if (item != NULL)
    webkit_web_view_go_to_back_forward_list_item (self->web_view, item);
}

static void
update_actions (ForgePreview *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean has_uri = current_uri (self) != NULL;
  gboolean failed = self->load_state == FORGE_PREVIEW_STATE_LOAD_FAILED ||
                    self->load_state == FORGE_PREVIEW_STATE_CRASHED;

  gtk_widget_action_set_enabled (widget, "preview.back", nearest_history_item (self, -1) != NULL);
  gtk_widget_action_set_enabled (widget, "preview.forward", nearest_history_item (self, 1) != NULL);
  gtk_widget_action_set_enabled (widget, "preview.reload", self->base_uri != NULL);
  gtk_widget_action_set_enabled (widget, "preview.retry", failed && self->failing_uri != NULL);
  gtk_widget_action_set_enabled (widget, "preview.open-external", has_uri);
  gtk_widget_action_set_enabled (widget, "preview.copy-url", has_uri);
  gtk_widget_action_set_enabled (widget, "preview.focus-address", self->base_uri != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->path_entry), self->base_uri != NULL);
}

static void
set_entry_error (ForgePreview *self,
                 const char   *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->path_entry), "error");
      gtk_entry_set_icon_from_icon_name (self->path_entry, GTK_ENTRY_ICON_SECONDARY,
                                         "dialog-warning-symbolic");
      gtk_entry_set_icon_tooltip_text (self->path_entry, GTK_ENTRY_ICON_SECONDARY, message);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->path_entry), "error");
      gtk_entry_set_icon_from_icon_name (self->path_entry, GTK_ENTRY_ICON_SECONDARY, NULL);
    }
}

static void
update_entry (ForgePreview *self,
              gboolean      force)
{
  /* Never overwrite what someone is typing. */
  if (!force && self->entry_dirty &&
      gtk_event_controller_focus_contains_focus (GTK_EVENT_CONTROLLER_FOCUS (self->entry_focus)))
    return;

  self->updating_entry = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), self->path != NULL ? self->path : "");
  self->updating_entry = FALSE;
  self->entry_dirty = FALSE;
  set_entry_error (self, NULL);
}

static void
set_path (ForgePreview *self,
          const char   *path)
{
  if (set_str (&self->path, path))
    {
      update_entry (self, FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
    }
}

static void
set_load_state (ForgePreview      *self,
                ForgePreviewState  state)
{
  ForgePreviewState old_state = effective_state (self);

  self->load_state = state;
  update_actions (self);

  /* A restored page that fails shows its error page at once. */
  if (self->awaiting_paint &&
      (state == FORGE_PREVIEW_STATE_LOAD_FAILED || state == FORGE_PREVIEW_STATE_CRASHED))
    painted (self);

  if (effective_state (self) != old_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* FALSE when the load has to wait for the error page on its way. */
static gboolean
begin_load (ForgePreview *self,
            const char   *uri)
{
  g_autofree char *path = NULL;

  if (is_same_origin (self, uri))
    {
      path = uri_get_path (uri);
      set_path (self, path);
    }

  set_load_state (self, FORGE_PREVIEW_STATE_LOADING);

  /* A load started while the error page is on its way races with it and
   * may lose: it goes once the error page is done. */
  if (self->error_page_expected)
    {
      set_str (&self->pending_uri, uri);
      return FALSE;
    }

  g_clear_pointer (&self->pending_uri, g_free);
  set_str (&self->requested_uri, uri);
  return TRUE;
}

static void
load_uri (ForgePreview *self,
          const char   *uri)
{
  if (begin_load (self, uri))
    webkit_web_view_load_uri (self->web_view, uri);
}

/* What a call into the web view needs when it comes back: the widget
 * only if it is still there (WebKit may drop a call of a view going
 * away without answering, so it holds no reference). */
typedef struct
{
  GWeakRef  self;
  char     *uri;
} PendingCall;

static PendingCall *
pending_call_new (ForgePreview *self,
                  const char   *uri)
{
  PendingCall *call = g_new0 (PendingCall, 1);

  g_weak_ref_init (&call->self, self);
  call->uri = g_strdup (uri);
  return call;
}

static void
pending_call_free (PendingCall *call)
{
  g_weak_ref_clear (&call->self);
  g_free (call->uri);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PendingCall, pending_call_free)

static void
on_replace_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PendingCall) call = user_data;
  g_autoptr(ForgePreview) self = g_weak_ref_get (&call->self);
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object), result, &error);
  if (value != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      self == NULL || self->web_view == NULL)
    return;

  /* No document to run it in (its process is gone): a plain load. */
  g_debug ("Could not replace the page with %s (%s): loading it", call->uri, error->message);
  webkit_web_view_load_uri (self->web_view, call->uri);
}

/* Loads @uri in place of the current history item: WebKit has no API to
 * drop an item, but a document's location.replace() does exactly that.
 * It runs in a world of its own, out of the page's reach. */
static void
replace_uri (ForgePreview *self,
             const char   *uri)
{
  g_autoptr(GVariant) arguments = NULL;

  if (webkit_web_view_get_uri (self->web_view) == NULL)
    {
      load_uri (self, uri);
      return;
    }

  if (!begin_load (self, uri))
    return;

  /* WebKit only refs the arguments: a floating one would never be freed
   * (LeakSanitizer, project-pages, one per restore). */
  arguments = g_variant_ref_sink (g_variant_new_parsed ("{'uri': <%s>}", uri));
  webkit_web_view_call_async_javascript_function (self->web_view,
                                                  "location.replace(uri);", -1,
                                                  arguments,
                                                  "forge-preview", NULL,
                                                  self->cancellable, on_replace_done,
                                                  pending_call_new (self, uri));
}

/* {{{ Calm restores */

/* The restored page painted (or will not): the snapshot and the overlay
 * go, and what shows is the page itself. */
static void
painted (ForgePreview *self)
{
  self->awaiting_paint = FALSE;
  forge_preview_set_restoring (self, FALSE);
}

static gboolean
paint_timed_out (gpointer user_data)
{
  ForgePreview *self = user_data;

  self->paint_timeout_id = 0;
  g_debug ("The restored page showed no frame in time: uncovering it anyway");
  painted (self);
  return G_SOURCE_REMOVE;
}

/* The web process has sent its frame; the next frame of ours shows it. */
static gboolean
paint_tick (GtkWidget     *widget,
            GdkFrameClock *frame_clock,
            gpointer       user_data)
{
  ForgePreview *self = user_data;

  if (++self->paint_ticks < 2)
    return G_SOURCE_CONTINUE;

  self->paint_tick_id = 0;
  painted (self);
  return G_SOURCE_REMOVE;
}

static void
on_paint_probe_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(PendingCall) call = user_data;
  g_autoptr(ForgePreview) self = g_weak_ref_get (&call->self);
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self == NULL || !self->awaiting_paint ||
      self->web_view == NULL || self->paint_tick_id != 0)
    return;

  if (error != NULL)
    g_debug ("No word of the restored page's first frame: %s", error->message);

  self->paint_ticks = 0;
  self->paint_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->web_view), paint_tick, self, NULL);
}

/* Two animation frames of the page's own mean one was composited: it is
 * what the user would see if the snapshot went now. A page that never
 * draws (hidden, or its script stuck) is uncovered after a while. */
static void
wait_for_paint (ForgePreview *self)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (self->web_view)))
    {
      painted (self);
      return;
    }

  g_clear_handle_id (&self->paint_timeout_id, g_source_remove);
  self->paint_timeout_id = g_timeout_add_seconds (3, paint_timed_out, self);
  webkit_web_view_call_async_javascript_function (self->web_view,
                                                  "return new Promise (resolve => requestAnimationFrame (() => requestAnimationFrame (() => resolve (true))));",
                                                  -1, NULL, "forge-preview", NULL,
                                                  self->restore_cancellable, on_paint_probe_done,
                                                  pending_call_new (self, NULL));
}

static void
on_snapshot_ready (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(PendingCall) call = user_data;
  g_autoptr(ForgePreview) self = g_weak_ref_get (&call->self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  texture = webkit_web_view_get_snapshot_finish (WEBKIT_WEB_VIEW (object), result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No snapshot of the page to show while restoring: %s", error->message);
      return;
    }
  if (self == NULL)
    return;

  /* Taken for a restore that has already ended. */
  if (!self->restoring || self->restore_cancellable == NULL ||
      g_cancellable_is_cancelled (self->restore_cancellable))
    return;

  gtk_picture_set_paintable (self->restoring_snapshot, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->restoring_snapshot), TRUE);
}

static void
begin_restore (ForgePreview *self)
{
  self->restore_cancellable = g_cancellable_new ();

  /* Whatever the page does while its server is away (its live-reload
   * client reloading into an error, a blank document) stays hidden. */
  if (webkit_web_view_get_uri (self->web_view) != NULL &&
      gtk_widget_get_mapped (GTK_WIDGET (self->web_view)))
    webkit_web_view_get_snapshot (self->web_view, WEBKIT_SNAPSHOT_REGION_VISIBLE,
                                  WEBKIT_SNAPSHOT_OPTIONS_NONE, self->restore_cancellable,
                                  on_snapshot_ready, pending_call_new (self, NULL));
}

static void
end_restore (ForgePreview *self)
{
  g_cancellable_cancel (self->restore_cancellable);
  g_clear_object (&self->restore_cancellable);
  g_clear_handle_id (&self->paint_timeout_id, g_source_remove);
  if (self->paint_tick_id != 0 && self->web_view != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->web_view), self->paint_tick_id);
  self->paint_tick_id = 0;
  self->awaiting_paint = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->restoring_snapshot), FALSE);
  gtk_picture_set_paintable (self->restoring_snapshot, NULL);
}

/* The snapshot covers the web view, wherever the device frame put it. */
static gboolean
on_overlay_get_child_position (GtkOverlay    *overlay,
                               GtkWidget     *child,
                               GdkRectangle  *allocation,
                               ForgePreview  *self)
{
  graphene_rect_t bounds;

  if (child != GTK_WIDGET (self->restoring_snapshot) || self->web_view == NULL ||
      !gtk_widget_compute_bounds (GTK_WIDGET (self->web_view), GTK_WIDGET (overlay), &bounds))
    return FALSE;

  allocation->x = (int) floorf (bounds.origin.x);
  allocation->y = (int) floorf (bounds.origin.y);
  allocation->width = MAX (1, (int) ceilf (bounds.size.width));
  allocation->height = MAX (1, (int) ceilf (bounds.size.height));
  return TRUE;
}

/* }}} */

static void
error_page_done (ForgePreview *self)
{
  g_autofree char *pending_uri = g_steal_pointer (&self->pending_uri);

  self->error_page_expected = FALSE;
  self->error_page_started = FALSE;

  if (pending_uri != NULL)
    load_uri (self, pending_uri);
}

static char *
build_error_page (const char *title,
                  const char *message,
                  const char *hint,
                  const char *uri,
                  const char *button)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *retry_uri = NULL;
  const char *fragment;
  GString *html;
  struct {
    const char *marker;
    const char *text;
  } fields[] = {
    { "@DIR@", gtk_widget_get_default_direction () == GTK_TEXT_DIR_RTL ? "rtl" : "ltr" },
    { "@TITLE@", title },
    { "@MESSAGE@", message },
    { "@HINT@", hint },
    { "@RETRY_URI@", NULL },
    { "@URI@", uri },
    { "@BUTTON@", button },
  };

  /* The error page lives at the failing address: a link to that same
   * address with a fragment would only scroll, so the button drops it. */
  fragment = strchr (uri, '#');
  retry_uri = fragment != NULL ? g_strndup (uri, fragment - uri) : g_strdup (uri);
  fields[4].text = retry_uri;

  bytes = g_resources_lookup_data (RESOURCE_BASE "/error-page.html",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    g_error ("The error page is missing from the resources: %s", error->message);

  html = g_string_new_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *escaped = g_markup_escape_text (fields[i].text, -1);

      g_string_replace (html, fields[i].marker, escaped, 0);
    }

  return g_string_free (html, FALSE);
}

static void
show_error_page (ForgePreview      *self,
                 ForgePreviewState  state,
                 const char        *uri,
                 const char        *title,
                 const char        *message,
                 const char        *hint,
                 const char        *button)
{
  g_autofree char *html = NULL;
  g_autofree char *path = NULL;

  set_str (&self->failing_uri, uri);
  g_clear_pointer (&self->requested_uri, g_free);
  if (is_same_origin (self, uri))
    {
      path = uri_get_path (uri);
      set_path (self, path);
    }

  html = build_error_page (title, message, hint, uri, button);

  self->error_page_expected = TRUE;
  self->error_page_started = FALSE;
  set_load_state (self, state);

  webkit_web_view_load_alternate_html (self->web_view, html, uri, NULL);
}

static gboolean
on_load_failed (WebKitWebView   *web_view,
                WebKitLoadEvent  load_event,
                const char      *failing_uri,
                GError          *error,
                ForgePreview    *self)
{
  g_debug ("load failed %s: %s", failing_uri, error->message);

  /* Stopped loads, downloads and refused navigations are not failures. */
  if (g_error_matches (error, WEBKIT_NETWORK_ERROR, WEBKIT_NETWORK_ERROR_CANCELLED) ||
      g_error_matches (error, WEBKIT_POLICY_ERROR, WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE) ||
      g_error_matches (error, WEBKIT_MEDIA_ERROR, WEBKIT_MEDIA_ERROR_WILL_HANDLE_LOAD))
    return TRUE;

  /* An error page that cannot load must not bring up another one. */
  if (self->error_page_expected)
    {
      if (self->error_page_started)
        error_page_done (self);
      return TRUE;
    }

  show_error_page (self, FORGE_PREVIEW_STATE_LOAD_FAILED, failing_uri,
                   _("Page Not Available"),
                   error->message,
                   _("Check that the development server is running, then try again."),
                   _("Try Again"));

  return TRUE;
}

static void
on_web_process_terminated (WebKitWebView                     *web_view,
                           WebKitWebProcessTerminationReason  reason,
                           ForgePreview                      *self)
{
  const char *uri = self->failing_uri;
  const char *message;

  if (self->load_state != FORGE_PREVIEW_STATE_LOAD_FAILED &&
      self->load_state != FORGE_PREVIEW_STATE_CRASHED)
    uri = webkit_web_view_get_uri (web_view);
  if (uri == NULL || !is_same_origin (self, uri))
    uri = self->base_uri;
  if (uri == NULL)
    return;

  switch (reason)
    {
    case WEBKIT_WEB_PROCESS_EXCEEDED_MEMORY_LIMIT:
      message = _("The page used too much memory and was stopped.");
      break;

    case WEBKIT_WEB_PROCESS_TERMINATED_BY_API:
      message = _("The page was stopped.");
      break;

    case WEBKIT_WEB_PROCESS_CRASHED:
    default:
      message = _("The process showing the page crashed.");
      break;
    }

  show_error_page (self, FORGE_PREVIEW_STATE_CRASHED, uri,
                   _("Page Stopped"),
                   message,
                   _("Reload to start the page again."),
                   _("Reload"));
}

static void
on_load_changed (WebKitWebView   *web_view,
                 WebKitLoadEvent  load_event,
                 ForgePreview    *self)
{
  g_debug ("Load event %d for %s (state %d, error page %d/%d)",
           load_event, webkit_web_view_get_uri (web_view), self->load_state,
           self->error_page_expected, self->error_page_started);

  switch (load_event)
    {
    case WEBKIT_LOAD_STARTED:
      if (self->error_page_expected)
        self->error_page_started = TRUE;
      else
        set_load_state (self, FORGE_PREVIEW_STATE_LOADING);
      break;

    case WEBKIT_LOAD_FINISHED:
      /* The failed load finishes too, before its error page starts. */
      if (self->error_page_expected)
        {
          if (self->error_page_started)
            error_page_done (self);
        }
      else if (self->blocked_uri != NULL)
        {
          g_autofree char *blocked_uri = g_steal_pointer (&self->blocked_uri);
          g_autoptr(GUri) parsed = g_uri_parse (blocked_uri, URI_PARSE_FLAGS, NULL);
          g_autofree char *message = NULL;

          message = g_strdup_printf (_("The web engine does not connect to port %d, which browsers block for safety."),
                                     parsed != NULL ? g_uri_get_port (parsed) : -1);
          show_error_page (self, FORGE_PREVIEW_STATE_LOAD_FAILED, blocked_uri,
                           _("Page Not Available"),
                           message,
                           _("Start the development server on another port, then try again."),
                           _("Try Again"));
        }
      else if (!webkit_web_view_is_loading (web_view) &&
               self->load_state == FORGE_PREVIEW_STATE_LOADING)
        {
          set_load_state (self, FORGE_PREVIEW_STATE_LOADED);
          if (self->awaiting_paint)
            wait_for_paint (self);
        }
      break;

    case WEBKIT_LOAD_COMMITTED:
      if (!self->error_page_expected)
        console_page_committed (self);
      if (!self->error_page_expected)
        {
          g_autofree char *requested_uri = g_steal_pointer (&self->requested_uri);

          if (requested_uri != NULL &&
              g_strcmp0 (webkit_web_view_get_uri (web_view), "about:blank") == 0)
            set_str (&self->blocked_uri, requested_uri);
        }
      break;

    case WEBKIT_LOAD_REDIRECTED:
    default:
      break;
    }

  update_actions (self);
}

static void
on_uri_changed (WebKitWebView *web_view,
                GParamSpec    *pspec,
                ForgePreview  *self)
{
  const char *uri = webkit_web_view_get_uri (web_view);

  /* Follows link clicks and history.pushState() alike. */
  if (uri != NULL && is_same_origin (self, uri))
    {
      g_autofree char *path = uri_get_path (uri);

      set_path (self, path);
    }

  update_actions (self);
}

static void
on_progress_changed (WebKitWebView *web_view,
                     GParamSpec    *pspec,
                     ForgePreview  *self)
{
  double progress = webkit_web_view_get_estimated_load_progress (web_view);
  gboolean loading = webkit_web_view_is_loading (web_view);

  gtk_progress_bar_set_fraction (self->progress_bar, progress);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), loading && progress < 1.0);
}

static void
on_back_forward_changed (WebKitBackForwardList     *list,
                         WebKitBackForwardListItem *added,
                         GList                     *removed,
                         ForgePreview              *self)
{
  update_actions (self);
}

static void
on_download_started (WebKitNetworkSession *session,
                     WebKitDownload       *download,
                     gpointer              user_data)
{
  WebKitURIRequest *request = webkit_download_get_request (download);

  g_info ("Preview: refused a download of %s", request != NULL ? webkit_uri_request_get_uri (request) : "?");
  webkit_download_cancel (download);
}

void
forge_preview_refuse_downloads (WebKitNetworkSession *session)
{
  g_signal_connect (session, "download-started", G_CALLBACK (on_download_started), NULL);
}

char *
forge_preview_dup_origin (const char *uri)
{
  return uri_get_origin (uri);
}

/**
 * forge_preview_navigation_policy:
 * @origin: (nullable): the preview's origin, as uri_get_origin() spells it
 * @uri: where the navigation or new window goes
 * @type: how WebKit says it started
 * @is_user_gesture: whether WebKit says the user started it
 *
 * The page is hostile: only what the user did may reach the browser. A
 * link the user clicks (and the redirects it leads to, which keep its type
 * and gesture) goes to the browser; whatever the page does by itself to
 * another origin (script, meta refresh, a frame moving the top one,
 * window.open(), even from the user's click on something that is not a
 * link, form submissions) goes nowhere, before any request is sent.
 *
 * WebKit does not tell here which frame navigates, so frames of other
 * origins are refused too.
 */
ForgePreviewPolicy
forge_preview_navigation_policy (const char           *origin,
                                 const char           *uri,
                                 WebKitNavigationType  type,
                                 gboolean              is_user_gesture)
{
  g_autofree char *uri_origin = NULL;
  const char *scheme;

  if (uri == NULL)
    return FORGE_PREVIEW_POLICY_IGNORE;

  uri_origin = uri_get_origin (uri);
  if (origin != NULL && uri_origin != NULL && g_str_equal (origin, uri_origin))
    return FORGE_PREVIEW_POLICY_LOAD;

  /* Frames may hold blank, inline or generated documents; the top frame
   * is held to the preview's origin once the response arrives. */
  scheme = g_uri_peek_scheme (uri);
  if (g_strcmp0 (scheme, "about") == 0 ||
      g_strcmp0 (scheme, "data") == 0 ||
      g_strcmp0 (scheme, "blob") == 0)
    return FORGE_PREVIEW_POLICY_LOAD;

  if (uri_origin == NULL)
    return FORGE_PREVIEW_POLICY_IGNORE;

  if (is_user_gesture && type == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED)
    return FORGE_PREVIEW_POLICY_OPEN_EXTERNAL;

  /* Form submissions, even the user's, stay refused: a browser could not
   * repeat their body. */
  return FORGE_PREVIEW_POLICY_IGNORE;
}

static ForgePreviewPolicy
action_policy (ForgePreview           *self,
               WebKitNavigationAction *action,
               const char            **uri)
{
  WebKitURIRequest *request = webkit_navigation_action_get_request (action);

  *uri = webkit_uri_request_get_uri (request);
  return forge_preview_navigation_policy (self->origin, *uri,
                                          webkit_navigation_action_get_navigation_type (action),
                                          webkit_navigation_action_is_user_gesture (action));
}

static gboolean
decide_navigation (ForgePreview                   *self,
                   WebKitPolicyDecision           *decision,
                   gboolean                        new_window)
{
  WebKitNavigationAction *action =
    webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  const char *uri;

  /* The error page is ours. */
  if (self->error_page_expected && !new_window)
    return FALSE;

  switch (action_policy (self, action, &uri))
    {
    case FORGE_PREVIEW_POLICY_LOAD:
      /* New windows of the preview's origin are sorted out in ::create. */
      return FALSE;

    case FORGE_PREVIEW_POLICY_OPEN_EXTERNAL:
      webkit_policy_decision_ignore (decision);
      open_external (self, uri);
      return TRUE;

    case FORGE_PREVIEW_POLICY_IGNORE:
    default:
      g_info ("Preview: refused %s to %s: not the user's click on a link to an http(s) address",
              new_window ? "a new window" : "a navigation", uri);
      webkit_policy_decision_ignore (decision);
      return TRUE;
    }
}

static gboolean
decide_response (ForgePreview                 *self,
                 WebKitResponsePolicyDecision *decision)
{
  WebKitURIRequest *request;
  const char *uri;
  const char *scheme;

  if (self->error_page_expected ||
      !webkit_response_policy_decision_is_main_frame_main_resource (decision))
    return FALSE;

  request = webkit_response_policy_decision_get_request (decision);
  uri = webkit_uri_request_get_uri (request);
  if (is_same_origin (self, uri))
    return FALSE;

  scheme = g_uri_peek_scheme (uri);
  if (g_strcmp0 (scheme, "about") == 0)
    return FALSE;

  /* Whatever the user started was handed over before any request; what
   * comes this far the page did, and the browser does not get it. */
  g_info ("Preview: refused a page from %s, another origin", uri);
  webkit_policy_decision_ignore (WEBKIT_POLICY_DECISION (decision));

  return TRUE;
}

static gboolean
on_decide_policy (WebKitWebView            *web_view,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  ForgePreview             *self)
{
  switch (type)
    {
    case WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION:
      return decide_navigation (self, decision, FALSE);

    case WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION:
      return decide_navigation (self, decision, TRUE);

    case WEBKIT_POLICY_DECISION_TYPE_RESPONSE:
      return decide_response (self, WEBKIT_RESPONSE_POLICY_DECISION (decision));

    default:
      return FALSE;
    }
}

/* window.open() comes here without a new-window decision first. */
static GtkWidget *
on_create (WebKitWebView          *web_view,
           WebKitNavigationAction *action,
           ForgePreview           *self)
{
  const char *uri;

  switch (action_policy (self, action, &uri))
    {
    case FORGE_PREVIEW_POLICY_LOAD:
      /* The preview has a single page: popups of the app replace it. */
      if (is_same_origin (self, uri))
        load_uri (self, uri);
      break;

    case FORGE_PREVIEW_POLICY_OPEN_EXTERNAL:
      open_external (self, uri);
      break;

    case FORGE_PREVIEW_POLICY_IGNORE:
    default:
      g_info ("Preview: refused a new window to %s: not the user's click on a link to an http(s) address", uri);
      break;
    }

  return NULL;
}

/* Turns what was typed into an address on the preview's origin. */
static char *
resolve_address (ForgePreview  *self,
                 const char    *text,
                 GError       **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  const char *scheme;
  g_autofree char *relative = NULL;
  const char *base;

  if (self->base_uri == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Nothing is being previewed yet."));
      return NULL;
    }

  scheme = g_uri_peek_scheme (stripped);
  if (scheme_is_http (scheme) || (scheme != NULL && strstr (stripped, "://") != NULL))
    {
      g_autofree char *origin = uri_get_origin (stripped);

      if (origin == NULL || !g_str_equal (origin, self->origin))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Only addresses on %s can be shown here; type a path such as /about."),
                       self->origin);
          return NULL;
        }

      relative = uri_get_path (stripped);
    }
  else if (stripped[0] == '\0')
    relative = g_strdup ("/");
  else if (stripped[0] == '/' || stripped[0] == '?' || stripped[0] == '#')
    relative = g_steal_pointer (&stripped);
  else
    relative = g_strconcat ("/", stripped, NULL);

  base = current_uri (self);
  if (base == NULL)
    base = self->base_uri;

  return g_uri_resolve_relative (base, relative, URI_PARSE_FLAGS, error);
}

static void
on_entry_activate (GtkEntry     *entry,
                   ForgePreview *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  uri = resolve_address (self, gtk_editable_get_text (GTK_EDITABLE (entry)), &error);
  if (uri == NULL)
    {
      set_entry_error (self, error->message);
      gtk_widget_error_bell (GTK_WIDGET (entry));
      return;
    }

  self->entry_dirty = FALSE;
  load_uri (self, uri);
  update_entry (self, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->web_view));
}

static void
on_entry_changed (GtkEditable  *editable,
                  ForgePreview *self)
{
  if (self->updating_entry)
    return;

  self->entry_dirty = TRUE;
  set_entry_error (self, NULL);
}

static gboolean
on_entry_key_pressed (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      ForgePreview          *self)
{
  if (keyval != GDK_KEY_Escape || !self->entry_dirty)
    return GDK_EVENT_PROPAGATE;

  update_entry (self, TRUE);
  gtk_editable_select_region (GTK_EDITABLE (self->path_entry), 0, -1);
  return GDK_EVENT_STOP;
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  go_through_history (FORGE_PREVIEW (widget), -1);
}

static void
forward_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  go_through_history (FORGE_PREVIEW (widget), 1);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  forge_preview_reload (FORGE_PREVIEW (widget));
}

static void
open_external_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ForgePreview *self = FORGE_PREVIEW (widget);
  const char *uri = current_uri (self);

  if (uri != NULL)
    open_external (self, uri);
}

static void
copy_url_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ForgePreview *self = FORGE_PREVIEW (widget);
  const char *uri = current_uri (self);

  if (uri != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), uri);
}

static void
focus_address_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ForgePreview *self = FORGE_PREVIEW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->path_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->path_entry), 0, -1);
}

/* {{{ The page's console */

/* Keeps the last ones: a page that logs in a loop cannot fill memory. */
#define MAX_CONSOLE_ENTRIES 500

static void
on_console_entry (ForgeConsoleCollector *collector,
                  ForgeConsoleEntry     *entry,
                  ForgePreview          *self)
{
  if (self->console == NULL)
    return;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->console)) >= MAX_CONSOLE_ENTRIES)
    g_list_store_remove (self->console, 0);
  g_list_store_append (self->console, entry);
}

static WebKitUserContentManager *
console_content_manager (ForgePreview *self)
{
  WebKitUserContentManager *manager = webkit_user_content_manager_new ();

  self->console_collector = forge_console_collector_new (manager);
  g_signal_connect_object (self->console_collector, "entry", G_CALLBACK (on_console_entry), self, 0);

  return manager;
}

static GtkWidget *
create_console_row (gpointer item,
                    gpointer user_data)
{
  ForgeConsoleEntry *entry = item;
  gboolean warning = forge_console_entry_get_level (entry) == FORGE_CONSOLE_LEVEL_WARNING;
  g_autofree char *location = forge_console_entry_dup_location (entry);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (warning ? "dialog-warning-symbolic" : "dialog-error-symbolic");

  /* The page's words, never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), forge_console_entry_get_message (entry));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), location);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 4);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  warning ? _("Warning") : _("Error"), -1);
  gtk_widget_add_css_class (icon, warning ? "warning" : "error");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  return row;
}

static void
update_console_button (ForgePreview *self)
{
  guint n;
  guint errors = 0;
  g_autofree char *label = NULL;

  if (self->console == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->console));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ForgeConsoleEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->console), i);

      errors += forge_console_entry_get_level (entry) == FORGE_CONSOLE_LEVEL_ERROR;
    }

  if (errors > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u error", "%u errors", errors), errors);
  else if (n > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u warning", "%u warnings", n), n);

  gtk_widget_set_visible (GTK_WIDGET (self->console_button), n > 0);
  gtk_menu_button_set_label (self->console_button, label != NULL ? label : "");
  if (label != NULL)
    _forge_menu_button_set_label (self->console_button, label);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.clear-console", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.copy-console", n > 0);
}

/* A new document in the top frame starts with a clean console, unless the
 * person asked to keep it. */
static void
console_page_committed (ForgePreview *self)
{
  if (!gtk_check_button_get_active (self->keep_console_check))
    g_list_store_remove_all (self->console);
}

static void
clear_console_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  g_list_store_remove_all (FORGE_PREVIEW (widget)->console);
}

static void
copy_console_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ForgePreview *self = FORGE_PREVIEW (widget);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->console)); i++)
    {
      g_autoptr(ForgeConsoleEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->console), i);
      g_autofree char *location = forge_console_entry_dup_location (entry);

      g_string_append_printf (text, "%s: %s",
                              forge_console_entry_get_level (entry) == FORGE_CONSOLE_LEVEL_WARNING ? "warning" : "error",
                              forge_console_entry_get_message (entry));
      if (*location != '\0')
        g_string_append_printf (text, " (%s)", location);
      g_string_append_c (text, '\n');
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
}

GListModel *
forge_preview_get_console (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return G_LIST_MODEL (self->console);
}

GtkMenuButton *
forge_preview_get_console_button (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->console_button;
}

void
forge_preview_set_keep_console (ForgePreview *self,
                                gboolean      keep)
{
  g_return_if_fail (FORGE_IS_PREVIEW (self));

  gtk_check_button_set_active (self->keep_console_check, keep);
}

/* }}} */

/* {{{ Devices */

/* Real CSS sizes, portrait; "rotate" swaps them. */
static const ForgePreviewDevice devices[] = {
  { "phone-360", N_("Phone"), 360, 800 },
  { "phone-390", N_("Phone"), 390, 844 },
  { "tablet-768", N_("Tablet"), 768, 1024 },
  { "laptop-1280", N_("Laptop"), 1280, 800 },
  { "desktop-1920", N_("Desktop"), 1920, 1080 },
  { NULL, NULL, 0, 0 },
};

const ForgePreviewDevice *
forge_preview_get_devices (void)
{
  return devices;
}

static const ForgePreviewDevice *
find_device (const char *id)
{
  for (guint i = 0; id != NULL && devices[i].id != NULL; i++)
    if (g_str_equal (devices[i].id, id))
      return &devices[i];
  return NULL;
}

static GMenuModel *
build_device_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) sizes = g_menu_new ();
  g_autoptr(GMenu) options = g_menu_new ();
  g_autoptr(GMenu) tools = g_menu_new ();
  g_autoptr(GMenuItem) responsive = g_menu_item_new (_("_Responsive"), NULL);

  g_menu_item_set_action_and_target_value (responsive, "preview.device", g_variant_new_string ("responsive"));
  g_menu_append_item (sizes, responsive);
  for (guint i = 0; devices[i].id != NULL; i++)
    {
      /* Translators: a device and its size in CSS pixels: "Phone (390 × 844)" */
      g_autofree char *label = g_strdup_printf (_("%s (%d × %d)"), _(devices[i].title),
                                                devices[i].width, devices[i].height);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "preview.device", g_variant_new_string (devices[i].id));
      g_menu_append_item (sizes, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (sizes));

  g_menu_append (options, _("R_otate"), "preview.rotate");
  g_menu_append (options, _("_Zoom to Fit"), "preview.fit");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (options));

  g_menu_append (tools, _("_Inspect"), "preview.inspect");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (tools));

  return G_MENU_MODEL (menu);
}

static void
apply_device (ForgePreview *self)
{
  const ForgePreviewDevice *device = find_device (self->device);
  int width = 0;
  int height = 0;

  if (device != NULL)
    {
      width = self->device_landscape ? device->height : device->width;
      height = self->device_landscape ? device->width : device->height;
    }

  forge_device_frame_set_device_size (self->device_frame, width, height);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.rotate", device != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.fit", device != NULL);
}

/* The frame scaled the web view down: the page zooms out as much, so
 * that its CSS viewport stays the device's. */
static void
on_device_scale_changed (ForgePreview *self)
{
  webkit_web_view_set_zoom_level (self->web_view, forge_device_frame_get_scale (self->device_frame));
}

static void
on_device_fit_changed (ForgePreview *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_FIT]);
}

static gboolean
hide_size_label (gpointer data)
{
  ForgePreview *self = data;

  self->size_label_source = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->size_label), FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
show_size_label (gpointer data)
{
  ForgePreview *self = data;
  double zoom = webkit_web_view_get_zoom_level (self->web_view);
  int width = (int) (gtk_widget_get_width (GTK_WIDGET (self->web_view)) / zoom + 0.5);
  int height = (int) (gtk_widget_get_height (GTK_WIDGET (self->web_view)) / zoom + 0.5);
  g_autofree char *text = g_strdup_printf ("%d × %d", width, height);

  self->size_label_update = 0;
  gtk_label_set_label (self->size_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->size_label), TRUE);
  g_clear_handle_id (&self->size_label_source, g_source_remove);
  self->size_label_source = g_timeout_add (1500, hide_size_label, self);
  return G_SOURCE_REMOVE;
}

/* While the pane is resized in Responsive mode, its size shows (after
 * this allocation: a label changed during one would resize it again). */
static void
on_web_view_resized (ForgePreview *self)
{
  if (find_device (self->device) != NULL || self->size_label_update != 0 ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  self->size_label_update = g_idle_add (show_size_label, self);
}

const char *
forge_preview_get_device (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->device != NULL ? self->device : "responsive";
}

/**
 * forge_preview_set_device:
 * @device: (nullable): "responsive", or the id of one of
 *   forge_preview_get_devices(); anything else is "responsive"
 */
void
forge_preview_set_device (ForgePreview *self,
                          const char   *device)
{
  g_return_if_fail (FORGE_IS_PREVIEW (self));

  if (find_device (device) == NULL)
    device = "responsive";
  if (g_strcmp0 (self->device, device) == 0)
    return;

  g_free (self->device);
  self->device = g_strdup (device);
  apply_device (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE]);
}

gboolean
forge_preview_get_device_landscape (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), FALSE);

  return self->device_landscape;
}

void
forge_preview_set_device_landscape (ForgePreview *self,
                                    gboolean      landscape)
{
  g_return_if_fail (FORGE_IS_PREVIEW (self));

  landscape = !!landscape;
  if (self->device_landscape == landscape)
    return;

  self->device_landscape = landscape;
  apply_device (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_LANDSCAPE]);
}

ForgeDeviceFrame *
forge_preview_get_device_frame (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->device_frame;
}

GtkLabel *
forge_preview_get_size_label (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->size_label;
}

static void
inspect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ForgePreview *self = FORGE_PREVIEW (widget);

  webkit_web_inspector_show (webkit_web_view_get_inspector (self->web_view));
}

/* }}} */

static void
update_menu (ForgePreview *self)
{
  gboolean narrow = adw_squeezer_get_visible_child (self->extra_squeezer) == NULL;

  g_menu_remove_all (self->menu);
  if (narrow)
    {
      g_autoptr(GMenu) section = g_menu_new ();

      g_menu_append (section, _("_Copy Address"), "preview.copy-url");
      g_menu_append (section, _("Open in _Web Browser"), "preview.open-external");
      g_menu_append_section (self->menu, NULL, G_MENU_MODEL (section));
    }
  if (self->owner_menu != NULL)
    g_menu_append_section (self->menu, NULL, self->owner_menu);

  gtk_widget_set_visible (GTK_WIDGET (self->menu_button),
                          g_menu_model_get_n_items (G_MENU_MODEL (self->menu)) > 0);
}

gboolean
forge_preview_get_narrow (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), FALSE);

  return adw_squeezer_get_visible_child (self->extra_squeezer) == NULL;
}

GMenuModel *
forge_preview_get_menu (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return G_MENU_MODEL (self->menu);
}

static void
forge_preview_dispose (GObject *object)
{
  ForgePreview *self = FORGE_PREVIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->restore_cancellable);
  g_clear_object (&self->restore_cancellable);
  g_clear_handle_id (&self->paint_timeout_id, g_source_remove);
  g_clear_handle_id (&self->size_label_source, g_source_remove);
  g_clear_handle_id (&self->size_label_update, g_source_remove);
  g_clear_pointer (&self->device, g_free);
  g_clear_object (&self->console_collector);
  g_clear_object (&self->console);

  if (self->back_forward_list != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->back_forward_list, self);
      g_clear_object (&self->back_forward_list);
    }

  if (self->web_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->web_view, self);
      self->web_view = NULL;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_PREVIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_clear_object (&self->network_session);

  G_OBJECT_CLASS (forge_preview_parent_class)->dispose (object);
}

static void
forge_preview_finalize (GObject *object)
{
  ForgePreview *self = FORGE_PREVIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->menu);
  g_clear_object (&self->owner_menu);
  g_clear_pointer (&self->base_uri, g_free);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->failing_uri, g_free);
  g_clear_pointer (&self->pending_uri, g_free);
  g_clear_pointer (&self->requested_uri, g_free);
  g_clear_pointer (&self->blocked_uri, g_free);

  G_OBJECT_CLASS (forge_preview_parent_class)->finalize (object);
}

static void
forge_preview_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ForgePreview *self = FORGE_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      g_value_set_string (value, self->base_uri);
      break;

    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_STATE:
      g_value_set_enum (value, effective_state (self));
      break;

    case PROP_RESTORING:
      g_value_set_boolean (value, self->restoring);
      break;

    case PROP_DEVICE:
      g_value_set_string (value, forge_preview_get_device (self));
      break;

    case PROP_DEVICE_LANDSCAPE:
      g_value_set_boolean (value, self->device_landscape);
      break;

    case PROP_DEVICE_FIT:
      g_value_set_boolean (value, forge_device_frame_get_fit (self->device_frame));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_preview_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ForgePreview *self = FORGE_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      if (g_value_get_string (value) != NULL)
        forge_preview_set_base_uri (self, g_value_get_string (value), FALSE);
      break;

    case PROP_RESTORING:
      forge_preview_set_restoring (self, g_value_get_boolean (value));
      break;

    case PROP_DEVICE:
      forge_preview_set_device (self, g_value_get_string (value));
      break;

    case PROP_DEVICE_LANDSCAPE:
      forge_preview_set_device_landscape (self, g_value_get_boolean (value));
      break;

    case PROP_DEVICE_FIT:
      forge_device_frame_set_fit (self->device_frame, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_preview_class_init (ForgePreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_preview_dispose;
  object_class->finalize = forge_preview_finalize;
  object_class->get_property = forge_preview_get_property;
  object_class->set_property = forge_preview_set_property;

  properties[PROP_BASE_URI] =
    g_param_spec_string ("base-uri", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       FORGE_TYPE_PREVIEW_STATE,
                       FORGE_PREVIEW_STATE_EMPTY,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RESTORING] =
    g_param_spec_boolean ("restoring", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Which size the page gets: "responsive" (the pane's) or a preset of
   * forge_preview_get_devices(). */
  properties[PROP_DEVICE] =
    g_param_spec_string ("device", NULL, NULL, "responsive",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DEVICE_LANDSCAPE] =
    g_param_spec_boolean ("device-landscape", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DEVICE_FIT] =
    g_param_spec_boolean ("device-fit", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, main_box);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, menu_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, extra_squeezer);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, path_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, overlay);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, restoring_overlay);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, restoring_spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, restoring_snapshot);
  gtk_widget_class_bind_template_callback (widget_class, on_overlay_get_child_position);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, device_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, size_label);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, console_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, console_list);
  gtk_widget_class_bind_template_child (widget_class, ForgePreview, keep_console_check);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, update_menu);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "forgepreview");

  gtk_widget_class_install_action (widget_class, "preview.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "preview.forward", NULL, forward_action);
  gtk_widget_class_install_action (widget_class, "preview.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "preview.retry", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "preview.open-external", NULL, open_external_action);
  gtk_widget_class_install_action (widget_class, "preview.copy-url", NULL, copy_url_action);
  gtk_widget_class_install_action (widget_class, "preview.focus-address", NULL, focus_address_action);
  gtk_widget_class_install_action (widget_class, "preview.inspect", NULL, inspect_action);
  gtk_widget_class_install_action (widget_class, "preview.clear-console", NULL, clear_console_action);
  gtk_widget_class_install_action (widget_class, "preview.copy-console", NULL, copy_console_action);
  gtk_widget_class_install_property_action (widget_class, "preview.device", "device");
  gtk_widget_class_install_property_action (widget_class, "preview.rotate", "device-landscape");
  gtk_widget_class_install_property_action (widget_class, "preview.fit", "device-fit");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "preview.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "preview.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "preview.focus-address", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_I, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "preview.inspect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "preview.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "preview.forward", NULL);
}

static void
forge_preview_init (ForgePreview *self)
{
  g_autoptr(WebKitUserContentManager) user_content = NULL;
  GtkEventController *key;
  WebKitSettings *settings;

  self->cancellable = g_cancellable_new ();
  self->menu = g_menu_new ();

  g_type_ensure (ADW_TYPE_SQUEEZER);
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (self->menu));
  _forge_menu_button_set_label (self->menu_button, _("More"));

  /* Nothing the previewed app stores (cookies, storage, cache) outlives
   * the preview or leaks into another one. */
  self->network_session = webkit_network_session_new_ephemeral ();
  forge_preview_refuse_downloads (self->network_session);
  self->console = g_list_store_new (FORGE_TYPE_CONSOLE_ENTRY);
  user_content = console_content_manager (self);
  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "network-session", self->network_session,
                                 "user-content-manager", user_content,
                                 "hexpand", TRUE,
                                 "vexpand", TRUE,
                                 NULL);
  self->device_frame = FORGE_DEVICE_FRAME (forge_device_frame_new ());
  forge_device_frame_set_child (self->device_frame, GTK_WIDGET (self->web_view));
  gtk_overlay_set_child (self->overlay, GTK_WIDGET (self->device_frame));
  g_signal_connect_object (self->device_frame, "notify::scale", G_CALLBACK (on_device_scale_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->device_frame, "notify::fit", G_CALLBACK (on_device_fit_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->device_frame, "child-resized", G_CALLBACK (on_web_view_resized), self,
                           G_CONNECT_SWAPPED);
  gtk_menu_button_set_menu_model (self->device_button, build_device_menu ());
  gtk_list_box_bind_model (self->console_list, G_LIST_MODEL (self->console), create_console_row, NULL, NULL);
  g_signal_connect_object (self->console, "items-changed", G_CALLBACK (update_console_button), self, G_CONNECT_SWAPPED);
  update_console_button (self);

  settings = webkit_web_view_get_settings (self->web_view);
  webkit_settings_set_enable_developer_extras (settings, TRUE);
  /* No swipe back and forward: for it WebKit keeps a snapshot of every
   * page left, as large as the view (2–3 MB each), for as long as the
   * history holds the page, and each run of a project adds pages at a
   * new address. 50 starts and stops of one project grew the app by
   * 160 MB (the soak, tests/soak). Back and Forward stay on the buttons
   * and Alt+←/→. */
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);

  g_signal_connect (self->web_view, "load-changed", G_CALLBACK (on_load_changed), self);
  g_signal_connect (self->web_view, "load-failed", G_CALLBACK (on_load_failed), self);
  g_signal_connect (self->web_view, "web-process-terminated", G_CALLBACK (on_web_process_terminated), self);
  g_signal_connect (self->web_view, "decide-policy", G_CALLBACK (on_decide_policy), self);
  g_signal_connect (self->web_view, "create", G_CALLBACK (on_create), self);
  g_signal_connect (self->web_view, "notify::uri", G_CALLBACK (on_uri_changed), self);
  g_signal_connect (self->web_view, "notify::estimated-load-progress", G_CALLBACK (on_progress_changed), self);
  g_signal_connect (self->web_view, "notify::is-loading", G_CALLBACK (on_progress_changed), self);

  self->back_forward_list = g_object_ref (webkit_web_view_get_back_forward_list (self->web_view));
  g_signal_connect (self->back_forward_list, "changed", G_CALLBACK (on_back_forward_changed), self);

  self->entry_focus = gtk_event_controller_focus_new ();
  gtk_widget_add_controller (GTK_WIDGET (self->path_entry), self->entry_focus);

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_entry_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->path_entry), key);

  update_actions (self);
  update_menu (self);
}

GtkWidget *
forge_preview_new (void)
{
  return g_object_new (FORGE_TYPE_PREVIEW, NULL);
}

/* A page of the preview's origin that loaded, not an error page nor a
 * load on its way (which may be the page's own reload). */
static gboolean
page_is_live (ForgePreview *self)
{
  const char *uri = webkit_web_view_get_uri (self->web_view);

  return self->load_state == FORGE_PREVIEW_STATE_LOADED &&
         !self->error_page_expected &&
         uri != NULL && is_same_origin (self, uri);
}

const char *
forge_preview_get_base_uri (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->base_uri;
}

/**
 * forge_preview_set_base_uri:
 * @base_uri: the dev server's address, possibly with a path
 * @keep_path: whether to show the current path on the new origin rather
 *   than @base_uri itself, e.g. when a sandbox comes back on another port
 *
 * Only the web view reloads; the widget and its history stay. With
 * @keep_path, a sandbox that came back on the same origin while the page
 * was fine does not even reload it: its storage and state stay, its own
 * live-reload client reconnects, and the history gains nothing.
 */
void
forge_preview_set_base_uri (ForgePreview *self,
                            const char   *base_uri,
                            gboolean      keep_path)
{
  g_autofree char *origin = NULL;
  g_autofree char *target = NULL;

  g_return_if_fail (FORGE_IS_PREVIEW (self));
  g_return_if_fail (base_uri != NULL);

  origin = uri_get_origin (base_uri);
  if (origin == NULL)
    {
      g_warning ("Not an http(s) address, cannot preview it: %s", base_uri);
      return;
    }

  if (keep_path && page_is_live (self) && g_strcmp0 (origin, self->origin) == 0)
    {
      if (set_str (&self->base_uri, base_uri))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URI]);
      forge_preview_set_restoring (self, FALSE);
      update_actions (self);
      return;
    }

  if (keep_path && self->path != NULL)
    target = g_uri_resolve_relative (base_uri, self->path, URI_PARSE_FLAGS, NULL);
  if (target == NULL)
    target = g_strdup (base_uri);

  set_str (&self->base_uri, base_uri);
  set_str (&self->origin, origin);
  g_clear_pointer (&self->failing_uri, g_free);

  /* A restore: the page that comes back takes the place of the one that
   * went, in the history too, and is uncovered once it has painted. */
  if (keep_path)
    {
      self->awaiting_paint = self->restoring;
      replace_uri (self, target);
    }
  else
    {
      forge_preview_set_restoring (self, FALSE);
      load_uri (self, target);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URI]);
}

const char *
forge_preview_get_path (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->path;
}

/**
 * forge_preview_navigate:
 * @path: a path on the preview's origin such as `/about?x=1`, or a full
 *   address on that origin
 */
void
forge_preview_navigate (ForgePreview *self,
                        const char   *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  g_return_if_fail (FORGE_IS_PREVIEW (self));
  g_return_if_fail (path != NULL);

  uri = resolve_address (self, path, &error);
  if (uri == NULL)
    {
      g_warning ("Cannot show %s in the preview: %s", path, error->message);
      return;
    }

  load_uri (self, uri);
}

void
forge_preview_reload (ForgePreview *self)
{
  const char *uri;

  g_return_if_fail (FORGE_IS_PREVIEW (self));

  if (self->base_uri == NULL)
    return;

  /* Reloading an error page would reload the error page. */
  if ((self->load_state == FORGE_PREVIEW_STATE_LOAD_FAILED ||
       self->load_state == FORGE_PREVIEW_STATE_CRASHED) &&
      self->failing_uri != NULL)
    {
      g_autofree char *failing_uri = g_strdup (self->failing_uri);

      load_uri (self, failing_uri);
      return;
    }

  uri = webkit_web_view_get_uri (self->web_view);
  if (uri != NULL && is_same_origin (self, uri))
    {
      set_load_state (self, FORGE_PREVIEW_STATE_LOADING);
      webkit_web_view_reload (self->web_view);
    }
  else
    {
      g_autofree char *base_uri = g_strdup (self->base_uri);

      load_uri (self, base_uri);
    }
}

ForgePreviewState
forge_preview_get_state (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), FORGE_PREVIEW_STATE_EMPTY);

  return effective_state (self);
}

/**
 * forge_preview_set_restoring:
 *
 * Covers the page while its sandbox comes back, without unloading it.
 */
void
forge_preview_set_restoring (ForgePreview *self,
                             gboolean      restoring)
{
  ForgePreviewState old_state;

  g_return_if_fail (FORGE_IS_PREVIEW (self));

  restoring = !!restoring;
  if (self->restoring == restoring)
    return;

  old_state = effective_state (self);
  self->restoring = restoring;
  if (restoring)
    begin_restore (self);
  else
    end_restore (self);

  gtk_widget_set_visible (self->restoring_overlay, restoring);
  gtk_spinner_set_spinning (self->restoring_spinner, restoring);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTORING]);
  if (effective_state (self) != old_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

gboolean
forge_preview_get_restoring (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), FALSE);

  return self->restoring;
}

void
forge_preview_set_external_opener (ForgePreview               *self,
                                   ForgePreviewExternalOpener  opener,
                                   gpointer                    user_data)
{
  g_return_if_fail (FORGE_IS_PREVIEW (self));

  self->opener = opener;
  self->opener_data = user_data;
}

WebKitWebView *
forge_preview_get_web_view (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->web_view;
}

GtkEditable *
forge_preview_get_path_entry (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return GTK_EDITABLE (self->path_entry);
}

GtkWidget *
forge_preview_get_restoring_snapshot (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return GTK_WIDGET (self->restoring_snapshot);
}

GtkWidget *
forge_preview_get_restoring_overlay (ForgePreview *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW (self), NULL);

  return self->restoring_overlay;
}

void
forge_preview_set_menu_model (ForgePreview *self,
                              GMenuModel   *menu_model)
{
  g_return_if_fail (FORGE_IS_PREVIEW (self));
  g_return_if_fail (menu_model == NULL || G_IS_MENU_MODEL (menu_model));

  g_set_object (&self->owner_menu, menu_model);
  update_menu (self);
}
