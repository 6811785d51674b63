/* forge-e2b-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-e2b-error.h"

/* Long enough for E2B's messages ("Timeout cannot be greater than 1
 * hours"), short enough for one line of an error label. */
#define MAX_MESSAGE_CHARS 200

G_DEFINE_QUARK (forge-e2b-error-quark, forge_e2b_error)

GError *
forge_e2b_error_new_no_api_key (void)
{
  return g_error_new_literal (FORGE_E2B_ERROR, FORGE_E2B_ERROR_NO_API_KEY,
                              _("No E2B API key: create a key at https://e2b.dev/dashboard and add it in Preferences → Accounts"));
}

static char *
redact (const char         *text,
        const char * const *secrets)
{
  g_autoptr(GString) out = g_string_new (text);

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
    {
      if (*secrets[i] == '\0')
        continue;
      g_string_replace (out, secrets[i], "[redacted]", 0);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
forge_e2b_error_clean_message (const char         *message,
                               gssize              length,
                               const char * const *secrets)
{
  g_autofree char *valid = NULL;
  g_autofree char *redacted = NULL;
  g_autoptr(GString) out = NULL;
  gboolean space = FALSE;
  guint chars = 0;

  if (message == NULL)
    return NULL;

  /* Redacted before anything is cut or replaced: a key cut in half by
   * the length limit would otherwise leak its first half. */
  valid = g_utf8_make_valid (message, length);
  redacted = redact (valid, secrets);

  out = g_string_new (NULL);
  for (const char *p = redacted; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }

      if (chars >= MAX_MESSAGE_CHARS)
        {
          g_string_append (out, "…");
          break;
        }

      if (space)
        {
          g_string_append_c (out, ' ');
          chars++;
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      chars++;
    }

  if (out->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
forge_e2b_error_is_transient (const GError *error)
{
  return error != NULL &&
         (g_error_matches (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_RATE_LIMITED) ||
          g_error_matches (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_SERVER) ||
          g_error_matches (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NETWORK));
}
