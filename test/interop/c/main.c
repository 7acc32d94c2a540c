// Interop driver for nats.c (Debian's libnats-dev). Build: cc -O1 -o driver main.c -lnats -lpthread
// Usage: driver SCENARIO URL[,URL...] [key=value ...]; prints one JSON object per line (see ../README.md).
#include <nats/nats.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- output: one JSON object per line, serialised across the library's callback threads ---- */

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct { char *b; size_t n, cap; } jbuf;

static void jb_raw(jbuf *j, const char *s, size_t len) {
  if (j->n + len + 1 > j->cap) {
    while (j->n + len + 1 > j->cap) j->cap = j->cap ? j->cap * 2 : 256;
    j->b = realloc(j->b, j->cap);
    if (!j->b) abort();
  }
  memcpy(j->b + j->n, s, len);
  j->n += len;
  j->b[j->n] = 0;
}
static void jb_s(jbuf *j, const char *s) { jb_raw(j, s, strlen(s)); }

/* A JSON string; NULL becomes null. */
static void jb_strn(jbuf *j, const char *s, size_t len) {
  if (!s) { jb_s(j, "null"); return; }
  jb_s(j, "\"");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; jb_raw(j, esc, 2); }
    else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); jb_s(j, esc); }
    else jb_raw(j, (const char *)&s[i], 1);
  }
  jb_s(j, "\"");
}
static void jb_str(jbuf *j, const char *s) { jb_strn(j, s, s ? strlen(s) : 0); }

static void jb_begin(jbuf *j, const char *ev) { memset(j, 0, sizeof *j); jb_s(j, "{\"ev\":"); jb_str(j, ev); }
static void jb_key(jbuf *j, const char *k) { jb_s(j, ","); jb_str(j, k); jb_s(j, ":"); }
static void jb_kstr(jbuf *j, const char *k, const char *v) { jb_key(j, k); jb_str(j, v); }
static void jb_kbool(jbuf *j, const char *k, bool v) { jb_key(j, k); jb_s(j, v ? "true" : "false"); }
static void jb_kint(jbuf *j, const char *k, long v) { char t[32]; snprintf(t, sizeof t, "%ld", v); jb_key(j, k); jb_s(j, t); }
static void jb_emit(jbuf *j) {
  jb_s(j, "}\n");
  pthread_mutex_lock(&out_mu);
  fwrite(j->b, 1, j->n, stdout);
  fflush(stdout);
  pthread_mutex_unlock(&out_mu);
  free(j->b);
}
static void emit0(const char *ev) { jbuf j; jb_begin(&j, ev); jb_emit(&j); }

/* Classify a status with the client's own codes, so the harness asserts on meaning, not text. */
static const char *kind(natsStatus s) {
  switch (s) {
  case NATS_OK: return "";
  case NATS_CONNECTION_AUTH_FAILED: case NATS_NOT_PERMITTED: return "auth";
  case NATS_NO_RESPONDERS: return "no_responders";
  case NATS_STALE_CONNECTION: return "stale";
  case NATS_TIMEOUT: return "timeout";
  default: return "other";
  }
}

/* The connection's last error as err/kind fields (err null when there is none). */
static void jb_lasterr(jbuf *j, natsConnection *nc) {
  const char *txt = NULL;
  natsStatus s = natsConnection_GetLastError(nc, &txt);
  jb_kstr(j, "err", s == NATS_OK ? NULL : (txt && *txt ? txt : natsStatus_GetText(s)));
  jb_kstr(j, "kind", kind(s));
  jb_kstr(j, "status", s == NATS_OK ? NULL : natsStatus_GetText(s));
}

/* An operation's error: the thread-local detail when the library left one, else the status text. */
static void jb_err(jbuf *j, natsStatus s) {
  if (s == NATS_OK) { jb_kstr(j, "err", NULL); jb_kstr(j, "kind", ""); return; }
  const char *txt = nats_GetLastError(NULL);
  jb_kstr(j, "err", txt && *txt ? txt : natsStatus_GetText(s));
  jb_kstr(j, "kind", kind(s));
  jb_kstr(j, "status", natsStatus_GetText(s));
}

/* ---- counters the main thread waits on (no sleeping for events) ---- */

static pthread_mutex_t cnt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cnt_cv = PTHREAD_COND_INITIALIZER;
enum { C_END, C_Q, C_HDR, C_HANDLED, C_CLOSED, C_N };
static int counts[C_N];

static void inc(int k) {
  pthread_mutex_lock(&cnt_mu);
  counts[k]++;
  pthread_cond_broadcast(&cnt_cv);
  pthread_mutex_unlock(&cnt_mu);
}
static int get(int k) { pthread_mutex_lock(&cnt_mu); int v = counts[k]; pthread_mutex_unlock(&cnt_mu); return v; }
static bool wait_for(int k, int n, int ms) {
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += ms / 1000;
  dl.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) { dl.tv_sec++; dl.tv_nsec -= 1000000000L; }
  pthread_mutex_lock(&cnt_mu);
  int rc = 0;
  while (counts[k] < n && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&cnt_cv, &cnt_mu, &dl);
  bool ok = counts[k] >= n;
  pthread_mutex_unlock(&cnt_mu);
  return ok;
}

/* ---- options ---- */

static int nopts;
static char **optv;
static const char *opt(const char *k, const char *def) {
  size_t kl = strlen(k);
  for (int i = 0; i < nopts; i++)
    if (strncmp(optv[i], k, kl) == 0 && optv[i][kl] == '=') return optv[i] + kl + 1;
  return def;
}
static long optn(const char *k, long def) { const char *v = opt(k, NULL); return v ? atol(v) : def; }

/* ---- connection callbacks ---- */

static void on_disconnected(natsConnection *nc, void *c) { (void)c; jbuf j; jb_begin(&j, "disconnected"); jb_lasterr(&j, nc); jb_emit(&j); }
static void on_reconnected(natsConnection *nc, void *c) {
  (void)c;
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof url);
  jbuf j; jb_begin(&j, "reconnected"); jb_kstr(&j, "url", url); jb_emit(&j);
}
static void on_closed(natsConnection *nc, void *c) {
  (void)c;
  jbuf j; jb_begin(&j, "closed"); jb_lasterr(&j, nc); jb_emit(&j);
  inc(C_CLOSED);
}
static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *c) {
  (void)nc; (void)sub; (void)c;
  jbuf j; jb_begin(&j, "error"); jb_kstr(&j, "err", natsStatus_GetText(err)); jb_kstr(&j, "kind", kind(err)); jb_emit(&j);
}

static void jb_headers(jbuf *j, natsMsg *m) {
  const char **keys = NULL;
  int nk = 0;
  jb_key(j, "hdr");
  if (natsMsgHeader_Keys(m, &keys, &nk) != NATS_OK || nk == 0) { jb_s(j, "null"); nats_GetLastError(NULL); return; }
  jb_s(j, "{");
  for (int i = 0; i < nk; i++) {
    const char **vals = NULL;
    int nv = 0;
    if (i) jb_s(j, ",");
    jb_str(j, keys[i]);
    jb_s(j, ":[");
    if (natsMsgHeader_Values(m, keys[i], &vals, &nv) == NATS_OK) {
      for (int v = 0; v < nv; v++) { if (v) jb_s(j, ","); jb_str(j, vals[v]); }
      free((void *)vals);
    }
    jb_s(j, "]");
  }
  jb_s(j, "}");
  free((void *)keys);
}

typedef struct { const char *name; int counter; } subinfo;

static void emit_msg(const char *sub, natsMsg *m, bool hdrs) {
  jbuf j;
  jb_begin(&j, "msg");
  jb_kstr(&j, "sub", sub);
  jb_kstr(&j, "subject", natsMsg_GetSubject(m));
  jb_key(&j, "data");
  jb_strn(&j, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
  if (hdrs) jb_headers(&j, m);
  jb_emit(&j);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *c) {
  (void)nc; (void)sub;
  subinfo *si = c;
  emit_msg(si->name, m, true);
  bool end = natsMsg_GetDataLength(m) == 3 && memcmp(natsMsg_GetData(m), "END", 3) == 0;
  if (si->counter >= 0 && (si->counter != C_END || end)) inc(si->counter);
  natsMsg_Destroy(m);
}

static void on_svc(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *c) {
  (void)sub; (void)c;
  char buf[512];
  snprintf(buf, sizeof buf, "re:%.*s", natsMsg_GetDataLength(m), natsMsg_GetData(m));
  natsConnection_PublishString(nc, natsMsg_GetReply(m), buf);
  natsMsg_Destroy(m);
}

static long handler_ms = 20;
static void on_drain_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *c) {
  (void)nc; (void)sub; (void)c;
  nats_Sleep(handler_ms); /* a slow handler, so messages are in flight when SIGTERM arrives */
  inc(C_HANDLED);
  emit_msg("drain", m, false);
  natsMsg_Destroy(m);
}

static void fatal(const char *what, natsStatus s) {
  jbuf j; jb_begin(&j, "fatal"); jb_kstr(&j, "what", what); jb_err(&j, s); jb_emit(&j);
  exit(1);
}

/* ---- scenarios ---- */

static subinfo rc_info = {"rc", -1};

static void wait_closed(int ms) { wait_for(C_CLOSED, 1, ms); }

/* session: subscribe interop.rc, then obey stdin commands (flush | close) until EOF. */
static void session(natsConnection *nc) {
  natsSubscription *s = NULL;
  natsStatus st = natsConnection_Subscribe(&s, nc, "interop.rc", on_msg, &rc_info);
  if (st != NATS_OK) fatal("subscribe", st);
  if ((st = natsConnection_FlushTimeout(nc, 2000)) != NATS_OK) fatal("flush", st);
  emit0("ready");
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "flush", 5) == 0) {
      st = natsConnection_FlushTimeout(nc, 2000);
      char url[256] = "";
      natsConnection_GetConnectedUrl(nc, url, sizeof url);
      jbuf j; jb_begin(&j, "flushed"); jb_kbool(&j, "ok", st == NATS_OK); jb_err(&j, st); jb_kstr(&j, "url", url); jb_emit(&j);
    } else if (strncmp(line, "close", 5) == 0) {
      break;
    }
  }
  natsConnection_Close(nc);
  wait_closed(2000);
}

static subinfo wild[] = {{"lit", C_END}, {"star", C_END}, {"gt", C_END}, {"agt", C_END}};
static subinfo queue[] = {{"g1a", C_Q}, {"g1b", C_Q}, {"g2a", C_Q}, {"g2b", C_Q}, {"qplain", C_Q}};
static subinfo hdr_info = {"hdr", C_HDR};

static void result_ok(const char *name, bool ok) {
  jbuf j; jb_begin(&j, "result"); jb_kstr(&j, "name", name); jb_kbool(&j, "ok", ok); jb_emit(&j);
}

static void pubsub(natsConnection *nc) {
  natsSubscription *s[12] = {0};
  natsStatus st;
  const char *wsubj[] = {"wild.a.b", "wild.a.*", "wild.>", "wild.a.>"};
  for (int i = 0; i < 4; i++)
    if ((st = natsConnection_Subscribe(&s[i], nc, wsubj[i], on_msg, &wild[i])) != NATS_OK) fatal("subscribe", st);
  const char *groups[] = {"g1", "g1", "g2", "g2"};
  for (int i = 0; i < 4; i++)
    if ((st = natsConnection_QueueSubscribe(&s[4 + i], nc, "q.work", groups[i], on_msg, &queue[i])) != NATS_OK) fatal("qsubscribe", st);
  if ((st = natsConnection_Subscribe(&s[8], nc, "q.work", on_msg, &queue[4])) != NATS_OK) fatal("subscribe", st);
  if ((st = natsConnection_Subscribe(&s[9], nc, "hdr.test", on_msg, &hdr_info)) != NATS_OK) fatal("subscribe", st);
  if ((st = natsConnection_Subscribe(&s[10], nc, "svc.echo", on_svc, NULL)) != NATS_OK) fatal("subscribe", st);
  natsConnection_Flush(nc);

  const char *pubs[][2] = {{"wild.a.b", "1"}, {"wild.a.c", "2"}, {"wild.a.b.c", "3"}, {"wild.x", "4"}, {"other.a.b", "5"}, {"wild.a.b", "END"}};
  for (int i = 0; i < 6; i++) natsConnection_PublishString(nc, pubs[i][0], pubs[i][1]);
  natsConnection_Flush(nc);
  result_ok("wild_wait", wait_for(C_END, 4, 5000));

  for (int i = 0; i < 20; i++) {
    char d[16];
    snprintf(d, sizeof d, "q%d", i);
    natsConnection_PublishString(nc, "q.work", d);
  }
  natsConnection_Flush(nc);
  bool ok = wait_for(C_Q, 60, 5000);
  /* A duplicate delivery has no event to wait for: one more round trip and a short settle. */
  natsConnection_Flush(nc);
  nats_Sleep(100);
  result_ok("queue_wait", ok);

  natsMsg *hm = NULL;
  const char *body = "with headers";
  if ((st = natsMsg_Create(&hm, "hdr.test", NULL, body, (int)strlen(body))) != NATS_OK) fatal("msg_create", st);
  natsMsgHeader_Set(hm, "X-Interop", "one");
  natsMsgHeader_Add(hm, "X-Two", "a");
  natsMsgHeader_Add(hm, "X-Two", "b");
  if ((st = natsConnection_PublishMsg(nc, hm)) != NATS_OK) {
    jbuf j; jb_begin(&j, "result"); jb_kstr(&j, "name", "hdr_publish"); jb_err(&j, st); jb_emit(&j);
  }
  natsMsg_Destroy(hm);
  natsConnection_Flush(nc);
  result_ok("hdr_wait", wait_for(C_HDR, 1, 5000));

  natsMsg *rep = NULL;
  st = natsConnection_RequestString(&rep, nc, "svc.echo", "ping", 2000);
  {
    jbuf j; jb_begin(&j, "result"); jb_kstr(&j, "name", "request"); jb_err(&j, st);
    if (rep) { jb_key(&j, "data"); jb_strn(&j, natsMsg_GetData(rep), (size_t)natsMsg_GetDataLength(rep)); natsMsg_Destroy(rep); }
    jb_emit(&j);
  }
  rep = NULL;
  st = natsConnection_RequestString(&rep, nc, "nobody.here", "x", 2000);
  {
    jbuf j; jb_begin(&j, "result"); jb_kstr(&j, "name", "noresponders"); jb_err(&j, st); jb_emit(&j);
    if (rep) natsMsg_Destroy(rep);
  }
  st = natsConnection_FlushTimeout(nc, 2000);
  {
    jbuf j; jb_begin(&j, "result"); jb_kstr(&j, "name", "flush"); jb_kbool(&j, "ok", st == NATS_OK); jb_err(&j, st); jb_emit(&j);
  }
  for (int i = 0; i < 11; i++) natsSubscription_Destroy(s[i]);
  natsConnection_Close(nc);
  wait_closed(2000);
}

/* The harness keeps stdin open; EOF means it is gone, so do not linger as an orphan. */
static void *watch_stdin(void *arg) {
  (void)arg;
  char buf[256];
  while (fgets(buf, sizeof buf, stdin)) {}
  _exit(3);
  return NULL;
}

/* drain: a slow subscriber; SIGTERM → natsConnection_Drain → every delivered message handled → exit 0. */
static void drain(natsConnection *nc, sigset_t *set) {
  natsSubscription *s = NULL;
  natsStatus st;
  handler_ms = optn("handler_ms", 20);
  if ((st = natsConnection_Subscribe(&s, nc, "interop.drain", on_drain_msg, NULL)) != NATS_OK) fatal("subscribe", st);
  natsConnection_Flush(nc);
  emit0("ready");
  pthread_t watcher;
  pthread_create(&watcher, NULL, watch_stdin, NULL);
  int sig = 0;
  sigwait(set, &sig);
  { jbuf j; jb_begin(&j, "sigterm"); jb_kint(&j, "handled", get(C_HANDLED)); jb_emit(&j); }
  st = natsConnection_Drain(nc);
  bool closed = wait_for(C_CLOSED, 1, 10000);
  jbuf j;
  jb_begin(&j, "drained");
  jb_kint(&j, "handled", get(C_HANDLED));
  if (st != NATS_OK) jb_err(&j, st);
  else jb_kstr(&j, "err", closed ? NULL : "drain did not close the connection within 10s");
  jb_emit(&j);
  natsSubscription_Destroy(s);
}

/* jetstream: publish with acks (and a duplicate by message id), a durable pull consumer fetched and
 * acked, a durable push consumer consumed and acked, a key-value bucket put/get/watch. */
typedef struct { char v[16][64]; int n; } strlist;
static void sl_add(strlist *l, const char *s, int len) {
  if (l->n >= 16) return;
  if (len > 63) len = 63;
  memcpy(l->v[l->n], s, len);
  l->v[l->n][len] = 0;
  l->n++;
}
static void jb_kstrs(jbuf *j, const char *k, const strlist *l) {
  jb_key(j, k);
  jb_s(j, "[");
  for (int i = 0; i < l->n; i++) { if (i) jb_s(j, ","); jb_str(j, l->v[i]); }
  jb_s(j, "]");
}
static void js_result(const char *name, jbuf *j, natsStatus st) {
  jb_kstr(j, "name", name);
  jb_err(j, st);
  jb_emit(j);
}
static natsStatus js_fetch(natsSubscription *sub, int n, strlist *out) {
  natsMsgList list = {0};
  jsErrCode jerr = 0;
  natsStatus st = natsSubscription_Fetch(&list, sub, n, 2000, &jerr);
  for (int i = 0; i < list.Count; i++) {
    natsMsg *m = list.Msgs[i];
    sl_add(out, natsMsg_GetData(m), natsMsg_GetDataLength(m));
    natsStatus a = natsMsg_AckSync(m, NULL, &jerr);
    if (a != NATS_OK && st == NATS_OK) st = a;
  }
  natsMsgList_Destroy(&list);
  /* A fetch that got what there was before its timeout is not a failure. */
  if (st == NATS_TIMEOUT && out->n > 0) st = NATS_OK;
  return st;
}

static void jetstream(natsConnection *nc) {
  jsCtx *js = NULL;
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 3000;
  natsStatus st = natsConnection_JetStream(&js, nc, &jo);
  if (st != NATS_OK) fatal("jetstream", st);
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  const char *subjects[] = {"jsi.>"};
  sc.Name = "JSI";
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  if ((st = js_AddStream(&si, js, &sc, NULL, &jerr)) != NATS_OK) fatal("add stream", st);
  jsStreamInfo_Destroy(si);
  emit0("ready");

  { /* publish with acks */
    jbuf j; jb_begin(&j, "result");
    jb_key(&j, "seqs"); jb_s(&j, "[");
    natsStatus e = NATS_OK;
    for (int i = 1; i <= 5; i++) {
      char d[8]; snprintf(d, sizeof d, "m%d", i);
      jsPubAck *pa = NULL;
      e = js_Publish(&pa, js, "jsi.a", d, (int)strlen(d), NULL, &jerr);
      if (e != NATS_OK) break;
      char t[32]; snprintf(t, sizeof t, "%s%llu", i > 1 ? "," : "", (unsigned long long)pa->Sequence); jb_s(&j, t);
      jsPubAck_Destroy(pa);
    }
    jb_s(&j, "]");
    js_result("js_publish", &j, e);
  }
  { /* a duplicate by message id */
    jbuf j; jb_begin(&j, "result");
    jb_key(&j, "seqs"); jb_s(&j, "[");
    natsStatus e = NATS_OK;
    bool dup = false;
    for (int i = 0; i < 2; i++) {
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = "dup-1";
      jsPubAck *pa = NULL;
      e = js_Publish(&pa, js, "jsi.a", "d", 1, &po, &jerr);
      if (e != NATS_OK) break;
      char t[32]; snprintf(t, sizeof t, "%s%llu", i > 0 ? "," : "", (unsigned long long)pa->Sequence); jb_s(&j, t);
      dup = pa->Duplicate;
      jsPubAck_Destroy(pa);
    }
    jb_s(&j, "]");
    jb_kbool(&j, "duplicate", dup);
    js_result("js_dedupe", &j, e);
  }
  { /* pull: two fetches */
    natsSubscription *ps = NULL;
    natsStatus e = js_PullSubscribe(&ps, js, "jsi.a", "PULL", NULL, NULL, &jerr);
    strlist a = {0}, b = {0};
    if (e == NATS_OK) e = js_fetch(ps, 3, &a);
    { jbuf j; jb_begin(&j, "result"); jb_kstrs(&j, "data", &a); js_result("pull_fetch", &j, e); }
    natsStatus e2 = e == NATS_OK ? js_fetch(ps, 3, &b) : e;
    { jbuf j; jb_begin(&j, "result"); jb_kstrs(&j, "data", &b); js_result("pull_fetch2", &j, e2); }
    natsSubscription_Destroy(ps);
  }
  { /* push: a durable with manual acks */
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Config.Durable = "PUSH";
    so.ManualAck = true;
    natsSubscription *ss = NULL;
    natsStatus e = js_SubscribeSync(&ss, js, "jsi.a", NULL, &so, &jerr);
    strlist got = {0};
    while (e == NATS_OK && got.n < 6) {
      natsMsg *m = NULL;
      e = natsSubscription_NextMsg(&m, ss, 3000);
      if (e != NATS_OK) break;
      sl_add(&got, natsMsg_GetData(m), natsMsg_GetDataLength(m));
      e = natsMsg_AckSync(m, NULL, &jerr);
      natsMsg_Destroy(m);
    }
    { jbuf j; jb_begin(&j, "result"); jb_kstrs(&j, "data", &got); js_result("push_consume", &j, e); }
    /* No Unsubscribe: nats.c would delete the consumer it created (the harness reads it after). */
    (void)ss;
  }
  { /* key-value */
    kvConfig kc;
    kvConfig_Init(&kc);
    kc.Bucket = "IKV";
    kc.History = 5;
    kvStore *kv = NULL;
    jbuf j; jb_begin(&j, "result");
    natsStatus e = js_CreateKeyValue(&kv, js, &kc);
    uint64_t rev = 0;
    if (e == NATS_OK) e = kvStore_PutString(&rev, kv, "a", "1");
    if (e == NATS_OK) e = kvStore_PutString(&rev, kv, "a", "2");
    if (e == NATS_OK) e = kvStore_PutString(&rev, kv, "b", "x");
    if (e == NATS_OK) {
      kvEntry *ke = NULL;
      e = kvStore_Get(&ke, kv, "a");
      if (e == NATS_OK) {
        jb_kstr(&j, "get", kvEntry_ValueString(ke));
        jb_kint(&j, "revision", (long)kvEntry_Revision(ke));
        kvEntry_Destroy(ke);
      }
    }
    if (e == NATS_OK) {
      kvWatcher *w = NULL;
      strlist seen = {0};
      e = kvStore_WatchAll(&w, kv, NULL);
      while (e == NATS_OK) {
        kvEntry *ke = NULL;
        e = kvWatcher_Next(&ke, w, 3000);
        if (e != NATS_OK || ke == NULL) break; /* NULL: the initial values are done */
        char t[64]; snprintf(t, sizeof t, "%s=%s", kvEntry_Key(ke), kvEntry_ValueString(ke));
        sl_add(&seen, t, (int)strlen(t));
        kvEntry_Destroy(ke);
      }
      jb_kstrs(&j, "watch", &seen);
      if (w) kvWatcher_Destroy(w);
    }
    if (e == NATS_OK) {
      e = kvStore_Delete(kv, "b");
      if (e == NATS_OK) {
        kvEntry *ke = NULL;
        natsStatus g = kvStore_Get(&ke, kv, "b");
        jb_kbool(&j, "deleted", g == NATS_NOT_FOUND);
        if (ke) kvEntry_Destroy(ke);
      }
    }
    js_result("kv", &j, e);
    if (kv) kvStore_Destroy(kv);
  }
  jsCtx_Destroy(js);
  natsConnection_Close(nc);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: driver SCENARIO URL[,URL] [key=value ...]\n"); return 2; }
  const char *scenario = argv[1];
  nopts = argc - 3;
  optv = argv + 3;
  /* Block SIGTERM before the library starts its threads, so only sigwait() in main receives it. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);

  { jbuf j; jb_begin(&j, "client"); jb_kstr(&j, "lib", "nats.c"); jb_kstr(&j, "version", nats_GetVersion()); jb_emit(&j); }

  natsOptions *o = NULL;
  natsStatus st = natsOptions_Create(&o);
  if (st != NATS_OK) fatal("options", st);
  char *urls = strdup(argv[2]);
  const char *servers[8];
  int ns = 0;
  for (char *tok = strtok(urls, ","); tok && ns < 8; tok = strtok(NULL, ",")) servers[ns++] = tok;
  natsOptions_SetServers(o, servers, ns);
  natsOptions_SetName(o, opt("name", "interop-c"));
  natsOptions_SetNoRandomize(o, true);
  natsOptions_SetTimeout(o, optn("timeout_ms", 2000));
  natsOptions_SetReconnectWait(o, optn("reconnect_wait_ms", 100));
  natsOptions_SetMaxReconnect(o, (int)optn("max_reconnect", 10));
  natsOptions_SetPingInterval(o, optn("ping_ms", 120000));
  natsOptions_SetMaxPingsOut(o, (int)optn("max_pings", 2));
  if (opt("user", NULL)) natsOptions_SetUserInfo(o, opt("user", NULL), opt("pass", ""));
  if (opt("token", NULL)) natsOptions_SetToken(o, opt("token", NULL));
  if (opt("tls_ca", NULL)) {
    natsOptions_SetSecure(o, true);
    if ((st = natsOptions_LoadCATrustedCertificates(o, opt("tls_ca", NULL))) != NATS_OK) fatal("tls_ca", st);
    if (opt("tls_cert", NULL) && (st = natsOptions_LoadCertificatesChain(o, opt("tls_cert", NULL), opt("tls_key", NULL))) != NATS_OK) fatal("tls_cert", st);
    /* nats.c checks the host name only when told which one (the others check the URL's host) */
    if (opt("tls_host", NULL)) natsOptions_SetExpectedHostname(o, opt("tls_host", NULL));
  }
  natsOptions_SetDisconnectedCB(o, on_disconnected, NULL);
  natsOptions_SetReconnectedCB(o, on_reconnected, NULL);
  natsOptions_SetClosedCB(o, on_closed, NULL);
  natsOptions_SetErrorHandler(o, on_error, NULL);

  natsConnection *nc = NULL;
  st = natsConnection_Connect(&nc, o);
  if (st != NATS_OK) {
    jbuf j; jb_begin(&j, "connect_failed"); jb_err(&j, st); jb_emit(&j);
    emit0("done");
    return 0;
  }
  {
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    jbuf j; jb_begin(&j, "connected"); jb_kstr(&j, "url", url); jb_emit(&j);
  }
  if (strcmp(scenario, "pubsub") == 0) pubsub(nc);
  else if (strcmp(scenario, "drain") == 0) drain(nc, &set);
  else if (strcmp(scenario, "jetstream") == 0) jetstream(nc);
  else if (!strcmp(scenario, "connect") || !strcmp(scenario, "reconnect") || !strcmp(scenario, "ping") ||
           !strcmp(scenario, "auth-user") || !strcmp(scenario, "auth-token") || !strcmp(scenario, "tls") ||
           !strcmp(scenario, "tls-fail")) session(nc);
  else { jbuf j; jb_begin(&j, "fatal"); jb_kstr(&j, "err", "unknown scenario"); jb_emit(&j); return 2; }
  emit0("done");
  /* Exit without nats_Close(): the process ends here and the library's threads with it. */
  return 0;
}
