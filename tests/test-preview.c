/* test-preview.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "forge-console-entry.h"
#include "forge-preview.h"
#include "forge-page-probe.h"
#include "forge-preview-private.h"

#define WAIT_SECONDS 20

typedef struct
{
  SoupServer *server;
  char       *base_uri;
  GHashTable *hits;       /* "path?query" → count */
  char       *other_uri;  /* written into pages as the external link */
  GHashTable *pages;      /* path → HTML served instead of the default page */
  guint       delay_ms;   /* how long each page waits before it answers */
} TestServer;

typedef struct
{
  GtkWindow    *window;
  ForgePreview *preview;
  GPtrArray    *opened;   /* addresses sent to the "browser" */
} Fixture;

static gboolean
unpause_message (gpointer data)
{
  soup_server_message_unpause (data);
  return G_SOURCE_REMOVE;
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TestServer *ts = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;
  guint count;

  if (g_uri_get_query (uri) != NULL)
    key = g_strdup_printf ("%s?%s", path, g_uri_get_query (uri));
  else
    key = g_strdup (path);

  count = GPOINTER_TO_UINT (g_hash_table_lookup (ts->hits, key));
  g_hash_table_insert (ts->hits, g_strdup (key), GUINT_TO_POINTER (count + 1));

  if (g_str_equal (path, "/favicon.ico"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  /* /redirect?to=ADDRESS answers with a redirect there. */
  if (g_str_equal (path, "/redirect") && query != NULL && g_hash_table_lookup (query, "to") != NULL)
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, g_hash_table_lookup (query, "to"));
      return;
    }

  /* /download?name=FILE answers with a file to save, as FILE. */
  if (g_str_equal (path, "/download") && query != NULL && g_hash_table_lookup (query, "name") != NULL)
    {
      g_autofree char *disposition = g_strdup_printf ("attachment; filename=\"%s\"",
                                                      (const char *) g_hash_table_lookup (query, "name"));

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Disposition", disposition);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC, "planted", 7);
      return;
    }

  if (g_hash_table_lookup (ts->pages, path) != NULL)
    {
      const char *page = g_hash_table_lookup (ts->pages, path);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY, page, strlen (page));
      if (ts->delay_ms > 0)
        {
          soup_server_message_pause (msg);
          g_timeout_add_full (G_PRIORITY_DEFAULT, ts->delay_ms, unpause_message,
                              g_object_ref (msg), g_object_unref);
        }
      return;
    }

  body = g_strdup_printf ("<!DOCTYPE html><html><head><title>%s</title></head><body>"
                          "<h1 id='where'>%s</h1>"
                          "<a id='about' href='/about'>About</a>"
                          "<a id='ext' href='%s/elsewhere'>Elsewhere</a>"
                          "</body></html>",
                          path, path, ts->other_uri != NULL ? ts->other_uri : "http://127.0.0.1:9");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY, body, strlen (body));
}

static TestServer *
test_server_new (guint port)
{
  TestServer *ts = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  ts->hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ts->pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ts->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (ts->server, NULL, server_callback, ts, NULL);

  if (port == 0)
    {
      soup_server_listen_local (ts->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
    }
  else
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

      soup_server_listen (ts->server, address, 0, &error);
    }
  g_assert_no_error (error);

  uris = soup_server_get_uris (ts->server);
  g_assert_nonnull (uris);
  ts->base_uri = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return ts;
}

static guint
test_server_hits (TestServer *ts,
                  const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (ts->hits, key));
}

static void
test_server_free (TestServer *ts)
{
  soup_server_disconnect (ts->server);
  g_clear_object (&ts->server);
  g_hash_table_unref (ts->hits);
  g_hash_table_unref (ts->pages);
  g_free (ts->base_uri);
  g_free (ts->other_uri);
  g_free (ts);
}

/* A port that nothing listens on, for now. */
static guint
get_closed_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, &error);
  g_assert_no_error (error);

  return port;
}

typedef gboolean (*Condition) (gpointer data);

static gboolean
deadline_reached (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  /* Four times as long under the sanitizers (tools/test --sanitize), as
   * meson's timeouts there: a flood of console messages took longer. */
  guint seconds = WAIT_SECONDS * (g_getenv ("FORGE_TEST_SANITIZED") != NULL ? 4 : 1);
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (seconds, deadline_reached, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Timed out after %u s waiting for %s", seconds, what);

  g_source_remove (timeout_id);
}

typedef struct
{
  ForgePreview      *preview;
  ForgePreviewState  state;
  const char        *path;
} StateCheck;

static gboolean
state_reached (gpointer data)
{
  StateCheck *check = data;

  return forge_preview_get_state (check->preview) == check->state &&
         (check->path == NULL || g_strcmp0 (forge_preview_get_path (check->preview), check->path) == 0);
}

static void
wait_for_state (ForgePreview      *preview,
                ForgePreviewState  state,
                const char        *path)
{
  StateCheck check = { preview, state, path };
  g_autofree char *what = g_strdup_printf ("state %d at %s", state, path ? path : "any path");

  wait_for (state_reached, &check, what);
}

typedef struct
{
  TestServer *server;
  const char *key;
  guint       count;
} HitCheck;

static gboolean
hits_reached (gpointer data)
{
  HitCheck *check = data;

  return test_server_hits (check->server, check->key) >= check->count;
}

static void
wait_for_hits (TestServer *server,
               const char *key,
               guint       count)
{
  HitCheck check = { server, key, count };
  g_autofree char *what = g_strdup_printf ("%u requests for %s", count, key);

  wait_for (hits_reached, &check, what);
}

typedef struct
{
  GCancellable *cancellable;
  gboolean      done;
  GError       *error;
} JsCall;

static void
js_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  JsCall *call = user_data;
  g_autoptr(JSCValue) value = NULL;

  value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (object), result, &call->error);
  call->done = TRUE;
}

static gboolean
js_finished (gpointer data)
{
  return ((JsCall *) data)->done;
}

static void
run_js (ForgePreview *preview,
        const char   *script)
{
  JsCall call = { 0 };

  webkit_web_view_evaluate_javascript (forge_preview_get_web_view (preview), script, -1,
                                       NULL, NULL, NULL, js_done, &call);
  wait_for (js_finished, &call, script);
  g_assert_no_error (call.error);
}

static void
js_string_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  JsCall *call = user_data;
  g_autoptr(JSCValue) value = NULL;

  value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (object), result, &call->error);
  if (value != NULL && jsc_value_is_string (value))
    g_object_set_data_full (G_OBJECT (object), "test-js-result", jsc_value_to_string (value), g_free);
  call->done = TRUE;
}

typedef struct
{
  ForgePreview *preview;
  const char   *script;
  const char   *expected;
} JsPoll;

/* Asks the page again and again, each time after the previous answer:
 * bounded by wait_for()'s deadline. */
static gboolean
js_returns (gpointer data)
{
  JsPoll *poll = data;
  WebKitWebView *web_view = forge_preview_get_web_view (poll->preview);
  JsCall call = { 0 };

  g_object_set_data (G_OBJECT (web_view), "test-js-result", NULL);
  webkit_web_view_evaluate_javascript (web_view, poll->script, -1, NULL, NULL, NULL,
                                       js_string_done, &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);
  g_clear_error (&call.error);

  return g_strcmp0 (g_object_get_data (G_OBJECT (web_view), "test-js-result"), poll->expected) == 0;
}

static void
wait_for_js (ForgePreview *preview,
             const char   *script,
             const char   *expected)
{
  JsPoll poll = { preview, script, expected };

  wait_for (js_returns, &poll, script);
}

static void
record_opened (ForgePreview *preview,
               const char   *uri,
               gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_ptr_array_add (fixture->opened, g_strdup (uri));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->opened = g_ptr_array_new_with_free_func (g_free);
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 800, 600);
  fixture->preview = FORGE_PREVIEW (forge_preview_new ());
  forge_preview_set_external_opener (fixture->preview, record_opened, fixture);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->preview));
  gtk_window_present (fixture->window);

  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_EMPTY);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_object_add_weak_pointer (G_OBJECT (fixture->preview), (gpointer *) &fixture->preview);
  gtk_window_destroy (fixture->window);

  /* Let the web view's teardown reach its processes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Nothing (signal handler, pending launch, cycle) keeps the widget alive. */
  g_assert_null (fixture->preview);
  g_ptr_array_unref (fixture->opened);
}

static const char *
entry_text (Fixture *fixture)
{
  return gtk_editable_get_text (forge_preview_get_path_entry (fixture->preview));
}

static void
test_load_and_follow (Fixture       *fixture,
                      gconstpointer  data)
{
  TestServer *server = test_server_new (0);

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  g_assert_cmpstr (forge_preview_get_base_uri (fixture->preview), ==, server->base_uri);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  g_assert_cmpuint (test_server_hits (server, "/"), ==, 1);
  g_assert_cmpstr (entry_text (fixture), ==, "/");

  /* A navigation made by the page itself. */
  run_js (fixture->preview, "location.href = '/about'");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);
  g_assert_cmpstr (entry_text (fixture), ==, "/about");
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (fixture->preview)));

  /* A single-page app changing its route without a request. */
  run_js (fixture->preview, "history.pushState({}, '', '/spa/route?x=1#top')");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/spa/route?x=1#top");
  g_assert_cmpstr (entry_text (fixture), ==, "/spa/route?x=1#top");
  g_assert_cmpuint (test_server_hits (server, "/spa/route?x=1"), ==, 0);

  /* History follows: back returns to /about. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.back", NULL));
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");

  test_server_free (server);
}

static void
test_entry_navigates (Fixture       *fixture,
                      gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  GtkEditable *entry = forge_preview_get_path_entry (fixture->preview);
  g_autofree char *full = NULL;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");

  /* Ctrl+L's action puts the focus in the entry, all selected. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.focus-address", NULL));
  g_assert_nonnull (gtk_window_get_focus (fixture->window));
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (fixture->window), GTK_WIDGET (entry)));
  {
    int start, end;

    g_assert_true (gtk_editable_get_selection_bounds (entry, &start, &end));
    g_assert_cmpint (start, ==, 0);
    g_assert_cmpint (end, ==, 1);
  }

  gtk_editable_set_text (entry, "/about");
  g_signal_emit_by_name (entry, "activate");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);
  g_assert_cmpstr (entry_text (fixture), ==, "/about");

  /* A full address on the same origin is reduced to its path. */
  full = g_strdup_printf ("%sdocs?page=2", server->base_uri);
  gtk_editable_set_text (entry, full);
  g_signal_emit_by_name (entry, "activate");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/docs?page=2");
  g_assert_cmpuint (test_server_hits (server, "/docs?page=2"), ==, 1);
  g_assert_cmpstr (entry_text (fixture), ==, "/docs?page=2");

  /* Another origin is refused in place. */
  gtk_editable_set_text (entry, "https://example.com/");
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_cmpstr (forge_preview_get_path (fixture->preview), ==, "/docs?page=2");
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_LOADED);
  gtk_editable_set_text (entry, "/");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));

  test_server_free (server);
}

static void
test_reload (Fixture       *fixture,
             gconstpointer  data)
{
  TestServer *server = test_server_new (0);

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.reload", NULL));
  wait_for_hits (server, "/about", 2);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/"), ==, 1);

  test_server_free (server);
}

static void
test_load_failed_retry (Fixture       *fixture,
                        gconstpointer  data)
{
  guint port = get_closed_port ();
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/", port);
  TestServer *server;

  forge_preview_set_base_uri (fixture->preview, uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOAD_FAILED, "/");
  /* The error page is shown in place of the address, which stays. */
  g_assert_cmpstr (webkit_web_view_get_uri (forge_preview_get_web_view (fixture->preview)), ==, uri);
  g_assert_cmpstr (entry_text (fixture), ==, "/");

  /* The page says what failed and offers to retry that address. */
  wait_for_js (fixture->preview, "document.getElementById('retry').getAttribute('href')", uri);
  wait_for_js (fixture->preview, "document.querySelector('.address').textContent", uri);

  server = test_server_new (port);
  run_js (fixture->preview, "document.getElementById('retry').click()");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  g_assert_cmpuint (test_server_hits (server, "/"), ==, 1);
  wait_for_js (fixture->preview, "document.getElementById('where').textContent", "/");

  /* The server goes away again; the toolbar's retry brings the page back. */
  test_server_free (server);
  forge_preview_reload (fixture->preview);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOAD_FAILED, "/");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.retry", NULL));
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOAD_FAILED, "/");

  server = test_server_new (port);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.retry", NULL));
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  g_assert_cmpuint (test_server_hits (server, "/"), ==, 1);

  test_server_free (server);
}

/* WebKit loads nothing from ports browsers block and says nothing either:
 * the preview must still tell. */
static void
test_blocked_port (Fixture       *fixture,
                   gconstpointer  data)
{
  forge_preview_set_base_uri (fixture->preview, "http://127.0.0.1:6000/app", FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOAD_FAILED, "/app");
  wait_for_js (fixture->preview, "document.querySelector('.address').textContent", "http://127.0.0.1:6000/app");
}

static gboolean
something_opened (gpointer data)
{
  return ((Fixture *) data)->opened->len > 0;
}

static void
test_external_link (Fixture       *fixture,
                    gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  g_autofree char *expected = NULL;

  /* base_uri ends with a slash */
  server->other_uri = g_strndup (other->base_uri, strlen (other->base_uri) - 1);
  expected = g_strdup_printf ("%selsewhere", other->base_uri);

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");

  run_js (fixture->preview, "document.getElementById('ext').click()");
  wait_for (something_opened, fixture, "the external link to be handed over");

  g_assert_cmpuint (fixture->opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->opened, 0), ==, expected);
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 0);
  g_assert_cmpstr (forge_preview_get_path (fixture->preview), ==, "/");
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_LOADED);
  g_assert_cmpstr (webkit_web_view_get_uri (forge_preview_get_web_view (fixture->preview)), ==, server->base_uri);

  /* A same-origin link still navigates in the view. */
  run_js (fixture->preview, "document.getElementById('about').click()");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (fixture->opened->len, ==, 1);

  /* The toolbar hands the current page over as it is. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.open-external", NULL));
  g_assert_cmpuint (fixture->opened->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->opened, 1), ==,
                   webkit_web_view_get_uri (forge_preview_get_web_view (fixture->preview)));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (fixture->opened, 1), "/about"));

  /* Copying puts the whole address on the clipboard. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.copy-url", NULL));
  {
    GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->preview));
    GdkContentProvider *content = gdk_clipboard_get_content (clipboard);
    g_auto(GValue) value = G_VALUE_INIT;
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (content);
    g_value_init (&value, G_TYPE_STRING);
    g_assert_true (gdk_content_provider_get_value (content, &value, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (g_value_get_string (&value), ==, g_ptr_array_index (fixture->opened, 1));
  }

  test_server_free (other);
  test_server_free (server);
}

/* Runs the main context until @condition holds or @seconds pass; for
 * things that must not happen, where waiting out the time is the test. */
static gboolean
wait_at_most (Condition   condition,
              gpointer    data,
              guint       seconds)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (seconds, deadline_reached, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);

  return !timed_out;
}

typedef struct
{
  Fixture    *fixture;
  TestServer *other;
} EscapeCheck;

static gboolean
page_escaped (gpointer data)
{
  EscapeCheck *check = data;

  return check->fixture->opened->len > 0 || g_hash_table_size (check->other->hits) > 0;
}

#define ESCAPE_WAIT_SECONDS 3

/* Serves @html (where @OTHER@ stands for another origin's address, and
 * @frame_html, if any, at /frame on the preview's origin), lets it try to
 * leave the preview on its own and checks that nothing left: no browser
 * launch, not a single request to the other origin. */
static void
check_page_cannot_leave (Fixture    *fixture,
                         const char *html,
                         const char *frame_html)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  g_autofree char *other_origin = g_strndup (other->base_uri, strlen (other->base_uri) - 1);
  g_autofree char *uri = g_strdup_printf ("%shostile", server->base_uri);
  EscapeCheck check = { fixture, other };
  const char *pages[][2] = { { "/hostile", html }, { "/frame", frame_html } };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      GString *page;

      if (pages[i][1] == NULL)
        continue;
      page = g_string_new (pages[i][1]);
      g_string_replace (page, "@OTHER@", other_origin, 0);
      g_hash_table_insert (server->pages, g_strdup (pages[i][0]), g_string_free (page, FALSE));
    }

  forge_preview_set_base_uri (fixture->preview, uri, FALSE);
  wait_for_hits (server, "/hostile", 1);
  if (frame_html != NULL)
    wait_for_hits (server, "/frame", 1);

  /* The attempt comes within milliseconds; waiting longer only proves
   * that nothing came. */
  wait_at_most (page_escaped, &check, ESCAPE_WAIT_SECONDS);

  for (guint i = 0; i < fixture->opened->len; i++)
    g_test_message ("Opened in the browser: %s", (char *) g_ptr_array_index (fixture->opened, i));
  g_assert_cmpuint (fixture->opened->len, ==, 0);
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 0);

  /* The page stays in the preview. */
  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (forge_preview_get_web_view (fixture->preview)),
                                   server->base_uri));

  test_server_free (other);
  test_server_free (server);
}

static void
test_script_navigation_stays (Fixture       *fixture,
                              gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><body><h1>Hostile</h1>"
                           "<script>location.href = '@OTHER@/landed';</script>"
                           "</body></html>",
                           NULL);
}

static void
test_script_window_open_stays (Fixture       *fixture,
                               gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><body><h1>Hostile</h1>"
                           "<script>window.open('@OTHER@/popup');</script>"
                           "</body></html>",
                           NULL);
}

static void
test_form_auto_submit_stays (Fixture       *fixture,
                             gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><body><h1>Hostile</h1>"
                           "<form id='f' action='@OTHER@/form' method='post'>"
                           "<input name='q' value='1'></form>"
                           "<script>document.getElementById('f').submit();</script>"
                           "</body></html>",
                           NULL);
}

static void
test_scripted_link_click_stays (Fixture       *fixture,
                                gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><body><h1>Hostile</h1>"
                           "<a id='x' href='@OTHER@/clicked'>Elsewhere</a>"
                           "<script>document.getElementById('x').click();</script>"
                           "</body></html>",
                           NULL);
}

static void
test_meta_refresh_stays (Fixture       *fixture,
                         gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><head>"
                           "<meta http-equiv='refresh' content='0; url=@OTHER@/refresh'>"
                           "</head><body><h1>Hostile</h1></body></html>",
                           NULL);
}

static void
test_frame_top_navigation_stays (Fixture       *fixture,
                                 gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><body><h1>Hostile</h1>"
                           "<iframe src='/frame'></iframe>"
                           "</body></html>",
                           "<!DOCTYPE html><html><body>"
                           "<script>top.location.href = '@OTHER@/top';</script>"
                           "</body></html>");
}

/* A page that turns any click of the user into a popup of its choosing:
 * the click is the user's, the address and the new window are the page's. */
static void
test_click_handler_window_open_stays (Fixture       *fixture,
                                      gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  EscapeCheck check = { fixture, other };
  g_autofree char *uri = g_strdup_printf ("%spopup", server->base_uri);

  g_hash_table_insert (server->pages, g_strdup ("/popup"),
                       g_strdup_printf ("<!DOCTYPE html><html><body><h1>Hostile</h1>"
                                        "<button id='b' onclick=\"window.open('%spopup')\">Save</button>"
                                        "</body></html>",
                                        other->base_uri));

  forge_preview_set_base_uri (fixture->preview, uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/popup");

  /* WebKit counts a script run through the API as a user gesture, so the
   * popup blocker lets this one through to the preview. */
  run_js (fixture->preview, "document.getElementById('b').click()");
  wait_at_most (page_escaped, &check, ESCAPE_WAIT_SECONDS);

  g_assert_cmpuint (fixture->opened->len, ==, 0);
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 0);
  g_assert_cmpstr (forge_preview_get_path (fixture->preview), ==, "/popup");

  test_server_free (other);
  test_server_free (server);
}

typedef struct
{
  Fixture *fixture;
  guint    count;
} OpenCheck;

static gboolean
opened_reached (gpointer data)
{
  OpenCheck *check = data;

  return check->fixture->opened->len >= check->count;
}

/* Clicks the middle of the window as the user would, through the X server:
 * the only way to get an event that WebKit takes for a real user gesture
 * without running script in the page. */
static gboolean
xdotool_click (GtkWindow  *window,
               const char *title)
{
  g_autofree char *window_id = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));
  int status;

  command = g_strdup_printf ("xdotool search --sync --limit 1 --name '^%s$'", title);
  if (!g_spawn_command_line_sync (command, &window_id, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_test_message ("xdotool could not find the window: %s", error->message);
      return FALSE;
    }
  g_strstrip (window_id);
  g_free (command);

  /* Well below the toolbar, on the web view. */
  command = g_strdup_printf ("xdotool mousemove --window %s %d %d click 1",
                             window_id, width / 2, height * 2 / 3);
  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_test_message ("xdotool could not click: %s", error->message);
      return FALSE;
    }

  return TRUE;
}

static void
test_user_click_opens_external (Fixture       *fixture,
                                gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *uri = g_strdup_printf ("%slink", server->base_uri);
  g_autofree char *expected = g_strdup_printf ("%sclicked", other->base_uri);
  const char *title = "forge-preview-user-click";
  OpenCheck check = { fixture, 1 };

  if (xdotool == NULL || g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("Needs xdotool and an X display to click as a user would");
      test_server_free (other);
      test_server_free (server);
      return;
    }

  /* A link over the whole page: wherever the click lands, it is on it. */
  g_hash_table_insert (server->pages, g_strdup ("/link"),
                       g_strdup_printf ("<!DOCTYPE html><html><body>"
                                        "<a href='%sclicked' style='position: fixed; inset: 0; display: block'>Elsewhere</a>"
                                        "</body></html>",
                                        other->base_uri));

  gtk_window_set_title (fixture->window, title);
  forge_preview_set_base_uri (fixture->preview, uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/link");

  g_assert_true (xdotool_click (fixture->window, title));
  wait_for (opened_reached, &check, "the clicked link to be handed over");

  /* Once, and only to the browser. */
  wait_at_most (opened_reached, &(OpenCheck) { fixture, 2 }, 1);
  g_assert_cmpuint (fixture->opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->opened, 0), ==, expected);
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 0);
  g_assert_cmpstr (forge_preview_get_path (fixture->preview), ==, "/link");

  test_server_free (other);
  test_server_free (server);
}

/* A link the user follows on the preview's origin may end up elsewhere,
 * e.g. a sign-in page: that stays the user's navigation. */
static void
test_user_link_redirect_opens_external (Fixture       *fixture,
                                        gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  g_autofree char *uri = g_strdup_printf ("%slink", server->base_uri);
  g_autofree char *expected = g_strdup_printf ("%ssigned-in", other->base_uri);
  OpenCheck check = { fixture, 1 };

  g_hash_table_insert (server->pages, g_strdup ("/link"),
                       g_strdup_printf ("<!DOCTYPE html><html><body>"
                                        "<a id='login' href='/redirect?to=%ssigned-in'>Sign in</a>"
                                        "</body></html>",
                                        other->base_uri));

  forge_preview_set_base_uri (fixture->preview, uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/link");

  /* WebKit reports this click as a user gesture (see above). */
  run_js (fixture->preview, "document.getElementById('login').click()");
  wait_for (opened_reached, &check, "the redirected link to be handed over");

  g_assert_cmpuint (fixture->opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->opened, 0), ==, expected);
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 0);

  test_server_free (other);
  test_server_free (server);
}

/* The same page redirected by the page itself opens nothing. */
static void
test_script_redirect_stays (Fixture       *fixture,
                            gconstpointer  data)
{
  check_page_cannot_leave (fixture,
                           "<!DOCTYPE html><html><body><h1>Hostile</h1>"
                           "<script>location.href = '/redirect?to=@OTHER@/redirected';</script>"
                           "</body></html>",
                           NULL);
}

static void
test_new_origin_keeps_path (Fixture       *fixture,
                            gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  GtkWidget *web_view = GTK_WIDGET (forge_preview_get_web_view (fixture->preview));
  WebKitBackForwardList *history = webkit_web_view_get_back_forward_list (WEBKIT_WEB_VIEW (web_view));
  guint history_length;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about?tab=2");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about?tab=2");
  g_assert_cmpuint (test_server_hits (server, "/about?tab=2"), ==, 1);

  history_length = webkit_back_forward_list_get_length (history);

  forge_preview_set_restoring (fixture->preview, TRUE);
  forge_preview_set_base_uri (fixture->preview, other->base_uri, TRUE);
  /* Covered until the page that comes back has painted. */
  g_assert_true (forge_preview_get_restoring (fixture->preview));
  wait_for_hits (other, "/about?tab=2", 1);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about?tab=2");
  g_assert_false (forge_preview_get_restoring (fixture->preview));
  g_assert_cmpuint (webkit_back_forward_list_get_length (history), ==, history_length);

  g_assert_cmpstr (forge_preview_get_base_uri (fixture->preview), ==, other->base_uri);
  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (WEBKIT_WEB_VIEW (web_view)), other->base_uri));
  g_assert_true (GTK_WIDGET (forge_preview_get_web_view (fixture->preview)) == web_view);
  g_assert_true (gtk_window_get_child (fixture->window) == GTK_WIDGET (fixture->preview));
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 1);

  /* Without keep_path, a base address with a path is loaded as it is. */
  {
    g_autofree char *app_uri = g_strdup_printf ("%sapp/", server->base_uri);

    forge_preview_set_base_uri (fixture->preview, app_uri, FALSE);
    wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/app/");
    g_assert_cmpuint (test_server_hits (server, "/app/"), ==, 1);
  }

  test_server_free (other);
  test_server_free (server);
}

/* The toolbar button bound to @action_name, found in the widget tree. */
static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
back_insensitive (gpointer data)
{
  return !gtk_widget_get_sensitive (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* After a restore on another port the history before it is of a dead
 * origin: Back steps over it, and has nothing to go to when only that
 * is left. */
static void
test_new_origin_back_skips_old (Fixture       *fixture,
                                gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  WebKitWebView *web_view = forge_preview_get_web_view (fixture->preview);
  GtkWidget *back = find_action_button (GTK_WIDGET (fixture->preview), "preview.back");

  g_assert_nonnull (back);
  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_true (gtk_widget_get_sensitive (back));

  forge_preview_set_restoring (fixture->preview, TRUE);
  forge_preview_set_base_uri (fixture->preview, other->base_uri, TRUE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_true (webkit_web_view_can_go_back (web_view));
  g_assert_false (gtk_widget_get_sensitive (back));

  forge_preview_navigate (fixture->preview, "/next");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/next");
  g_assert_true (gtk_widget_get_sensitive (back));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.back", NULL));
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (web_view), other->base_uri));
  /* The path shows before the history's current item moves. */
  wait_at_most (back_insensitive, back, 5);
  g_assert_false (gtk_widget_get_sensitive (back));

  /* Nothing of the old origin is asked for again. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.back", NULL);
  wait_at_most (never, NULL, 1);
  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (web_view), other->base_uri));
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);

  test_server_free (other);
  test_server_free (server);
}

/* Back on the same origin with the page fine: the page stays as it is,
 * with its state, and the history gains nothing. */
static void
test_same_origin_restore_keeps_page (Fixture       *fixture,
                                     gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  WebKitBackForwardList *history = webkit_web_view_get_back_forward_list (forge_preview_get_web_view (fixture->preview));
  guint length;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  run_js (fixture->preview, "window.forgeMarker = 'same page'");
  length = webkit_back_forward_list_get_length (history);

  forge_preview_set_restoring (fixture->preview, TRUE);
  forge_preview_set_base_uri (fixture->preview, server->base_uri, TRUE);
  g_assert_false (forge_preview_get_restoring (fixture->preview));
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_LOADED);
  wait_at_most (never, NULL, 1);

  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);
  g_assert_cmpstr (entry_text (fixture), ==, "/about");
  wait_for_js (fixture->preview, "String(window.forgeMarker)", "same page");
  g_assert_cmpuint (webkit_back_forward_list_get_length (history), ==, length);

  test_server_free (server);
}

/* Back on the same origin over an error page: the kept path loads. */
static void
test_same_origin_restore_after_failure (Fixture       *fixture,
                                        gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  g_autoptr(GUri) base = g_uri_parse (server->base_uri, G_URI_FLAGS_NONE, NULL);
  guint port = (guint) g_uri_get_port (base);
  WebKitBackForwardList *history = webkit_web_view_get_back_forward_list (forge_preview_get_web_view (fixture->preview));
  guint history_length;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");

  test_server_free (server);
  forge_preview_reload (fixture->preview);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOAD_FAILED, "/about");

  history_length = webkit_back_forward_list_get_length (history);
  server = test_server_new (port);
  forge_preview_set_restoring (fixture->preview, TRUE);
  forge_preview_set_base_uri (fixture->preview, server->base_uri, TRUE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);
  wait_for_js (fixture->preview, "document.getElementById('where').textContent", "/about");
  g_assert_cmpuint (webkit_back_forward_list_get_length (history), ==, history_length);

  test_server_free (server);
}

typedef struct
{
  ForgePreview *preview;
  gboolean      committed;
  gboolean      covered_at_commit;
  gboolean      finished;
  gboolean      covered_at_finish;
  gboolean      finished_before_uncovered;
  gint64        uncovered_at_ms;
} RestoreWatch;

static gboolean
restore_covered (RestoreWatch *watch)
{
  GtkWidget *snapshot = forge_preview_get_restoring_snapshot (watch->preview);

  return forge_preview_get_restoring (watch->preview) &&
         gtk_widget_get_visible (snapshot) &&
         gtk_picture_get_paintable (GTK_PICTURE (snapshot)) != NULL;
}

static gboolean
has_width (gpointer data)
{
  return gtk_widget_get_width (data) > 0;
}

static gboolean
snapshot_shown (gpointer data)
{
  return restore_covered (data);
}

static void
watch_load_changed (WebKitWebView   *web_view,
                    WebKitLoadEvent  load_event,
                    RestoreWatch    *watch)
{
  if (load_event == WEBKIT_LOAD_COMMITTED)
    {
      watch->committed = TRUE;
      watch->covered_at_commit = restore_covered (watch);
    }
  else if (load_event == WEBKIT_LOAD_FINISHED)
    {
      watch->finished = TRUE;
      watch->covered_at_finish = restore_covered (watch);
    }
}

static void
watch_restoring (ForgePreview *preview,
                 GParamSpec   *pspec,
                 RestoreWatch *watch)
{
  if (forge_preview_get_restoring (preview) || watch->uncovered_at_ms != 0)
    return;

  watch->uncovered_at_ms = g_get_real_time () / 1000;
  watch->finished_before_uncovered = watch->finished;
}

static char *
eval_string (ForgePreview *preview,
             const char   *script)
{
  JsCall call = { 0 };
  WebKitWebView *web_view = forge_preview_get_web_view (preview);

  webkit_web_view_evaluate_javascript (web_view, script, -1, NULL, NULL, NULL, js_string_done, &call);
  wait_for (js_finished, &call, script);
  g_assert_no_error (call.error);
  return g_strdup (g_object_get_data (G_OBJECT (web_view), "test-js-result"));
}

/* While the sandbox comes back the user sees the page as it was, and goes
 * on seeing it while the restored page loads (slowly here): the picture
 * goes only once that page has drawn a frame, so nothing blank or white
 * shows in between. The history does not grow. */
static void
test_restore_snapshot_until_painted (Fixture       *fixture,
                                     gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  WebKitWebView *web_view = forge_preview_get_web_view (fixture->preview);
  WebKitBackForwardList *history = webkit_web_view_get_back_forward_list (web_view);
  GtkWidget *snapshot = forge_preview_get_restoring_snapshot (fixture->preview);
  RestoreWatch watch = { fixture->preview };
  g_autofree char *first_frame = NULL;
  guint history_length;
  GdkPaintable *picture;

  g_hash_table_insert (other->pages, g_strdup ("/about"),
                       g_strdup ("<!DOCTYPE html><html><body style='background: #3050a0'><h1 id='where'>/about</h1>"
                                 "<script>requestAnimationFrame (() => { window.firstFrameAt = performance.timeOrigin + performance.now (); });</script>"
                                 "</body></html>"));
  other->delay_ms = 700;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  history_length = webkit_back_forward_list_get_length (history);
  g_assert_false (gtk_widget_get_visible (snapshot));

  forge_preview_set_restoring (fixture->preview, TRUE);
  wait_for (snapshot_shown, &watch, "the snapshot of the page");
  wait_for (has_width, snapshot, "the snapshot's place");
  picture = gtk_picture_get_paintable (GTK_PICTURE (snapshot));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (picture), >, 0);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (picture), >, 0);
  /* Over the page and nowhere else. */
  g_assert_cmpint (gtk_widget_get_width (snapshot), ==, gtk_widget_get_width (GTK_WIDGET (web_view)));
  g_assert_cmpint (gtk_widget_get_height (snapshot), ==, gtk_widget_get_height (GTK_WIDGET (web_view)));

  g_signal_connect (web_view, "load-changed", G_CALLBACK (watch_load_changed), &watch);
  g_signal_connect (fixture->preview, "notify::restoring", G_CALLBACK (watch_restoring), &watch);
  forge_preview_set_base_uri (fixture->preview, other->base_uri, TRUE);
  g_assert_true (restore_covered (&watch));
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_RESTORING);

  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_signal_handlers_disconnect_by_data (web_view, &watch);
  g_signal_handlers_disconnect_by_data (fixture->preview, &watch);

  g_assert_true (watch.committed);
  g_assert_true (watch.covered_at_commit);
  g_assert_true (watch.finished);
  g_assert_true (watch.covered_at_finish);
  g_assert_true (watch.finished_before_uncovered);
  g_assert_cmpint (watch.uncovered_at_ms, >, 0);
  g_assert_false (gtk_widget_get_visible (snapshot));
  g_assert_null (gtk_picture_get_paintable (GTK_PICTURE (snapshot)));

  /* The restored page had drawn a frame before the picture went. */
  first_frame = eval_string (fixture->preview, "String (Math.floor (window.firstFrameAt || 0))");
  g_assert_cmpint (g_ascii_strtoll (first_frame, NULL, 10), >, 0);
  g_assert_cmpint (g_ascii_strtoll (first_frame, NULL, 10), <=, watch.uncovered_at_ms);

  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (web_view), other->base_uri));
  g_assert_cmpuint (webkit_back_forward_list_get_length (history), ==, history_length);

  test_server_free (other);
  test_server_free (server);
}

/* A restore that ends without a page (the run failed) takes its picture
 * away at once. */
static void
test_restore_snapshot_dropped (Fixture       *fixture,
                               gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  GtkWidget *snapshot = forge_preview_get_restoring_snapshot (fixture->preview);
  RestoreWatch watch = { fixture->preview };

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_set_restoring (fixture->preview, TRUE);
  wait_for (snapshot_shown, &watch, "the snapshot of the page");

  forge_preview_set_restoring (fixture->preview, FALSE);
  g_assert_false (gtk_widget_get_visible (snapshot));
  g_assert_null (gtk_picture_get_paintable (GTK_PICTURE (snapshot)));
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_LOADED);

  test_server_free (server);
}

typedef struct
{
  GPtrArray *messages;   /* "level: message" */
  char      *loaded;
  char      *failed;
} ProbeRecord;

static void
probe_console (ForgePageProbe *probe,
               const char     *level,
               const char     *message,
               const char     *source,
               guint           line,
               ProbeRecord    *record)
{
  g_ptr_array_add (record->messages, g_strdup_printf ("%s: %s", level, message));
}

static void
probe_loaded (ForgePageProbe *probe,
              const char     *uri,
              ProbeRecord    *record)
{
  g_free (record->loaded);
  record->loaded = g_strdup (uri);
}

static void
probe_failed (ForgePageProbe *probe,
              const char     *uri,
              const char     *message,
              ProbeRecord    *record)
{
  g_free (record->failed);
  record->failed = g_strdup (message);
}

static gboolean
probe_done (gpointer data)
{
  ProbeRecord *record = data;

  return record->loaded != NULL || record->failed != NULL;
}

static gboolean
download_requested (gpointer data)
{
  TestServer *server = data;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, server->hits);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_str_has_prefix (key, "/download?"))
      return TRUE;

  return FALSE;
}

/* A page that sends a file by itself gets nothing saved: without a
 * handler WebKit would put it in the Downloads folder. */
static void
test_page_probe_no_download (void)
{
  TestServer *server = test_server_new (0);
  g_autoptr(ForgePageProbe) probe = forge_page_probe_new ();
  g_autofree char *name = g_strdup_printf ("forge-probe-planted-%d.bin", (int) getpid ());
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  g_autofree char *planted = g_build_filename (downloads != NULL ? downloads : g_get_home_dir (), name, NULL);
  g_autofree char *planted_home = g_build_filename (g_get_home_dir (), name, NULL);

  g_hash_table_insert (server->pages, g_strdup ("/"),
                       g_strdup_printf ("<!DOCTYPE html><html><body><script>location.href = '/download?name=%s';</script></body></html>",
                                        name));
  forge_page_probe_load (probe, server->base_uri);
  wait_for (download_requested, server, "the page to ask for the file");
  /* Time for a download to be written, had it been let through. */
  wait_at_most (never, NULL, 2);

  g_assert_false (g_file_test (planted, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (planted_home, G_FILE_TEST_EXISTS));

  test_server_free (server);
}

/* The same in the window's preview: a page cannot drop a file on the
 * disk by itself. */
static void
test_page_cannot_download (Fixture       *fixture,
                           gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  g_autofree char *name = g_strdup_printf ("forge-preview-planted-%d.bin", (int) getpid ());
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  g_autofree char *planted = g_build_filename (downloads != NULL ? downloads : g_get_home_dir (), name, NULL);
  g_autofree char *planted_home = g_build_filename (g_get_home_dir (), name, NULL);

  g_hash_table_insert (server->pages, g_strdup ("/"),
                       g_strdup_printf ("<!DOCTYPE html><html><body><script>location.href = '/download?name=%s';</script></body></html>",
                                        name));
  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for (download_requested, server, "the page to ask for the file");
  wait_at_most (never, NULL, 2);

  g_assert_false (g_file_test (planted, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (planted_home, G_FILE_TEST_EXISTS));

  test_server_free (server);
}

/* The headless `--load-page` view: no one watches it, so nothing the page
 * does may leave its origin or wait for an answer. Dialogs are answered
 * (the script goes on), new windows and navigations elsewhere go nowhere,
 * and what it logs is reported. */
static void
test_page_probe_hostile (void)
{
  TestServer *server = test_server_new (0);
  TestServer *other = test_server_new (0);
  g_autoptr(ForgePageProbe) probe = forge_page_probe_new ();
  ProbeRecord record = { g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *page = NULL;

  page = g_strdup_printf ("<!DOCTYPE html><html><body><h1>Hostile</h1><script>"
                          "alert ('hello');"
                          "console.error ('confirm said ' + confirm ('sure?'));"
                          "console.error ('prompt said ' + prompt ('name?'));"
                          "window.open ('%sopened');"
                          "console.warn ('still here');"
                          "setTimeout (() => { location.href = '%sleft'; }, 10);"
                          "</script></body></html>", other->base_uri, other->base_uri);
  g_hash_table_insert (server->pages, g_strdup ("/"), g_steal_pointer (&page));

  g_signal_connect (probe, "console-message", G_CALLBACK (probe_console), &record);
  g_signal_connect (probe, "page-loaded", G_CALLBACK (probe_loaded), &record);
  g_signal_connect (probe, "page-failed", G_CALLBACK (probe_failed), &record);
  forge_page_probe_load (probe, server->base_uri);
  wait_for (probe_done, &record, "the page to load");

  g_assert_null (record.failed);
  g_assert_cmpstr (record.loaded, ==, server->base_uri);
  g_assert_cmpstr (forge_page_probe_get_uri (probe), ==, server->base_uri);
  /* The navigation away is refused when it comes. */
  wait_at_most (never, NULL, 1);
  g_assert_cmpuint (g_hash_table_size (other->hits), ==, 0);

  g_assert_cmpuint (record.messages->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (record.messages, 0), ==, "error: confirm said false");
  g_assert_cmpstr (g_ptr_array_index (record.messages, 1), ==, "error: prompt said null");
  g_assert_cmpstr (g_ptr_array_index (record.messages, 2), ==, "warning: still here");

  /* Not a web address: refused before WebKit sees it. */
  g_clear_pointer (&record.loaded, g_free);
  forge_page_probe_load (probe, "file:///etc/passwd");
  g_assert_nonnull (record.failed);
  g_assert_null (record.loaded);

  g_signal_handlers_disconnect_by_data (probe, &record);
  g_ptr_array_unref (record.messages);
  g_free (record.failed);
  test_server_free (other);
  test_server_free (server);
}

static void
count_notify (guint *count)
{
  (*count)++;
}

static void
test_restoring_overlay (Fixture       *fixture,
                        gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  GtkWidget *overlay = forge_preview_get_restoring_overlay (fixture->preview);
  guint notifies = 0;
  const char *uri;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  uri = webkit_web_view_get_uri (forge_preview_get_web_view (fixture->preview));
  g_assert_false (gtk_widget_get_visible (overlay));

  g_signal_connect_swapped (fixture->preview, "notify::state", G_CALLBACK (count_notify), &notifies);
  forge_preview_set_restoring (fixture->preview, TRUE);
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_true (forge_preview_get_restoring (fixture->preview));
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_RESTORING);
  g_assert_true (gtk_widget_get_visible (overlay));
  g_assert_true (gtk_widget_has_css_class (overlay, "forge-restoring-overlay"));
  /* The page stays underneath. */
  g_assert_cmpstr (webkit_web_view_get_uri (forge_preview_get_web_view (fixture->preview)), ==, uri);
  g_assert_false (webkit_web_view_is_loading (forge_preview_get_web_view (fixture->preview)));

  forge_preview_set_restoring (fixture->preview, FALSE);
  g_assert_cmpuint (notifies, ==, 2);
  g_assert_false (gtk_widget_get_visible (overlay));
  g_assert_cmpint (forge_preview_get_state (fixture->preview), ==, FORGE_PREVIEW_STATE_LOADED);
  g_assert_cmpuint (test_server_hits (server, "/"), ==, 1);

  test_server_free (server);
}

static void
test_crash_reload (Fixture       *fixture,
                   gconstpointer  data)
{
  TestServer *server = test_server_new (0);

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  forge_preview_navigate (fixture->preview, "/about");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");

  webkit_web_view_terminate_web_process (forge_preview_get_web_view (fixture->preview));
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_CRASHED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.reload", NULL));
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/about");
  g_assert_cmpuint (test_server_hits (server, "/about"), ==, 2);

  test_server_free (server);
}

static void
test_navigation_policy (void)
{
  const char *origin = "http://127.0.0.1:8000";
  struct {
    const char           *uri;
    WebKitNavigationType  type;
    gboolean              gesture;
    ForgePreviewPolicy    expected;
  } cases[] = {
    /* The preview's origin, however the navigation started. */
    { "http://127.0.0.1:8000/about", WEBKIT_NAVIGATION_TYPE_OTHER, FALSE, FORGE_PREVIEW_POLICY_LOAD },
    { "HTTP://127.0.0.1:8000/x?y#z", WEBKIT_NAVIGATION_TYPE_FORM_SUBMITTED, FALSE, FORGE_PREVIEW_POLICY_LOAD },
    { "http://127.0.0.1:8000/", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE, FORGE_PREVIEW_POLICY_LOAD },
    { "about:blank", WEBKIT_NAVIGATION_TYPE_OTHER, FALSE, FORGE_PREVIEW_POLICY_LOAD },
    { "data:text/html,hi", WEBKIT_NAVIGATION_TYPE_OTHER, FALSE, FORGE_PREVIEW_POLICY_LOAD },
    /* Another origin: only a link the user clicked leaves, for the browser. */
    { "http://127.0.0.1:8001/", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE, FORGE_PREVIEW_POLICY_OPEN_EXTERNAL },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE, FORGE_PREVIEW_POLICY_OPEN_EXTERNAL },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, FALSE, FORGE_PREVIEW_POLICY_IGNORE },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_OTHER, FALSE, FORGE_PREVIEW_POLICY_IGNORE },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_OTHER, TRUE, FORGE_PREVIEW_POLICY_IGNORE },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_FORM_SUBMITTED, FALSE, FORGE_PREVIEW_POLICY_IGNORE },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_FORM_SUBMITTED, TRUE, FORGE_PREVIEW_POLICY_IGNORE },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_BACK_FORWARD, FALSE, FORGE_PREVIEW_POLICY_IGNORE },
    { "https://example.com/", WEBKIT_NAVIGATION_TYPE_RELOAD, FALSE, FORGE_PREVIEW_POLICY_IGNORE },
    /* Nothing but http(s) ever leaves. */
    { "file:///etc/passwd", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE, FORGE_PREVIEW_POLICY_IGNORE },
    { "mailto:someone@example.com", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE, FORGE_PREVIEW_POLICY_IGNORE },
    { "javascript:alert(1)", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE, FORGE_PREVIEW_POLICY_IGNORE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s type %d gesture %d", cases[i].uri, cases[i].type, cases[i].gesture);
      g_assert_cmpint (forge_preview_navigation_policy (origin, cases[i].uri, cases[i].type, cases[i].gesture),
                       ==, cases[i].expected);
    }

  /* Before there is an origin, nothing is the preview's own. */
  g_assert_cmpint (forge_preview_navigation_policy (NULL, "http://127.0.0.1:8000/", WEBKIT_NAVIGATION_TYPE_OTHER, FALSE),
                   ==, FORGE_PREVIEW_POLICY_IGNORE);
  g_assert_cmpint (forge_preview_navigation_policy (NULL, "http://127.0.0.1:8000/", WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, TRUE),
                   ==, FORGE_PREVIEW_POLICY_OPEN_EXTERNAL);
}

/* {{{ Devices and the inspector */

static gboolean
fills_frame (gpointer data)
{
  ForgePreview *preview = data;
  GtkWidget *frame = GTK_WIDGET (forge_preview_get_device_frame (preview));

  return gtk_widget_get_width (GTK_WIDGET (forge_preview_get_web_view (preview))) == gtk_widget_get_width (frame);
}

typedef struct
{
  ForgePreview *preview;
  const char   *prefix;
} LabelCheck;

static gboolean
label_says (gpointer data)
{
  LabelCheck *check = data;
  GtkLabel *label = forge_preview_get_size_label (check->preview);

  return gtk_widget_get_visible (GTK_WIDGET (label)) && g_str_has_prefix (gtk_label_get_label (label), check->prefix);
}

static gboolean
full_width (gpointer data)
{
  return gtk_widget_get_width (data) == 844;
}

static void
test_device_sizes (Fixture       *fixture,
                   gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  GtkWidget *web_view = GTK_WIDGET (forge_preview_get_web_view (fixture->preview));
  g_autofree char *expected = NULL;
  g_autofree char *width = NULL;
  LabelCheck size_check = { 0 };

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");

  /* A phone: the page's own viewport is the phone's, zoomed to fit the
   * 800×600 window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.device", "s", "phone-390"));
  g_assert_cmpstr (forge_preview_get_device (fixture->preview), ==, "phone-390");
  wait_for_js (fixture->preview, "String(window.innerWidth)", "390");
  wait_for_js (fixture->preview, "String(matchMedia('(width: 390px)').matches)", "true");
  wait_for_js (fixture->preview, "String(Math.abs(window.innerHeight - 844) <= 1)", "true");
  g_assert_cmpint (gtk_widget_get_width (web_view), <, 390);
  g_assert_cmpfloat (forge_device_frame_get_scale (forge_preview_get_device_frame (fixture->preview)), <, 1.0);

  /* Rotated. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.rotate", NULL));
  g_assert_true (forge_preview_get_device_landscape (fixture->preview));
  wait_for_js (fixture->preview, "String(window.innerWidth)", "844");

  /* Not zoomed: the page keeps the size, the pane cuts it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.fit", NULL));
  g_assert_false (forge_device_frame_get_fit (forge_preview_get_device_frame (fixture->preview)));
  wait_for (full_width, web_view, "the page at its full width");
  wait_for_js (fixture->preview, "String(window.innerWidth)", "844");
  g_assert_cmpfloat (webkit_web_view_get_zoom_level (WEBKIT_WEB_VIEW (web_view)), ==, 1.0);

  /* Responsive: the pane's size again, shown while it changes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.device", "s", "responsive"));
  wait_for (fills_frame, fixture->preview, "the page to fill the pane");
  expected = g_strdup_printf ("%d", gtk_widget_get_width (web_view));
  wait_for_js (fixture->preview, "String(window.innerWidth)", expected);
  width = g_strdup_printf ("%s × ", expected);
  size_check.preview = fixture->preview;
  size_check.prefix = width;
  wait_for (label_says, &size_check, "the size label");

  /* An unknown device is the pane's. */
  forge_preview_set_device (fixture->preview, "wristwatch");
  g_assert_cmpstr (forge_preview_get_device (fixture->preview), ==, "responsive");

  test_server_free (server);
}

static void
inspector_closed_cb (WebKitWebInspector *inspector,
                     gboolean           *closed)
{
  *closed = TRUE;
}

static gboolean
inspector_open (gpointer data)
{
  return webkit_web_inspector_get_web_view (data) != NULL;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_inspector (Fixture       *fixture,
                gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  WebKitWebInspector *inspector = webkit_web_view_get_inspector (forge_preview_get_web_view (fixture->preview));
  gboolean closed = FALSE;

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  g_assert_null (webkit_web_inspector_get_web_view (inspector));

  g_signal_connect (inspector, "closed", G_CALLBACK (inspector_closed_cb), &closed);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.inspect", NULL));
  wait_for (inspector_open, inspector, "the inspector");

  webkit_web_inspector_close (inspector);
  wait_for (flag_set, &closed, "the inspector to close");
  g_signal_handlers_disconnect_by_func (inspector, inspector_closed_cb, &closed);

  test_server_free (server);
}

/* }}} */

/* {{{ The page's console */

static gboolean
console_has (gpointer data)
{
  ForgePreview *preview = ((gpointer *) data)[0];
  guint wanted = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return g_list_model_get_n_items (forge_preview_get_console (preview)) == wanted;
}

static void
wait_for_console (ForgePreview *preview,
                  guint         wanted)
{
  gpointer data[2] = { preview, GUINT_TO_POINTER (wanted) };
  g_autofree char *what = g_strdup_printf ("%u console entries", wanted);

  wait_for (console_has, data, what);
}

static void
test_console_errors (Fixture       *fixture,
                     gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  GtkMenuButton *button = forge_preview_get_console_button (fixture->preview);
  g_autoptr(ForgeConsoleEntry) first = NULL;
  g_autoptr(ForgeConsoleEntry) second = NULL;
  g_autofree char *page_uri = g_strconcat (server->base_uri, "errors", NULL);

  g_hash_table_insert (server->pages, g_strdup ("/errors"),
                       g_strdup ("<html><body><h1>Errors</h1>\n"
                                 "<script>\n"
                                 "console.error('x');\n"
                                 "throw new Error('boom');\n"
                                 "</script></body></html>\n"));

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (button)));

  /* console.error and an uncaught exception: a badge of 2, both listed
   * with where they came from. */
  forge_preview_navigate (fixture->preview, "/errors");
  wait_for_console (fixture->preview, 2);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (button)));
  g_assert_cmpstr (gtk_menu_button_get_label (button), ==, "2 errors");

  first = g_list_model_get_item (forge_preview_get_console (fixture->preview), 0);
  second = g_list_model_get_item (forge_preview_get_console (fixture->preview), 1);
  g_assert_cmpstr (forge_console_entry_get_message (first), ==, "x");
  g_assert_cmpstr (forge_console_entry_get_source (first), ==, page_uri);
  g_assert_cmpuint (forge_console_entry_get_line (first), ==, 3);
  g_assert_nonnull (strstr (forge_console_entry_get_message (second), "boom"));
  g_assert_cmpstr (forge_console_entry_get_source (second), ==, page_uri);
  g_assert_cmpuint (forge_console_entry_get_line (second), ==, 4);

  /* A warning counts as one; the page's own console still works. */
  run_js (fixture->preview, "console.warn('careful', {a: 1}); 'done'");
  wait_for_console (fixture->preview, 3);
  g_assert_cmpstr (gtk_menu_button_get_label (button), ==, "2 errors");

  /* A new page starts clean, unless asked to keep them. */
  forge_preview_navigate (fixture->preview, "/");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  wait_for_console (fixture->preview, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (button)));

  forge_preview_set_keep_console (fixture->preview, TRUE);
  forge_preview_navigate (fixture->preview, "/errors");
  wait_for_console (fixture->preview, 2);
  forge_preview_navigate (fixture->preview, "/");
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");
  run_js (fixture->preview, "console.warn('still here'); 'done'");
  wait_for_console (fixture->preview, 3);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->preview), "preview.clear-console", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (forge_preview_get_console (fixture->preview)), ==, 0);

  test_server_free (server);
}

/* A page that logs without end is kept to the last 500 entries, each cut. */
static void
test_console_bounded (Fixture       *fixture,
                      gconstpointer  data)
{
  TestServer *server = test_server_new (0);
  g_autoptr(ForgeConsoleEntry) last = NULL;
  GListModel *console = forge_preview_get_console (fixture->preview);

  forge_preview_set_base_uri (fixture->preview, server->base_uri, FALSE);
  wait_for_state (fixture->preview, FORGE_PREVIEW_STATE_LOADED, "/");

  run_js (fixture->preview, "for (let i = 0; i < 700; i++) console.error('n' + i + ' ' + 'y'.repeat(10000)); 'done'");
  wait_for_console (fixture->preview, 500);
  last = g_list_model_get_item (console, 499);
  g_assert_true (g_str_has_prefix (forge_console_entry_get_message (last), "n699 "));
  g_assert_cmpuint (g_utf8_strlen (forge_console_entry_get_message (last), -1), <=, 2001);

  test_server_free (server);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/preview/navigation-policy", test_navigation_policy);
  g_test_add ("/preview/load-and-follow", Fixture, NULL, fixture_set_up, test_load_and_follow, fixture_tear_down);
  g_test_add ("/preview/entry-navigates", Fixture, NULL, fixture_set_up, test_entry_navigates, fixture_tear_down);
  g_test_add ("/preview/reload", Fixture, NULL, fixture_set_up, test_reload, fixture_tear_down);
  g_test_add ("/preview/load-failed-retry", Fixture, NULL, fixture_set_up, test_load_failed_retry, fixture_tear_down);
  g_test_add ("/preview/blocked-port", Fixture, NULL, fixture_set_up, test_blocked_port, fixture_tear_down);
  g_test_add ("/preview/external-link", Fixture, NULL, fixture_set_up, test_external_link, fixture_tear_down);
  g_test_add ("/preview/hostile/script-navigation", Fixture, NULL, fixture_set_up, test_script_navigation_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/window-open", Fixture, NULL, fixture_set_up, test_script_window_open_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/form-auto-submit", Fixture, NULL, fixture_set_up, test_form_auto_submit_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/scripted-link-click", Fixture, NULL, fixture_set_up, test_scripted_link_click_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/meta-refresh", Fixture, NULL, fixture_set_up, test_meta_refresh_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/frame-top-navigation", Fixture, NULL, fixture_set_up, test_frame_top_navigation_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/script-redirect", Fixture, NULL, fixture_set_up, test_script_redirect_stays, fixture_tear_down);
  g_test_add ("/preview/hostile/click-handler-window-open", Fixture, NULL, fixture_set_up, test_click_handler_window_open_stays, fixture_tear_down);
  g_test_add ("/preview/user-click-opens-external", Fixture, NULL, fixture_set_up, test_user_click_opens_external, fixture_tear_down);
  g_test_add ("/preview/user-link-redirect-opens-external", Fixture, NULL, fixture_set_up, test_user_link_redirect_opens_external, fixture_tear_down);
  g_test_add ("/preview/new-origin-keeps-path", Fixture, NULL, fixture_set_up, test_new_origin_keeps_path, fixture_tear_down);
  g_test_add ("/preview/new-origin-back-skips-old", Fixture, NULL, fixture_set_up, test_new_origin_back_skips_old, fixture_tear_down);
  g_test_add ("/preview/same-origin-restore-keeps-page", Fixture, NULL, fixture_set_up, test_same_origin_restore_keeps_page, fixture_tear_down);
  g_test_add ("/preview/same-origin-restore-after-failure", Fixture, NULL, fixture_set_up, test_same_origin_restore_after_failure, fixture_tear_down);
  g_test_add ("/preview/restoring-overlay", Fixture, NULL, fixture_set_up, test_restoring_overlay, fixture_tear_down);
  g_test_add ("/preview/restore-snapshot-until-painted", Fixture, NULL, fixture_set_up, test_restore_snapshot_until_painted, fixture_tear_down);
  g_test_add ("/preview/restore-snapshot-dropped", Fixture, NULL, fixture_set_up, test_restore_snapshot_dropped, fixture_tear_down);
  g_test_add_func ("/preview/page-probe-hostile", test_page_probe_hostile);
  g_test_add_func ("/preview/page-probe-no-download", test_page_probe_no_download);
  g_test_add ("/preview/hostile/download", Fixture, NULL, fixture_set_up, test_page_cannot_download, fixture_tear_down);
  g_test_add ("/preview/crash-reload", Fixture, NULL, fixture_set_up, test_crash_reload, fixture_tear_down);
  g_test_add ("/preview/device-sizes", Fixture, NULL, fixture_set_up, test_device_sizes, fixture_tear_down);
  g_test_add ("/preview/inspector", Fixture, NULL, fixture_set_up, test_inspector, fixture_tear_down);
  g_test_add ("/preview/console-errors", Fixture, NULL, fixture_set_up, test_console_errors, fixture_tear_down);
  g_test_add ("/preview/console-bounded", Fixture, NULL, fixture_set_up, test_console_bounded, fixture_tear_down);

  return g_test_run ();
}
