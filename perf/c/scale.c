/* The scale harness's C peer: plain libzmq, built by `cargo xtask scale` against the same
 * libzmq.a as the crate. Same commands, options, wire protocol and output lines as
 * perf/src/bin/scale.rs (see there):
 *
 *   scale_c broker  [--backlog N] [--curve-secret Z85] [--socket router|server]
 *   scale_c clients --endpoint E --n K --mode load|storm [--curve-server Z85]
 *                   [--warmup S] [--seconds S] [--timeout S] [--socket dealer|client]
 *   scale_c pub     [--backlog N]
 *   scale_c subs    --endpoint E --n K [--warmup S] [--seconds S] [--timeout S]
 *
 * `subs` is row 2's subscriber side (the same for every publisher): K SUB sockets,
 * connected in batches of 500, each counted as connected at its first message; then, after
 * "go" on stdin and the warm-up, it counts the messages each socket receives in the window
 * and their lag (now minus the publisher's stamp), and prints
 * RESULT {"delivered":..., "seconds":..., "min_per_socket":..., "lag_us":[...], "max_lag_us":...}.
 *
 * The clients wait with zmq_poller (epoll inside libzmq), the cheapest way libzmq offers
 * to wait on thousands of sockets.
 *
 * `--socket server` (broker) and `--socket client` (clients) are row 5's draft sockets: a
 * SERVER answers each request with one message that carries the request's routing id. */
#define ZMQ_BUILD_DRAFT_API 1
#include <dirent.h>
#include <poll.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static const char *opt(int argc, char **argv, const char *key, const char *dflt) {
    for (int i = 2; i + 1 < argc; i += 2)
        if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, key) == 0) return argv[i + 1];
    return dflt;
}

static void die(const char *what) {
    fprintf(stderr, "scale_c: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double now_s(void) { return (double)now_ns() / 1e9; }

static void usage(long *rss, long *fds) {
    *rss = 0;
    *fds = 0;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) *rss = atol(line + 6);
    if (f) fclose(f);
    DIR *d = opendir("/proc/self/fd");
    while (d && readdir(d)) (*fds)++;
    if (d) closedir(d);
    *fds -= 2; /* "." and ".." (the directory's own fd is counted, as the Rust peer does) */
}

/* Binds to a free tcp port on 127.0.0.1 and tells the harness where: "READY <endpoint>". */
static void bind_and_announce(void *s) {
    if (zmq_bind(s, "tcp://127.0.0.1:*")) die("bind");
    char endpoint[256];
    size_t len = sizeof endpoint;
    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, endpoint, &len);
    printf("READY %s\n", endpoint);
    fflush(stdout);
}

/* The broker's clock into a request's free bytes (8 to 16). */
static void stamp_reply(zmq_msg_t *body) {
    if (zmq_msg_size(body) >= 16) {
        uint64_t t = now_ns();
        memcpy((char *)zmq_msg_data(body) + 8, &t, 8);
    }
}

static int broker(int argc, char **argv) {
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_IO_THREADS, atoi(opt(argc, argv, "io-threads", "1")));
    int server = strcmp(opt(argc, argv, "socket", "router"), "server") == 0;
    void *s = zmq_socket(ctx, server ? ZMQ_SERVER : ZMQ_ROUTER);
    if (!s) die("socket");
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    const char *backlog = opt(argc, argv, "backlog", NULL);
    if (backlog) {
        int b = atoi(backlog);
        if (zmq_setsockopt(s, ZMQ_BACKLOG, &b, sizeof b)) die("backlog");
    }
    const char *secret = opt(argc, argv, "curve-secret", NULL);
    if (secret) {
        int one = 1;
        zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one);
        if (zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret, 40)) die("curve secret");
    }
    bind_and_announce(s);
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    while (server) {
        /* The reply is the request itself: its routing id addresses the sender (gone, if
         * it disconnected meanwhile: EHOSTUNREACH, and the next receive drops the reply). */
        if (zmq_msg_recv(&body, s, 0) < 0) die("recv");
        stamp_reply(&body);
        if (zmq_msg_send(&body, s, 0) < 0 && zmq_errno() != EHOSTUNREACH) die("send");
    }
    for (;;) {
        if (zmq_msg_recv(&id, s, 0) < 0) die("recv");
        if (zmq_msg_recv(&body, s, 0) < 0) die("recv");
        stamp_reply(&body);
        if (zmq_msg_send(&id, s, ZMQ_SNDMORE) < 0) die("send");
        if (zmq_msg_send(&body, s, 0) < 0) die("send");
    }
}

static void send_request(void *s) {
    char buf[16] = {0};
    uint64_t t = now_ns();
    memcpy(buf, &t, 8);
    if (zmq_send(s, buf, 16, 0) < 0) die("send");
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void print_sketch(const char *name, uint32_t *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_u32);
    size_t points = n < 200 ? n : 200;
    printf(",\"%s\":[", name);
    for (size_t i = 0; i < points; i++) {
        size_t at = (i * 2 + 1) * n / (points * 2);
        printf("%s%.2f", i ? "," : "", v[at] / 1000.0);
    }
    printf("]");
}

static uint32_t clip(uint64_t now, uint64_t t) {
    uint64_t d = now > t ? now - t : 0;
    return d > 0xffffffffu ? 0xffffffffu : (uint32_t)d;
}

static int clients(int argc, char **argv) {
    const char *endpoint = opt(argc, argv, "endpoint", "");
    const char *mode = opt(argc, argv, "mode", "load");
    int n = atoi(opt(argc, argv, "n", "1"));
    double timeout = atof(opt(argc, argv, "timeout", "60"));
    double warmup = atof(opt(argc, argv, "warmup", "0.5"));
    double seconds = atof(opt(argc, argv, "seconds", "2"));
    const char *server_key = opt(argc, argv, "curve-server", NULL);
    int type = strcmp(opt(argc, argv, "socket", "dealer"), "client") == 0 ? ZMQ_CLIENT : ZMQ_DEALER;
    long rss0, fds0, rss1, fds1;
    usage(&rss0, &fds0);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, n + 64);
    char pub[41], sec[41];
    if (server_key && zmq_curve_keypair(pub, sec)) die("keypair");
    void **socks = calloc((size_t)n, sizeof *socks);
    void *poller = zmq_poller_new();
    zmq_poller_event_t *events = calloc((size_t)n, sizeof *events);
    int zero = 0;
    for (int i = 0; i < n; i++) {
        socks[i] = zmq_socket(ctx, type);
        if (!socks[i]) die("socket");
        zmq_setsockopt(socks[i], ZMQ_LINGER, &zero, sizeof zero);
        if (server_key) {
            zmq_setsockopt(socks[i], ZMQ_CURVE_SERVERKEY, server_key, 40);
            zmq_setsockopt(socks[i], ZMQ_CURVE_PUBLICKEY, pub, 40);
            zmq_setsockopt(socks[i], ZMQ_CURVE_SECRETKEY, sec, 40);
        }
    }
    /* A storm connects everything at once; a load run connects in batches of 500, each
     * finishing a round trip before the next (as the Rust peer does). */
    int batch = strcmp(mode, "storm") == 0 ? n : 500;
    double start = now_s();
    char buf[64];
    int done = 0;
    for (int first = 0; first < n; first += batch) {
        int last = first + batch < n ? first + batch : n;
        for (int i = first; i < last; i++) {
            if (zmq_connect(socks[i], endpoint)) die("connect");
            if (zmq_poller_add(poller, socks[i], (void *)(intptr_t)i, ZMQ_POLLIN)) die("poller_add");
            send_request(socks[i]);
        }
        while (done < last && now_s() - start < timeout) {
            int k = zmq_poller_wait_all(poller, events, n, 100);
            for (int e = 0; e < k; e++)
                while (zmq_recv(events[e].socket, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) done++;
        }
    }
    if (strcmp(mode, "storm") == 0) {
        printf("RESULT {\"n\":%d,\"done\":%d,\"seconds\":%.4f}\n", n, done, now_s() - start);
        fflush(stdout);
        _exit(0);
    }
    if (done < n) {
        fprintf(stderr, "scale_c: %d of %d sockets got no reply in time\n", n - done, n);
        return 1;
    }
    usage(&rss1, &fds1);
    printf("CONNECTED {\"n\":%d,\"rss_before_kib\":%ld,\"fds_before\":%ld,\"rss_kib\":%ld,\"fds\":%ld}\n",
           n, rss0, fds0, rss1, fds1);
    fflush(stdout);
    if (!fgets(buf, sizeof buf, stdin)) {
        fprintf(stderr, "scale_c: stdin closed before go\n");
        return 1;
    }
    size_t cap = 1 << 16, count = 0;
    uint32_t *rtt = malloc(cap * sizeof *rtt), *wake = malloc(cap * sizeof *wake);
    for (int i = 0; i < n; i++) send_request(socks[i]);
    double t0 = now_s(), from = t0 + warmup, to = t0 + warmup + seconds;
    int outstanding = n;
    for (;;) {
        double now = now_s();
        int sending = now < to;
        if (!sending && outstanding == 0) break;
        if (now > to + timeout) {
            fprintf(stderr, "scale_c: replies stopped coming\n");
            return 1;
        }
        int k = zmq_poller_wait_all(poller, events, n, 100);
        now = now_s();
        int measuring = now >= from && now < to;
        for (int e = 0; e < k; e++) {
            int got;
            while ((got = zmq_recv(events[e].socket, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
                if (measuring && got >= 16) {
                    uint64_t a, b, t = now_ns();
                    memcpy(&a, buf, 8);
                    memcpy(&b, buf + 8, 8);
                    if (count == cap) {
                        cap *= 2;
                        rtt = realloc(rtt, cap * sizeof *rtt);
                        wake = realloc(wake, cap * sizeof *wake);
                    }
                    rtt[count] = clip(t, a);
                    wake[count] = clip(t, b);
                    count++;
                }
                outstanding--;
                if (sending) {
                    send_request(events[e].socket);
                    outstanding++;
                }
            }
        }
    }
    printf("RESULT {\"roundtrips\":%zu,\"seconds\":%.4f", count, seconds);
    print_sketch("rtt_us", rtt, count);
    print_sketch("wake_us", wake, count);
    printf("}\n");
    fflush(stdout);
    for (;;) zmq_poller_wait_all(poller, events, n, -1);
}

static int publisher(int argc, char **argv) {
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PUB);
    int zero = 0, backlog = atoi(opt(argc, argv, "backlog", "100"));
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_BACKLOG, &backlog, sizeof backlog);
    bind_and_announce(s);
    /* Paced (one message per --pace-ms) while the subscribers join, so that the io thread
     * has time to accept them (it accepts only between bursts of pipe commands); then, on
     * "go" from the harness, as fast as it can. */
    int pace_ms = atoi(opt(argc, argv, "pace-ms", "20"));
    struct pollfd in = {.fd = 0, .events = POLLIN};
    while (poll(&in, 1, pace_ms) == 0) send_request(s);
    for (;;) send_request(s);
}

static int subs(int argc, char **argv) {
    const char *endpoint = opt(argc, argv, "endpoint", "");
    int n = atoi(opt(argc, argv, "n", "1"));
    double timeout = atof(opt(argc, argv, "timeout", "60"));
    double warmup = atof(opt(argc, argv, "warmup", "0.5"));
    double seconds = atof(opt(argc, argv, "seconds", "2"));
    long rss0, fds0, rss1, fds1;
    usage(&rss0, &fds0);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, n + 64);
    void **socks = (void **)calloc((size_t)n, sizeof *socks);
    long *counts = (long *)calloc((size_t)n, sizeof *counts);
    void *poller = zmq_poller_new();
    zmq_poller_event_t *events = (zmq_poller_event_t *)calloc((size_t)n, sizeof *events);
    int zero = 0;
    char buf[64];
    int joined = 0;
    double start = now_s();
    for (int first = 0; first < n; first += 500) {
        int last = first + 500 < n ? first + 500 : n;
        for (int i = first; i < last; i++) {
            socks[i] = zmq_socket(ctx, ZMQ_SUB);
            if (!socks[i]) die("socket");
            zmq_setsockopt(socks[i], ZMQ_LINGER, &zero, sizeof zero);
            zmq_setsockopt(socks[i], ZMQ_SUBSCRIBE, "", 0);
            if (zmq_connect(socks[i], endpoint)) die("connect");
            if (zmq_poller_add(poller, socks[i], (void *)(intptr_t)i, ZMQ_POLLIN)) die("poller_add");
        }
        while (joined < last) {
            if (now_s() - start > timeout) {
                fprintf(stderr, "scale_c: %d of %d subscribers got nothing in time\n", n - joined, n);
                return 1;
            }
            int k = zmq_poller_wait_all(poller, events, n, 100);
            for (int e = 0; e < k; e++) {
                int i = (int)(intptr_t)events[e].user_data;
                while (zmq_recv(socks[i], buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
                    if (counts[i]++ == 0) joined++;
            }
        }
    }
    usage(&rss1, &fds1);
    printf("CONNECTED {\"n\":%d,\"rss_before_kib\":%ld,\"fds_before\":%ld,\"rss_kib\":%ld,\"fds\":%ld}\n",
           n, rss0, fds0, rss1, fds1);
    fflush(stdout);
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    double t0 = now_s(), from = t0 + warmup, to = t0 + warmup + seconds;
    size_t cap = 1 << 16, nlag = 0;
    uint32_t *lag = (uint32_t *)malloc(cap * sizeof *lag);
    uint32_t max_lag = 0;
    long delivered = 0, every = 0;
    memset(counts, 0, (size_t)n * sizeof *counts);
    for (;;) {
        double now = now_s();
        if (now >= to) break;
        int k = zmq_poller_wait_all(poller, events, n, 100);
        now = now_s();
        int measuring = now >= from && now < to;
        for (int e = 0; e < k; e++) {
            int i = (int)(intptr_t)events[e].user_data;
            int got;
            while ((got = zmq_recv(socks[i], buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
                if (!measuring || got < 16) continue;
                uint64_t a;
                memcpy(&a, buf, 8);
                uint32_t l = clip(now_ns(), a);
                if (l > max_lag) max_lag = l;
                counts[i]++;
                delivered++;
                if ((every++ & 63) == 0) { /* a sample of the lags, for the quantiles */
                    if (nlag == cap) {
                        cap *= 2;
                        lag = (uint32_t *)realloc(lag, cap * sizeof *lag);
                    }
                    lag[nlag++] = l;
                }
            }
        }
    }
    long least = -1;
    for (int i = 0; i < n; i++)
        if (least < 0 || counts[i] < least) least = counts[i];
    printf("RESULT {\"delivered\":%ld,\"seconds\":%.4f,\"min_per_socket\":%ld,\"max_lag_us\":%.2f",
           delivered, seconds, least, max_lag / 1000.0);
    print_sketch("lag_us", lag, nlag);
    printf("}\n");
    fflush(stdout);
    for (;;) zmq_poller_wait_all(poller, events, n, -1);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: scale_c broker|clients [--option value]...\n");
        return 1;
    }
    if (strcmp(argv[1], "broker") == 0) return broker(argc, argv);
    if (strcmp(argv[1], "clients") == 0) return clients(argc, argv);
    if (strcmp(argv[1], "pub") == 0) return publisher(argc, argv);
    if (strcmp(argv[1], "subs") == 0) return subs(argc, argv);
    fprintf(stderr, "scale_c: unknown command %s\n", argv[1]);
    return 1;
}
