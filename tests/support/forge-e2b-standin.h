/* forge-e2b-standin.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A stand-in for E2B on loopback, for tests: the control plane, envd and
 * the port proxy, each sandbox backed by a local (bubblewrap) sandbox
 * under a temporary root the stand-in owns. It speaks the wire protocol
 * (paths, JSON, Connect framing) with its own small codec, so that a bug
 * in the product's codec is not mirrored here.
 *
 * Everything runs on a thread of its own, with its own main context: the
 * product may call it synchronously from any thread, the test's main
 * thread included. Every function here may be called from any thread but
 * that one.
 *
 * Debug-mode addresses, as the official SDK's connectionConfig.ts has
 * them: one envd address for every sandbox (calls are told apart by
 * X-Access-Token) and a sandbox's port N at http://localhost:N (the
 * stand-in listens on 127.0.0.1:N when a process is started with PORT=N
 * among its envs, and forwards to the local sandbox; where the local
 * sandbox shares the host's network (no slirp4netns) the server takes
 * that port itself and there is no proxy in between).
 *
 * Fakes, knowingly: output comes as one data event per line (the local
 * sandbox reads lines); the proxy buffers whole requests and responses
 * (no WebSocket, no streaming bodies); a paused sandbox's processes are
 * stopped with SIGSTOP; the API's wording is E2B's where known
 * ("Timeout cannot be greater than 1 hours", "The sandbox was not
 * found", "The sandbox is running but port is not open"), the stand-in's
 * own elsewhere. Unlike the API, a create without "timeout" is refused
 * (400) rather than given 15 s, so that a client that forgets fails at
 * once. */

#define FORGE_TYPE_E2B_STANDIN (forge_e2b_standin_get_type ())

G_DECLARE_FINAL_TYPE (ForgeE2bStandin, forge_e2b_standin, FORGE, E2B_STANDIN, GObject)

typedef enum
{
  /* Half an envelope (a header that promises more than follows), then the
   * end of the HTTP body: a connection lost in the middle of a frame. */
  FORGE_E2B_STANDIN_STREAM_CUT,
  /* A well-framed envelope whose payload is not JSON, then the end of the
   * HTTP body. */
  FORGE_E2B_STANDIN_STREAM_GARBAGE,
} ForgeE2bStandinStreamFault;

/* One request as the stand-in received it (control plane or envd). */
typedef struct
{
  char               *method;
  char               *path;
  char               *query;     /* raw, NULL when none */
  GBytes             *body;
  SoupMessageHeaders *headers;
  gboolean            envd;      /* FALSE: the control plane */
} ForgeE2bStandinRequest;

void forge_e2b_standin_request_free (ForgeE2bStandinRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeE2bStandinRequest, forge_e2b_standin_request_free)

/* Fails with FORGE_SANDBOX_ERROR_UNAVAILABLE where local sandboxes cannot
 * run (tests skip then). @api_key: the only key the control plane takes. */
ForgeE2bStandin *forge_e2b_standin_new              (const char       *api_key,
                                                     GError          **error);

/* "http://127.0.0.1:PORT", without a trailing slash. */
const char      *forge_e2b_standin_get_api_url      (ForgeE2bStandin  *self);
const char      *forge_e2b_standin_get_envd_url     (ForgeE2bStandin  *self);
const char      *forge_e2b_standin_get_api_key      (ForgeE2bStandin  *self);
/* The folder under which every sandbox's home and repository live (and
 * which every sandboxed process's command line mentions): for
 * forge_test_wait_no_processes(). Removed when the stand-in is finalized. */
const char      *forge_e2b_standin_get_root         (ForgeE2bStandin  *self);
/* @envp (consumed, may be NULL) with E2B_DEBUG=true, E2B_API_URL and
 * E2B_SANDBOX_URL set to this stand-in. The API key is not added: tests
 * say where the product takes it from. */
char           **forge_e2b_standin_environ          (ForgeE2bStandin  *self,
                                                     char            **envp);

/* Settings. The plan's longest timeout (default 3600 s, Hobby's): a
 * longer one is refused with 400 as E2B words it. */
void             forge_e2b_standin_set_max_timeout  (ForgeE2bStandin  *self,
                                                     guint             seconds);
/* Bytes envd's POST /files may write per sandbox before it answers 507;
 * 0 (the default) for no limit. */
void             forge_e2b_standin_set_files_quota  (ForgeE2bStandin  *self,
                                                     guint64           bytes);
/* FALSE: a plan without pausing. Creating with autoPause and
 * POST /sandboxes/{id}/pause are then refused with 400. */
void             forge_e2b_standin_set_pause_supported (ForgeE2bStandin *self,
                                                        gboolean         supported);

/* Fault injection. The next @count requests whose method is @method (NULL
 * for any) and whose path matches the glob @path_glob (g_pattern_match_simple,
 * e.g. "/sandboxes/ * /timeout" without the spaces) are answered @status
 * with a {code, message} body, before authentication, without effect.
 * Applies to the control plane and to envd. */
void             forge_e2b_standin_fail_next        (ForgeE2bStandin  *self,
                                                     const char       *method,
                                                     const char       *path_glob,
                                                     guint             status,
                                                     guint             count);
/* The next control-plane or envd JSON response to a matching request is
 * cut in the middle (not JSON); the request itself takes effect (a
 * sandbox is created, a timeout set). */
void             forge_e2b_standin_malform_next     (ForgeE2bStandin  *self,
                                                     const char       *method,
                                                     const char       *path_glob);
/* The next Start stream breaks after its start event; the process keeps
 * running, as it does in E2B when a connection drops. */
void             forge_e2b_standin_break_next_stream (ForgeE2bStandin *self,
                                                      ForgeE2bStandinStreamFault fault);
/* A kill from outside (the dashboard, another client): the sandbox and
 * its processes are gone; the API answers 404, envd and ports 502.
 * FALSE when no such live sandbox. */
gboolean         forge_e2b_standin_kill_sandbox     (ForgeE2bStandin  *self,
                                                     const char       *sandbox_id);
/* Its timeout passes now: killed, or paused when created with autoPause. */
gboolean         forge_e2b_standin_expire_sandbox   (ForgeE2bStandin  *self,
                                                     const char       *sandbox_id);

/* Inspection. Every request so far, oldest first (ForgeE2bStandinRequest). */
GPtrArray       *forge_e2b_standin_dup_requests     (ForgeE2bStandin  *self);
/* Sandboxes running or paused. */
char           **forge_e2b_standin_dup_sandbox_ids  (ForgeE2bStandin  *self);
/* The host folder behind a sandbox's /home/user/repo; NULL when unknown. */
char            *forge_e2b_standin_dup_repo_dir     (ForgeE2bStandin  *self,
                                                     const char       *sandbox_id);

G_END_DECLS
