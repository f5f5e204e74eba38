/*
 * libsrtp2 side of `cargo xtask interop libsrtp`.
 *
 * usage: libsrtp_driver PROFILE protect|unprotect RTCP_ENCRYPT(0|1) KEYHEX IN OUT
 *            [KEY2HEX MKI1HEX MKI2HEX]
 *        libsrtp_driver PROFILE verdicts WINDOW KEYHEX IN OUT
 *
 * With the last three arguments the session has two master keys with those MKIs;
 * record i is protected with key i % 2, and unprotect picks the key by MKI.
 *
 * IN and OUT hold records: one byte kind (0 = RTP, 1 = RTCP), a big-endian u32 length,
 * then the packet. Every record goes through one libsrtp session (ROC and replay state
 * are per session), in order; the results are written to OUT in the same format. Any
 * libsrtp error stops the driver with the record number and status.
 *
 * In `verdicts` mode the session's SRTP replay window is WINDOW packets
 * (srtp_policy_t.window_size) and every record is an SRTP packet to unprotect; no error
 * stops the driver. Each output record is one byte, the srtp_err_status_t of that
 * packet (0 = accepted), followed by the plaintext when it was accepted.
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
    if (argc != 7 && argc != 10) {
        fprintf(stderr, "usage: %s PROFILE protect|unprotect RTCP_ENCRYPT KEYHEX IN OUT [KEY2HEX MKI1HEX MKI2HEX]\n", argv[0]);
        return 2;
    }
    int protect = !strcmp(argv[2], "protect");
    int verdicts = !strcmp(argv[2], "verdicts");
    int use_mki = argc == 10;
    uint8_t key[64], key2[64], mki1[16], mki2[16];
    memset(key, 0, sizeof key);
    memset(key2, 0, sizeof key2);
    unhex(argv[4], key, sizeof key);
    srtp_master_key_t mk1 = { key, mki1, 0 }, mk2 = { key2, mki2, 0 };
    srtp_master_key_t *keys[2] = { &mk1, &mk2 };
    if (use_mki) {
        unhex(argv[7], key2, sizeof key2);
        mk1.mki_size = (unsigned)unhex(argv[8], mki1, sizeof mki1);
        mk2.mki_size = (unsigned)unhex(argv[9], mki2, sizeof mki2);
    }

    srtp_err_status_t st = srtp_init();
    if (st)
        die("srtp_init failed", -1, st);
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (set_policy(argv[1], &policy))
        die("unknown profile", -1, 0);
    if (!verdicts && !atoi(argv[3]))
        policy.rtcp.sec_serv = sec_serv_auth;
    policy.ssrc.type = protect ? ssrc_any_outbound : ssrc_any_inbound;
    policy.ssrc.value = 0;
    if (use_mki) {
        policy.keys = keys;
        policy.num_master_keys = 2;
    } else {
        policy.key = key;
    }
    policy.window_size = verdicts ? (unsigned long)atol(argv[3]) : 128;
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
        if (verdicts) {
            st = srtp_unprotect(session, buf, &n);
            uint8_t verdict = (uint8_t)st;
            uint32_t outlen = 1 + (st ? 0 : (uint32_t)n);
            head[1] = (uint8_t)(outlen >> 24);
            head[2] = (uint8_t)(outlen >> 16);
            head[3] = (uint8_t)(outlen >> 8);
            head[4] = (uint8_t)outlen;
            fwrite(head, 1, 5, out);
            fwrite(&verdict, 1, 1, out);
            if (!st)
                fwrite(buf, 1, (size_t)n, out);
            continue;
        }
        unsigned mki_index = (unsigned)(record % 2);
        if (head[0] == 0)
            st = protect ? srtp_protect_mki(session, buf, &n, use_mki, mki_index)
                         : srtp_unprotect_mki(session, buf, &n, use_mki);
        else
            st = protect ? srtp_protect_rtcp_mki(session, buf, &n, use_mki, mki_index)
                         : srtp_unprotect_rtcp_mki(session, buf, &n, use_mki);
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
