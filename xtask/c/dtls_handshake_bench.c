/*
 * The CPU cost of OpenSSL's DTLS 1.2 handshake, driven in memory in one process: the
 * libssl half of `cargo xtask bench handshake` (xtask/src/bench.rs), which runs it beside
 * crates/dtls/benches/handshake_cpu.rs and prints the two side by side.
 *
 * Both ends live in this process and exchange datagrams through a small queue BIO (one
 * BIO_write is one datagram, one BIO_read returns one), so nothing of sockets, other
 * processes or printing is timed. The handshake is the one our crate does: DTLS 1.2,
 * ECDHE-ECDSA-AES128-GCM-SHA256, ECDSA P-256 certificates on both ends (the server
 * requires the client's), ecdsa_secp256r1_sha256 signatures, the ECDHE group given on the
 * command line (P-256, or X25519 offered before P-256: TLS 1.2 requires the curve of an
 * ECDSA certificate among the client's supported groups, RFC 8422 §5.1), use_srtp with SRTP_AEAD_AES_128_GCM, the extended
 * master secret, a HelloVerifyRequest cookie on every handshake, a 1200-byte MTU, no
 * session cache and no tickets (every handshake is a full one). Each end checks the
 * peer's certificate against its SHA-256 fingerprint, as WebRTC does and our crate does,
 * in place of chain building; after the handshake each end exports the SRTP keying
 * material (RFC 5764 §4.2), as our connection does when it completes.
 *
 * Usage: dtls_handshake_bench GROUP N     (GROUP: P-256 or X25519)
 * Prints one line:
 *   handshakes N cpu_ns C client_ns X server_ns Y
 * C is the process CPU time (CLOCK_PROCESS_CPUTIME_ID) of the N handshakes, certificates
 * and contexts made beforehand; X and Y are the time spent inside each end's calls
 * (CLOCK_MONOTONIC, the split of C between the ends). The SSL objects are created and
 * freed inside the timed loop, as our side creates and drops its connections.
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DATAGRAM 2048
#define QUEUE_LEN 64
#define MTU 1200

static void die(const char *what) {
    fprintf(stderr, "dtls_handshake_bench: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---- A datagram queue BIO ---------------------------------------------------------- */

struct queue {
    unsigned char data[QUEUE_LEN][MAX_DATAGRAM];
    int len[QUEUE_LEN];
    int head, count;
};

/* One end's BIO: it reads from `in` and writes to `out`. */
struct end {
    struct queue *in, *out;
};

static int q_write(BIO *b, const char *buf, int len) {
    struct end *e = BIO_get_data(b);
    struct queue *q = e->out;
    if (len < 0 || len > MAX_DATAGRAM || q->count == QUEUE_LEN)
        return -1;
    int slot = (q->head + q->count) % QUEUE_LEN;
    memcpy(q->data[slot], buf, (size_t)len);
    q->len[slot] = len;
    q->count++;
    return len;
}

static int q_read(BIO *b, char *buf, int size) {
    struct end *e = BIO_get_data(b);
    struct queue *q = e->in;
    BIO_clear_retry_flags(b);
    if (q->count == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    int n = q->len[q->head];
    if (n > size)
        n = size; /* a datagram larger than the buffer is truncated, as recv(2) does */
    memcpy(buf, q->data[q->head], (size_t)n);
    q->head = (q->head + 1) % QUEUE_LEN;
    q->count--;
    return n;
}

static long q_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)num;
    (void)ptr;
    struct end *e = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return e->in->count ? e->in->len[e->in->head] : 0;
    case BIO_CTRL_WPENDING:
        return 0;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        return 0;
    default:
        return 0; /* no peer addresses, no MTU queries, no timers */
    }
}

static BIO_METHOD *queue_method(void) {
    static BIO_METHOD *m;
    if (!m) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "datagram queue");
        if (!m || !BIO_meth_set_write(m, q_write) || !BIO_meth_set_read(m, q_read) ||
            !BIO_meth_set_ctrl(m, q_ctrl))
            die("BIO_meth_new");
    }
    return m;
}

static BIO *queue_bio(struct end *e) {
    BIO *b = BIO_new(queue_method());
    if (!b)
        die("BIO_new");
    BIO_set_data(b, e);
    BIO_set_init(b, 1);
    return b;
}

/* ---- Certificates ------------------------------------------------------------------ */

struct identity {
    EVP_PKEY *key;
    X509 *cert;
    unsigned char fingerprint[32];
};

static struct identity make_identity(const char *cn) {
    struct identity id;
    id.key = EVP_EC_gen("P-256");
    id.cert = X509_new();
    if (!id.key || !id.cert)
        die("key or certificate");
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        die("RAND_bytes");
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    X509_NAME *name = X509_NAME_new();
    if (!bn || !name || !X509_set_version(id.cert, X509_VERSION_3) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(id.cert)) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                    -1, 0) ||
        !X509_set_subject_name(id.cert, name) || !X509_set_issuer_name(id.cert, name) ||
        !X509_gmtime_adj(X509_getm_notBefore(id.cert), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(id.cert), 86400) ||
        !X509_set_pubkey(id.cert, id.key) || !X509_sign(id.cert, id.key, EVP_sha256()))
        die("building the certificate");
    BN_free(bn);
    X509_NAME_free(name);
    unsigned int n = 0;
    if (!X509_digest(id.cert, EVP_sha256(), id.fingerprint, &n) || n != 32)
        die("X509_digest");
    return id;
}

/* The peer's expected fingerprint, per SSL_CTX. */
static int fingerprint_index;

/* Replaces chain building: the peer's leaf must have the expected SHA-256 fingerprint. */
static int check_fingerprint(X509_STORE_CTX *store, void *arg) {
    (void)arg;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    const unsigned char *want =
        SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), fingerprint_index);
    X509 *leaf = X509_STORE_CTX_get0_cert(store);
    unsigned char got[32];
    unsigned int n = 0;
    if (!leaf || !X509_digest(leaf, EVP_sha256(), got, &n) || n != 32 ||
        CRYPTO_memcmp(got, want, 32) != 0) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    return 1;
}

/* ---- Cookies ----------------------------------------------------------------------- */

static unsigned char cookie_secret[32];
static const char client_address[] = "192.0.2.1:5004";

/* HMAC-SHA256 over the client's address, as OpenSSL's own s_server does (the client's
 * random is not known yet when the cookie is checked). */
static int cookie_of(SSL *ssl, unsigned char *out, unsigned int *len) {
    (void)ssl;
    return HMAC(EVP_sha256(), cookie_secret, sizeof cookie_secret,
                (const unsigned char *)client_address, sizeof client_address, out,
                len) != NULL;
}

static int generate_cookie(SSL *ssl, unsigned char *cookie, unsigned int *len) {
    return cookie_of(ssl, cookie, len);
}

static int verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int len) {
    unsigned char want[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    return cookie_of(ssl, want, &n) && n == len && CRYPTO_memcmp(want, cookie, n) == 0;
}

/* ---- Contexts ---------------------------------------------------------------------- */

static SSL_CTX *context(int server, const struct identity *own, const struct identity *peer,
                        const char *groups) {
    SSL_CTX *ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256") ||
        !SSL_CTX_set1_groups_list(ctx, groups) ||
        !SSL_CTX_set1_sigalgs_list(ctx, "ECDSA+SHA256") ||
        SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM") != 0 ||
        !SSL_CTX_use_certificate(ctx, own->cert) || !SSL_CTX_use_PrivateKey(ctx, own->key) ||
        !SSL_CTX_check_private_key(ctx) ||
        !SSL_CTX_set_ex_data(ctx, fingerprint_index, (void *)peer->fingerprint))
        die("configuring the SSL_CTX");
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET |
                                 (server ? SSL_OP_COOKIE_EXCHANGE : 0));
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_cert_verify_callback(ctx, check_fingerprint, NULL);
    if (server) {
        SSL_CTX_set_cookie_generate_cb(ctx, generate_cookie);
        SSL_CTX_set_cookie_verify_cb(ctx, verify_cookie);
    }
    return ctx;
}

/* ---- One handshake ----------------------------------------------------------------- */

static double now_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static struct queue to_server, to_client;

/* Steps one end; returns 1 once its handshake is complete. */
static int step(SSL *ssl, double *spent) {
    double t = now_ns(CLOCK_MONOTONIC);
    int rc = SSL_do_handshake(ssl);
    *spent += now_ns(CLOCK_MONOTONIC) - t;
    if (rc == 1)
        return 1;
    if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ)
        die("handshake failed");
    return 0;
}

static void finish(SSL *ssl, double *spent, const char *group, int check) {
    double t = now_ns(CLOCK_MONOTONIC);
    unsigned char keys[2 * (16 + 12)];
    if (SSL_export_keying_material(ssl, keys, sizeof keys, "EXTRACTOR-dtls_srtp", 19, NULL,
                                   0, 0) != 1)
        die("SSL_export_keying_material");
    *spent += now_ns(CLOCK_MONOTONIC) - t;
    if (check) {
        const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(ssl);
        const char *g = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl));
        if (!p || strcmp(p->name, "SRTP_AEAD_AES_128_GCM") != 0 ||
            strcmp(SSL_get_cipher_name(ssl), "ECDHE-ECDSA-AES128-GCM-SHA256") != 0 ||
            SSL_get_extms_support(ssl) != 1 || SSL_session_reused(ssl) ||
            !SSL_get0_peer_certificate(ssl) || !g ||
            strcmp(g, strcmp(group, "P-256") == 0 ? "secp256r1" : "x25519") != 0)
            die("the handshake negotiated something else");
    }
}

static void handshake(SSL_CTX *cctx, SSL_CTX *sctx, const char *group, int check,
                      double *client_ns, double *server_ns) {
    memset(&to_server, 0, sizeof to_server);
    memset(&to_client, 0, sizeof to_client);
    struct end client_end = {&to_client, &to_server}, server_end = {&to_server, &to_client};
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    if (!c || !s)
        die("SSL_new");
    /* One BIO reads and writes; SSL_set_bio takes its one reference. */
    BIO *cb = queue_bio(&client_end), *sb = queue_bio(&server_end);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    if (!SSL_set_mtu(c, MTU) || !SSL_set_mtu(s, MTU))
        die("SSL_set_mtu");
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int cdone = 0, sdone = 0;
    for (int rounds = 0; !(cdone && sdone); rounds++) {
        if (rounds == 32)
            die("handshake stalled");
        if (!cdone)
            cdone = step(c, client_ns);
        if (!sdone)
            sdone = step(s, server_ns);
    }
    finish(c, client_ns, group, check);
    finish(s, server_ns, group, check);
    if (to_server.count || to_client.count)
        die("datagrams left over");
    SSL_free(c);
    SSL_free(s);
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "P-256") != 0 && strcmp(argv[1], "X25519") != 0) ||
        atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: dtls_handshake_bench P-256|X25519 N\n");
        return 2;
    }
    const char *group = argv[1];
    const char *groups = strcmp(group, "P-256") == 0 ? "P-256" : "X25519:P-256";
    int n = atoi(argv[2]);
    fingerprint_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (RAND_bytes(cookie_secret, sizeof cookie_secret) != 1)
        die("RAND_bytes");
    struct identity server_id = make_identity("server"), client_id = make_identity("client");
    SSL_CTX *sctx = context(1, &server_id, &client_id, groups);
    SSL_CTX *cctx = context(0, &client_id, &server_id, groups);

    double client_ns = 0, server_ns = 0;
    /* Warm up: first-use initialisation (method tables, providers) and a check of what was
     * negotiated, untimed. */
    for (int i = 0; i < 1 + n / 10; i++)
        handshake(cctx, sctx, group, i == 0, &client_ns, &server_ns);
    client_ns = server_ns = 0;
    double cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < n; i++)
        handshake(cctx, sctx, group, 0, &client_ns, &server_ns);
    cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    printf("handshakes %d cpu_ns %.0f client_ns %.0f server_ns %.0f\n", n, cpu, client_ns,
           server_ns);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 0;
}
