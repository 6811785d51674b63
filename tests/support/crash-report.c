/* crash-report.c
 *
 * Compiled into every test program, and preloaded into the app where a
 * test starts it: when one crashes (a segfault, an
 * abort, the trap of a fatal GLib error under G_DEBUG=fatal-criticals),
 * the stack of each of its threads goes to stderr, which is the test's
 * log, and the crash then goes on as it would have. A crash seen once in
 * CI can then be read rather than guessed at.
 *
 * gdb gives every thread with names and lines; without it, glibc's
 * backtrace() gives this thread's addresses and exported names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <execinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };

/* Filled in before any crash (the handler may not allocate), but for
 * the process id: a forked child crashes as itself. */
static char pid_text[24];
static char gdb_path[256];
static char alternate_stack[64 * 1024];

static void
write_text (const char *text)
{
  size_t length = strlen (text);

  while (length > 0)
    {
      ssize_t written = write (STDERR_FILENO, text, length);

      if (written <= 0)
        return;
      text += written;
      length -= (size_t) written;
    }
}

/* Async-signal-safe, unlike printf. */
static void
format_number (char   *buffer,
               size_t  size,
               long    number)
{
  char digits[24];
  size_t i = sizeof digits - 1;
  size_t length;

  digits[i] = '\0';
  do
    {
      digits[--i] = (char) ('0' + number % 10);
      number /= 10;
    }
  while (number > 0 && i > 0);

  length = sizeof digits - 1 - i;
  if (length + 1 > size)
    length = size - 1;
  memcpy (buffer, digits + i, length);
  buffer[length] = '\0';
}

static void
write_number (long number)
{
  char text[24];

  format_number (text, sizeof text, number);
  write_text (text);
}

static int
report_with_gdb (void)
{
  pid_t child;
  int status;

  if (gdb_path[0] == '\0')
    return 0;

  /* Yama may allow only ancestors to attach: gdb is our child. */
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);

  child = fork ();
  if (child == 0)
    {
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execl (gdb_path, "gdb", "-nx", "-batch", "-p", pid_text,
             "-ex", "set pagination off",
             "-ex", "set print frame-arguments scalars",
             "-ex", "thread apply all bt",
             (char *) NULL);
      _exit (127);
    }
  if (child < 0)
    return 0;

  /* A gdb that hangs must not hold the test forever. */
  alarm (120);
  while (waitpid (child, &status, 0) < 0)
    ;
  alarm (0);

  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

static void
on_crash (int signal_number)
{
  static volatile sig_atomic_t reporting;

  if (!reporting)
    {
      reporting = 1;
      format_number (pid_text, sizeof pid_text, (long) getpid ());
      write_text ("\n*** Process ");
      write_text (pid_text);
      write_text (" crashed with signal ");
      write_number (signal_number);
      write_text (" (");
      write_text (strsignal (signal_number));
      write_text ("): the stack of each thread follows ***\n");

      if (!report_with_gdb ())
        {
          void *frames[64];
          int n_frames = backtrace (frames, 64);

          backtrace_symbols_fd (frames, n_frames, STDERR_FILENO);
        }
      write_text ("*** End of the stack ***\n");
    }

  signal (signal_number, SIG_DFL);
  raise (signal_number);
}

static void
find_gdb (void)
{
  const char *path = getenv ("PATH");
  const char *start = path != NULL ? path : "/usr/bin:/bin";

  while (*start != '\0')
    {
      const char *end = strchr (start, ':');
      size_t length = end != NULL ? (size_t) (end - start) : strlen (start);

      if (length > 0 && length + sizeof "/gdb" < sizeof gdb_path)
        {
          memcpy (gdb_path, start, length);
          memcpy (gdb_path + length, "/gdb", sizeof "/gdb");
          if (access (gdb_path, X_OK) == 0)
            return;
        }
      if (end == NULL)
        break;
      start = end + 1;
    }

  gdb_path[0] = '\0';
}

__attribute__((constructor)) static void
install_crash_report (void)
{
  stack_t stack = { .ss_sp = alternate_stack, .ss_size = sizeof alternate_stack };
  struct sigaction action = { 0 };

  /* Preloaded into the app by a test (see forge_test_preload_crash_report()):
   * for this process only, not for all it starts. */
  if (getenv ("LD_PRELOAD") != NULL && strstr (getenv ("LD_PRELOAD"), "crash-report") != NULL)
    unsetenv ("LD_PRELOAD");

  /* Asked for by a caller that reports crashes its own way. */
  if (getenv ("FORGE_TEST_NO_CRASH_REPORT") != NULL)
    return;

  find_gdb ();

  /* A stack overflow still has a stack to report on. */
  sigaltstack (&stack, NULL);
  action.sa_handler = on_crash;
  action.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
    sigaction (crash_signals[i], &action, NULL);
}
