/* forge-console-entry.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  FORGE_CONSOLE_LEVEL_ERROR,
  FORGE_CONSOLE_LEVEL_WARNING,
} ForgeConsoleLevel;

#define FORGE_TYPE_CONSOLE_ENTRY (forge_console_entry_get_type ())

G_DECLARE_FINAL_TYPE (ForgeConsoleEntry, forge_console_entry, FORGE, CONSOLE_ENTRY, GObject)

/* What a previewed page said on its console or threw: @message and
 * @source as the page gave them (hostile: cut and made valid UTF-8
 * here), @line 0 when unknown. Immutable. */
ForgeConsoleEntry *forge_console_entry_new         (ForgeConsoleLevel  level,
                                                    const char        *message,
                                                    const char        *source,
                                                    guint              line);
ForgeConsoleLevel  forge_console_entry_get_level   (ForgeConsoleEntry *self);
const char        *forge_console_entry_get_message (ForgeConsoleEntry *self);
const char        *forge_console_entry_get_source  (ForgeConsoleEntry *self);
guint              forge_console_entry_get_line    (ForgeConsoleEntry *self);
/* "SOURCE:LINE", "SOURCE" or "": where to look. */
char              *forge_console_entry_dup_location (ForgeConsoleEntry *self);

G_END_DECLS
