/*
 * libsrtp2 (2.8 or later, with RFC 9335 cryptex) side of `cargo xtask interop cryptex`.
 *
 * usage: libsrtp_cryptex_driver PROFILE protect|unprotect CRYPTEX(0|1) KEYHEX IN OUT
 *
 * IN and OUT hold records: a big-endian u32 length, then an RTP (or SRTP) packet. Every
 * record goes through one libsrtp session, in order, with cryptex enabled on it by
 * srtp_set_stream_use_cryptex when CRYPTEX is 1; the results are written to OUT in the
 * same format. Any libsrtp error stops the driver with the record number and status.
 * Prints libsrtp's version string, then the number of records.
 */
#include <srtp2/srtp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg, long record, int status)
{
    fprintf(stderr, "libsrtp_cryptex_driver: record %ld: %s (status %d)\n", record, msg, status);
    exit(1);
}

static int set_policy(const char *profile, srtp_policy_t *p)
{
    if (!strcmp(profile, "AES_CM_128_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
    } else if (!strcmp(profile, "AES_CM_128_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
    } else if (!strcmp(profile, "AES_256_CM_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
    } else if (!strcmp(profile, "AES_256_CM_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
    } else if (!strcmp(profile, "AEAD_AES_128_GCM")) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
    } else if (!strcmp(profile, "AEAD_AES_256_GCM")) {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
    } else if (!strcmp(profile, "NULL_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtp);
    } else {
        return -1;
    }
    p->rtcp = p->rtp;
    return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (s[0] && s[1] && n < max) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s PROFILE protect|unprotect CRYPTEX KEYHEX IN OUT\n", argv[0]);
        return 2;
    }
    int protect = !strcmp(argv[2], "protect");
    uint8_t key[64];
    memset(key, 0, sizeof key);
    unhex(argv[4], key, sizeof key);

    srtp_err_status_t st = srtp_init();
    if (st)
        die("srtp_init failed", -1, st);
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (set_policy(argv[1], &policy))
        die("unknown profile", -1, 0);
    policy.ssrc.type = protect ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = key;
    policy.window_size = 128;
    srtp_t session;
    st = srtp_create(&session, &policy);
    if (st)
        die("srtp_create failed", -1, st);
    st = srtp_set_stream_use_cryptex(session, &policy.ssrc, atoi(argv[3]));
    if (st)
        die("srtp_set_stream_use_cryptex failed", -1, st);

    FILE *in = fopen(argv[5], "rb");
    FILE *out = fopen(argv[6], "wb");
    if (!in || !out)
        die("cannot open files", -1, 0);
    static uint8_t buf[4096 + SRTP_MAX_TRAILER_LEN];
    long record = 0;
    for (;; record++) {
        uint8_t head[4];
        size_t got = fread(head, 1, 4, in);
        if (got == 0)
            break;
        if (got != 4)
            die("short record header", record, 0);
        uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
        if (len > 4096 || fread(buf, 1, len, in) != len)
            die("bad record length", record, 0);
        int n = (int)len;
        st = protect ? srtp_protect(session, buf, &n) : srtp_unprotect(session, buf, &n);
        if (st)
            die(protect ? "protect failed" : "unprotect failed", record, st);
        head[0] = (uint8_t)(n >> 24);
        head[1] = (uint8_t)(n >> 16);
        head[2] = (uint8_t)(n >> 8);
        head[3] = (uint8_t)n;
        fwrite(head, 1, 4, out);
        fwrite(buf, 1, (size_t)n, out);
    }
    fclose(out);
    fclose(in);
    srtp_dealloc(session);
    srtp_shutdown();
    printf("%s\n%ld\n", srtp_get_version_string(), record);
    return 0;
}
