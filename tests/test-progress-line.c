/* test-progress-line.c
 *
 * What a line of an install's or a dev server's output says under the
 * running step. The samples are real output: npm 11, pnpm 9, yarn 1.22,
 * bun 1.x, Vite 5 and Next.js 14 as they printed into a pipe here; yarn
 * berry, webpack's ProgressPlugin, Create React App and Next.js 13 as
 * their sources print them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "forge-progress-line.h"
#include "forge-util.h"

#define N FORGE_PROGRESS_LINE_NOISE
#define C FORGE_PROGRESS_LINE_CHATTER
#define T FORGE_PROGRESS_LINE_TEXT
#define S FORGE_PROGRESS_LINE_STATUS

typedef struct
{
  const char            *line;
  ForgeProgressLineKind  kind;
  const char            *summary;   /* NULL for noise */
  double                 fraction;  /* -1 when the tool says none */
} Sample;

static void
check_samples (const Sample *samples,
               guint         n_samples)
{
  for (guint i = 0; i < n_samples; i++)
    {
      ForgeProgressLineKind kind = 99;
      double fraction = 42;
      g_autofree char *summary = forge_progress_line_summarize (samples[i].line, &kind, &fraction);

      g_test_message ("%s", samples[i].line);
      g_assert_cmpstr (summary, ==, samples[i].summary);
      g_assert_cmpint (kind, ==, samples[i].kind);
      g_assert_cmpfloat_with_epsilon (fraction, samples[i].fraction, 1e-9);
    }
}

static void
test_npm (void)
{
  static const Sample samples[] = {
    { "", N, NULL, -1 },
    { "added 83 packages in 11s", S, "added 83 packages in 11s", -1 },
    { "added 1234 packages, and audited 1235 packages in 45s", S, "added 1234 packages, and audited 1235 packages in 45s", -1 },
    { "up to date in 880ms", S, "up to date in 880ms", -1 },
    { "removed 2 packages, and changed 1 package in 2s", S, "removed 2 packages, and changed 1 package in 2s", -1 },
    { "npm http fetch GET 200 https://registry.npmjs.org/wrappy 991ms (cache updated)", T, "Fetched wrappy", -1 },
    { "npm http fetch GET 200 https://registry.npmjs.org/express/-/express-4.19.2.tgz 125ms (cache updated)",
      T, "Fetched express-4.19.2.tgz", -1 },
    { "npm http fetch GET 200 https://registry.npmjs.org/@babel%2fcore 40ms (cache miss)", T, "Fetched @babel/core", -1 },
    { "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.",
      C, "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.", -1 },
    { "npm WARN deprecated rimraf@2.7.1: Rimraf versions prior to v4 are no longer supported",
      C, "npm WARN deprecated rimraf@2.7.1: Rimraf versions prior to v4 are no longer supported", -1 },
    { "npm warn install-scripts   esbuild@0.21.5 (postinstall: node install.js)",
      C, "npm warn install-scripts esbuild@0.21.5 (postinstall: node install.js)", -1 },
    { "234 packages are looking for funding", C, "234 packages are looking for funding", -1 },
    { "  run `npm fund` for details", C, "run `npm fund` for details", -1 },
    { "found 0 vulnerabilities", C, "found 0 vulnerabilities", -1 },
    { "8 vulnerabilities (2 moderate, 6 high)", C, "8 vulnerabilities (2 moderate, 6 high)", -1 },
    /* A failure is news, not chatter. */
    { "npm error code ERESOLVE", T, "npm error code ERESOLVE", -1 },
    /* The project's own scripts, as npm announces them. */
    { "> s@1.0.0 preinstall", T, "s@1.0.0 preinstall", -1 },
    { "> node progress.js", T, "node progress.js", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

static void
test_pnpm (void)
{
  static const Sample samples[] = {
    { "Progress: resolved 1, reused 0, downloaded 0, added 0", S, "Progress: resolved 1, reused 0, downloaded 0, added 0", -1 },
    { "Progress: resolved 82, reused 0, downloaded 66, added 0", S, "Progress: resolved 82, reused 0, downloaded 66, added 0", -1 },
    { "Packages: +83", S, "Packages: +83", -1 },
    { "++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++", N, NULL, -1 },
    { "Progress: resolved 83, reused 0, downloaded 83, added 83, done", S, "Progress: resolved 83, reused 0, downloaded 83, added 83, done", -1 },
    { "dependencies:", C, "dependencies:", -1 },
    { "+ express 4.19.2 (5.3.0 is available)", C, "+ express 4.19.2 (5.3.0 is available)", -1 },
    { " WARN  deprecated rimraf@2.7.1: Rimraf versions prior to v4 are no longer supported",
      C, "WARN deprecated rimraf@2.7.1: Rimraf versions prior to v4 are no longer supported", -1 },
    { "Done in 6.7s using pnpm v9.15.9", T, "Done in 6.7s using pnpm v9.15.9", -1 },
    /* In a terminal pnpm redraws its line: the last frame is what shows. */
    { "Progress: resolved 14, reused 0, downloaded 2, added 0\r\033[KProgress: resolved 37, reused 0, downloaded 14, added 0\r",
      S, "Progress: resolved 37, reused 0, downloaded 14, added 0", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

static void
test_yarn (void)
{
  static const Sample samples[] = {
    { "yarn install v1.22.22", T, "yarn install v1.22.22", -1 },
    { "warning package.json: No license field", C, "warning package.json: No license field", -1 },
    { "info No lockfile found.", C, "info No lockfile found.", -1 },
    { "[1/4] Resolving packages...", S, "Resolving packages (step 1 of 4)", 0.0 },
    { "[2/4] Fetching packages...", S, "Fetching packages (step 2 of 4)", 0.25 },
    { "[3/4] Linking dependencies...", S, "Linking dependencies (step 3 of 4)", 0.5 },
    { "[4/4] Building fresh packages...", S, "Building fresh packages (step 4 of 4)", 0.75 },
    { "success Saved lockfile.", T, "success Saved lockfile.", -1 },
    { "Done in 4.78s.", T, "Done in 4.78s.", -1 },
    /* Not a stage: more done than there are. */
    { "[5/4] Odd", T, "[5/4] Odd", -1 },
    /* Berry. */
    { "➤ YN0000: ┌ Resolution step", T, "Resolution step", -1 },
    { "➤ YN0000: └ Completed in 0s 215ms", T, "Completed in 0s 215ms", -1 },
    { "➤ YN0002: │ app@workspace:. doesn't provide react (p1a2b3), requested by react-dom",
      C, "app@workspace:. doesn't provide react (p1a2b3), requested by react-dom", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

static void
test_bun (void)
{
  static const Sample samples[] = {
    { "bun install v1.4.5 (a7733435c)", T, "bun install v1.4.5 (a7733435c)", -1 },
    { "Resolving dependencies", T, "Resolving dependencies", -1 },
    { "Resolved, downloaded and extracted [330]", S, "Resolved, downloaded and extracted [330]", -1 },
    { "Saved lockfile", T, "Saved lockfile", -1 },
    { "+ express@4.19.2 (v5.3.0 available)", C, "+ express@4.19.2 (v5.3.0 available)", -1 },
    { "83 packages installed [683.00ms]", S, "83 packages installed [683.00ms]", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

static void
test_webpack (void)
{
  static const Sample samples[] = {
    { "Starting the development server...", T, "Starting the development server...", -1 },
    { "Compiling...", S, "Compiling...", -1 },
    { "Compiled successfully!", S, "Compiled successfully!", -1 },
    { "\033[33mCompiled with warnings.\033[39m", S, "Compiled with warnings.", -1 },
    { "\033[31mFailed to compile.\033[39m", S, "Failed to compile.", -1 },
    { "webpack compiled successfully", S, "webpack compiled successfully", -1 },
    { "webpack 5.91.0 compiled with 1 warning in 2345 ms", S, "webpack 5.91.0 compiled with 1 warning in 2345 ms", -1 },
    { "<s> [webpack.Progress] 45% building 120/200 entries 340/400 dependencies 50/100 modules",
      S, "45% building 120/200 entries 340/400 dependencies 50/100 modules", 0.45 },
    { "You can now view my-app in the browser.", T, "You can now view my-app in the browser.", -1 },
    { "  Local:            http://localhost:3000", T, "Local: http://localhost:3000", -1 },
    { "  On Your Network:  http://10.0.0.5:3000", C, "On Your Network: http://10.0.0.5:3000", -1 },
    { "Note that the development build is not optimized.", C, "Note that the development build is not optimized.", -1 },
    { "To create a production build, use npm run build.", C, "To create a production build, use npm run build.", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

static void
test_next (void)
{
  static const Sample samples[] = {
    { "  ▲ Next.js 14.2.3", T, "Next.js 14.2.3", -1 },
    { "  - Local:        http://localhost:5198", T, "Local: http://localhost:5198", -1 },
    { " ✓ Starting...", S, "Starting...", -1 },
    { " ✓ Ready in 1499ms", S, "Ready in 1499ms", -1 },
    { " ○ Compiling / ...", S, "Compiling / ...", -1 },
    { " ✓ Compiled / in 2.7s (256 modules)", S, "Compiled / in 2.7s (256 modules)", -1 },
    { " GET / 200 in 2788ms", T, "GET / 200 in 2788ms", -1 },
    { " ⚠ Invalid next.config.mjs options detected: ", C, "⚠ Invalid next.config.mjs options detected:", -1 },
    /* Next.js 13. */
    { "- wait compiling...", S, "compiling...", -1 },
    { "- event compiled client and server successfully in 1234 ms (512 modules)",
      S, "compiled client and server successfully in 1234 ms (512 modules)", -1 },
    { "ready - started server on 0.0.0.0:3000, url: http://localhost:3000", S, "started server on 0.0.0.0:3000, url: http://localhost:3000", -1 },
    /* Only the tool's lower-case prefixes are stages. */
    { "Ready for takeoff", T, "Ready for takeoff", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

static void
test_vite (void)
{
  static const Sample samples[] = {
    { "  VITE v5.4.21  ready in 274 ms", S, "VITE v5.4.21 ready in 274 ms", -1 },
    { "  ➜  Local:   http://localhost:5199/", T, "Local: http://localhost:5199/", -1 },
    { "\033[32m➜\033[39m  \033[1mLocal\033[22m:   \033[36mhttp://127.0.0.1:\033[1m5173\033[22m/\033[39m",
      T, "Local: http://127.0.0.1:5173/", -1 },
    { "  ➜  Network: use --host to expose", C, "Network: use --host to expose", -1 },
    { "  ➜  press h + enter to show help", C, "press h + enter to show help", -1 },
    { "12:01:02 PM [vite] hmr update /src/main.js", T, "12:01:02 PM [vite] hmr update /src/main.js", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
}

/* Spinners, rules and blank redraws say nothing; a spinner before words
 * is dropped. */
static void
test_noise (void)
{
  static const Sample samples[] = {
    { "   ", N, NULL, -1 },
    { "⠋", N, NULL, -1 },
    { "\033[2K\033[1G⠙ ", N, NULL, -1 },
    { "────────────────", N, NULL, -1 },
    { "|", N, NULL, -1 },
    { "\r\n", N, NULL, -1 },
    { "⠹ Installing dependencies", T, "Installing dependencies", -1 },
    { "| Installing", T, "Installing", -1 },
    { "\tindented\twith\ttabs  ", T, "indented with tabs", -1 },
    /* CRLF keeps its line. */
    { "Compiled successfully!\r", S, "Compiled successfully!", -1 },
  };

  check_samples (samples, G_N_ELEMENTS (samples));
  g_assert_null (forge_progress_line_summarize (NULL, NULL, NULL));
}

/* Whatever a sandbox prints, the summary is valid UTF-8 of a bounded
 * length. */
static void
test_bounded (void)
{
  g_autofree char *huge = g_strnfill (1024 * 1024, 'a');
  g_autofree char *summary = forge_progress_line_summarize (huge, NULL, NULL);
  g_autofree char *wide = NULL;
  g_autofree char *wide_summary = NULL;
  GString *builder = g_string_new (NULL);
  const char invalid[] = "added 3 packages \xff\xfe in 1s";
  g_autofree char *invalid_summary = forge_progress_line_summarize (invalid, NULL, NULL);

  g_assert_nonnull (summary);
  g_assert_cmpuint (g_utf8_strlen (summary, -1), ==, FORGE_PROGRESS_LINE_MAX_CHARS);
  g_assert_true (g_str_has_suffix (summary, "…"));

  for (guint i = 0; i < 1000; i++)
    g_string_append (builder, "é");
  wide = g_string_free (builder, FALSE);
  wide_summary = forge_progress_line_summarize (wide, NULL, NULL);
  g_assert_true (g_utf8_validate (wide_summary, -1, NULL));
  g_assert_cmpuint (g_utf8_strlen (wide_summary, -1), ==, FORGE_PROGRESS_LINE_MAX_CHARS);

  g_assert_true (g_utf8_validate (invalid_summary, -1, NULL));
  g_assert_true (g_str_has_prefix (invalid_summary, "added 3 packages"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forge/progress-line/npm", test_npm);
  g_test_add_func ("/forge/progress-line/pnpm", test_pnpm);
  g_test_add_func ("/forge/progress-line/yarn", test_yarn);
  g_test_add_func ("/forge/progress-line/bun", test_bun);
  g_test_add_func ("/forge/progress-line/webpack", test_webpack);
  g_test_add_func ("/forge/progress-line/next", test_next);
  g_test_add_func ("/forge/progress-line/vite", test_vite);
  g_test_add_func ("/forge/progress-line/noise", test_noise);
  g_test_add_func ("/forge/progress-line/bounded", test_bounded);

  return g_test_run ();
}
