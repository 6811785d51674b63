/* crash-report-check.c
 *
 * Crashes on purpose, the way a test does under G_DEBUG=fatal-criticals,
 * so that test-crash-report can read what the crash report printed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>

/* Exported and not inlined: its name is what the report must show. */
G_GNUC_NO_INLINE void forge_deliberately_crash_here (const char *how);

/* The null store is the point: UndefinedBehaviorSanitizer (tools/test
 * --sanitize) would stop the process before it faults. */
__attribute__((no_sanitize_undefined)) G_GNUC_NO_INLINE void
forge_deliberately_crash_here (const char *how)
{
  if (g_str_equal (how, "critical"))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
      g_critical ("A deliberate critical");
      /* Not a tail call, which would leave this frame off the stack (as
       * the sanitized build's code does). */
      __asm__ volatile ("" ::: "memory");
    }
  else if (g_str_equal (how, "segfault"))
    {
      volatile int *nowhere = NULL;

      *nowhere = 1;
    }
}

int
main (int    argc,
      char **argv)
{
  forge_deliberately_crash_here (argc > 1 ? argv[1] : "critical");
  return 0;
}
