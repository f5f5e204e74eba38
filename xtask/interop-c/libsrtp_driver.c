/*
 * libsrtp2 side of `cargo xtask interop libsrtp`.
 *
 * usage: libsrtp_driver PROFILE protect|unprotect RTCP_ENCRYPT(0|1) KEYHEX IN OUT
 *
 * IN and OUT hold records: one byte kind (0 = RTP, 1 = RTCP), a big-endian u32 length,
 * then the packet. Every record goes through one libsrtp session (ROC and replay state
 * are per session), in order; the results are written to OUT in the same format. Any
 * libsrtp error stops the driver with the record number and status.
 */
#include <srtp2/srtp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg, long record, int status)
{
    fprintf(stderr, "libsrtp_driver: record %ld: %s (status %d)\n", record, msg, status);
    exit(1);
}

static int set_policy(const char *profile, srtp_policy_t *p)
{
    if (!strcmp(profile, "AES_CM_128_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(profile, "AES_CM_128_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(profile, "AES_256_CM_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(profile, "AES_256_CM_HMAC_SHA1_32")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(profile, "AEAD_AES_128_GCM")) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    } else if (!strcmp(profile, "AEAD_AES_256_GCM")) {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
    } else if (!strcmp(profile, "NULL_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtcp);
    } else {
        return -1;
    }
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
        fprintf(stderr, "usage: %s PROFILE protect|unprotect RTCP_ENCRYPT KEYHEX IN OUT\n", argv[0]);
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
    if (!atoi(argv[3]))
        policy.rtcp.sec_serv = sec_serv_auth;
    policy.ssrc.type = protect ? ssrc_any_outbound : ssrc_any_inbound;
    policy.ssrc.value = 0;
    policy.key = key;
    policy.window_size = 128;
    policy.allow_repeat_tx = 0;
    policy.next = NULL;
    srtp_t session;
    st = srtp_create(&session, &policy);
    if (st)
        die("srtp_create failed", -1, st);

    FILE *in = fopen(argv[5], "rb");
    FILE *out = fopen(argv[6], "wb");
    if (!in || !out)
        die("cannot open files", -1, 0);
    static uint8_t buf[4096 + SRTP_MAX_TRAILER_LEN];
    long record = 0;
    for (;; record++) {
        uint8_t head[5];
        size_t got = fread(head, 1, 5, in);
        if (got == 0)
            break;
        if (got != 5)
            die("short record header", record, 0);
        uint32_t len = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 8 | head[4];
        if (len > 4096 || fread(buf, 1, len, in) != len)
            die("bad record length", record, 0);
        int n = (int)len;
        if (head[0] == 0)
            st = protect ? srtp_protect(session, buf, &n) : srtp_unprotect(session, buf, &n);
        else
            st = protect ? srtp_protect_rtcp(session, buf, &n) : srtp_unprotect_rtcp(session, buf, &n);
        if (st)
            die(protect ? "protect failed" : "unprotect failed", record, st);
        head[1] = (uint8_t)(n >> 24);
        head[2] = (uint8_t)(n >> 16);
        head[3] = (uint8_t)(n >> 8);
        head[4] = (uint8_t)n;
        fwrite(head, 1, 5, out);
        fwrite(buf, 1, (size_t)n, out);
    }
    fclose(out);
    fclose(in);
    srtp_dealloc(session);
    srtp_shutdown();
    printf("%ld\n", record);
    return 0;
}
