/* forge-console-collector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include "forge-console-collector.h"

struct _ForgeConsoleCollector
{
  GObject                   parent_instance;

  WebKitUserContentManager *manager;
};

enum {
  ENTRY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeConsoleCollector, forge_console_collector, G_TYPE_OBJECT)

/* Injected into every frame before the page's own scripts: what the page
 * logs as an error or a warning, what it throws and what it rejects
 * unhandled goes to the "forgeConsole" handler, its own console as
 * before. Anything a page posts there is only shown, bounded. */
static const char console_script[] =
  "(() => {\n"
  "  const handler = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.forgeConsole;\n"
  "  if (!handler) return;\n"
  "  const post = (level, message, source, line) => {\n"
  "    try { handler.postMessage({ level, message: String(message).slice(0, 4000),\n"
  "                                source: String(source || '').slice(0, 1000), line: Number(line) || 0 }); } catch (e) {}\n"
  "  };\n"
  "  const text = (value) => {\n"
  "    if (typeof value === 'string') return value;\n"
  "    if (value instanceof Error) return value.name + ': ' + value.message;\n"
  "    try { return JSON.stringify(value); } catch (e) { return String(value); }\n"
  "  };\n"
  "  const caller = () => {\n"
  "    const frames = String(new Error().stack || '').split('\\n');\n"
  "    const match = /(?:^|@)([^@]*):(\\d+):\\d+$/.exec(frames[2] || '');\n"
  "    return match ? [match[1], match[2]] : ['', 0];\n"
  "  };\n"
  "  for (const [method, level] of [['error', 'error'], ['warn', 'warning']]) {\n"
  "    const original = console[method];\n"
  "    console[method] = function (...args) {\n"
  "      const [source, line] = caller();\n"
  "      post(level, args.map(text).join(' '), source, line);\n"
  "      return original.apply(this, args);\n"
  "    };\n"
  "  }\n"
  "  window.addEventListener('error', (event) => post('error', event.message, event.filename, event.lineno));\n"
  "  window.addEventListener('unhandledrejection', (event) =>\n"
  "    post('error', 'Unhandled rejection: ' + text(event.reason), '', 0));\n"
  "})();\n";

static char *
object_string (JSCValue   *object,
               const char *name)
{
  g_autoptr(JSCValue) value = jsc_value_object_get_property (object, name);

  return value != NULL && jsc_value_is_string (value) ? jsc_value_to_string (value) : NULL;
}

static void
on_console_message (WebKitUserContentManager *manager,
                    JSCValue                 *value,
                    ForgeConsoleCollector    *self)
{
  g_autoptr(ForgeConsoleEntry) entry = NULL;
  g_autoptr(JSCValue) line_value = NULL;
  g_autofree char *level = NULL;
  g_autofree char *message = NULL;
  g_autofree char *source = NULL;
  double line = 0;

  if (!jsc_value_is_object (value))
    return;

  level = object_string (value, "level");
  message = object_string (value, "message");
  source = object_string (value, "source");
  line_value = jsc_value_object_get_property (value, "line");
  if (line_value != NULL && jsc_value_is_number (line_value))
    line = jsc_value_to_double (line_value);
  if (message == NULL)
    return;

  entry = forge_console_entry_new (g_strcmp0 (level, "warning") == 0 ? FORGE_CONSOLE_LEVEL_WARNING
                                                                     : FORGE_CONSOLE_LEVEL_ERROR,
                                   message, source,
                                   line >= 1 && line < G_MAXUINT ? (guint) line : 0);
  g_signal_emit (self, signals[ENTRY], 0, entry);
}

static void
forge_console_collector_dispose (GObject *object)
{
  ForgeConsoleCollector *self = FORGE_CONSOLE_COLLECTOR (object);

  if (self->manager != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->manager, self);
      g_clear_object (&self->manager);
    }

  G_OBJECT_CLASS (forge_console_collector_parent_class)->dispose (object);
}

static void
forge_console_collector_class_init (ForgeConsoleCollectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_console_collector_dispose;

  /**
   * ForgeConsoleCollector::entry:
   * @entry: a #ForgeConsoleEntry, already cut to size
   */
  signals[ENTRY] =
    g_signal_new ("entry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, FORGE_TYPE_CONSOLE_ENTRY);
}

static void
forge_console_collector_init (ForgeConsoleCollector *self)
{
}

ForgeConsoleCollector *
forge_console_collector_new (WebKitUserContentManager *manager)
{
  ForgeConsoleCollector *self;
  g_autoptr(WebKitUserScript) script = NULL;

  g_return_val_if_fail (WEBKIT_IS_USER_CONTENT_MANAGER (manager), NULL);

  self = g_object_new (FORGE_TYPE_CONSOLE_COLLECTOR, NULL);
  self->manager = g_object_ref (manager);

  script = webkit_user_script_new (console_script, WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES,
                                   WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START, NULL, NULL);
  webkit_user_content_manager_add_script (manager, script);
  webkit_user_content_manager_register_script_message_handler (manager, "forgeConsole", NULL);
  g_signal_connect (manager, "script-message-received::forgeConsole",
                    G_CALLBACK (on_console_message), self);

  return self;
}
