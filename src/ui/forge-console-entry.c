/* forge-console-entry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include "forge-console-entry.h"
#include "forge-util.h"

/* A page can print anything: what is kept of it is bounded. */
#define MAX_MESSAGE_CHARS 2000
#define MAX_SOURCE_CHARS  500

struct _ForgeConsoleEntry
{
  GObject            parent_instance;

  ForgeConsoleLevel  level;
  char              *message;
  char              *source;
  guint              line;
};

G_DEFINE_FINAL_TYPE (ForgeConsoleEntry, forge_console_entry, G_TYPE_OBJECT)

static char *
bounded_text (const char *text,
              glong       max_chars)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  g_autofree char *cut = NULL;

  if (g_utf8_strlen (valid, -1) > max_chars)
    {
      g_autofree char *head = g_utf8_substring (valid, 0, max_chars);

      cut = g_strconcat (head, "…", NULL);
    }
  else
    cut = g_strdup (valid);

  /* Control characters (escapes, bells) are not for a label. */
  return forge_log_line_sanitize (cut);
}

static void
forge_console_entry_finalize (GObject *object)
{
  ForgeConsoleEntry *self = FORGE_CONSOLE_ENTRY (object);

  g_free (self->message);
  g_free (self->source);

  G_OBJECT_CLASS (forge_console_entry_parent_class)->finalize (object);
}

static void
forge_console_entry_class_init (ForgeConsoleEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_console_entry_finalize;
}

static void
forge_console_entry_init (ForgeConsoleEntry *self)
{
}

ForgeConsoleEntry *
forge_console_entry_new (ForgeConsoleLevel  level,
                         const char        *message,
                         const char        *source,
                         guint              line)
{
  ForgeConsoleEntry *self = g_object_new (FORGE_TYPE_CONSOLE_ENTRY, NULL);

  self->level = level;
  self->message = bounded_text (message, MAX_MESSAGE_CHARS);
  self->source = bounded_text (source, MAX_SOURCE_CHARS);
  self->line = line;
  return self;
}

ForgeConsoleLevel
forge_console_entry_get_level (ForgeConsoleEntry *self)
{
  g_return_val_if_fail (FORGE_IS_CONSOLE_ENTRY (self), FORGE_CONSOLE_LEVEL_ERROR);
  return self->level;
}

const char *
forge_console_entry_get_message (ForgeConsoleEntry *self)
{
  g_return_val_if_fail (FORGE_IS_CONSOLE_ENTRY (self), NULL);
  return self->message;
}

const char *
forge_console_entry_get_source (ForgeConsoleEntry *self)
{
  g_return_val_if_fail (FORGE_IS_CONSOLE_ENTRY (self), NULL);
  return self->source;
}

guint
forge_console_entry_get_line (ForgeConsoleEntry *self)
{
  g_return_val_if_fail (FORGE_IS_CONSOLE_ENTRY (self), 0);
  return self->line;
}

char *
forge_console_entry_dup_location (ForgeConsoleEntry *self)
{
  g_return_val_if_fail (FORGE_IS_CONSOLE_ENTRY (self), NULL);

  if (*self->source == '\0')
    return g_strdup ("");
  if (self->line == 0)
    return g_strdup (self->source);
  return g_strdup_printf ("%s:%u", self->source, self->line);
}
