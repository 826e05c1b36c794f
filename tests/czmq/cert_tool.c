/* czmq's side of the certificate interop check (cargo xtask czmq-certs): the same
 * command line and output as examples/curve_cert.rs, written with czmq's zcert.
 *
 *   cert_tool new PATH [NAME=VALUE ...]   make a certificate, save PATH and PATH_secret
 *   cert_tool show [--secret] PATH        print a certificate file's public key and metadata
 *                                         (the secret key is never printed)
 */
#include <czmq.h>
#include <stdio.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: cert_tool new PATH [NAME=VALUE ...] | show [--secret] PATH\n");
    return 2;
}

static void print_cert(zcert_t *cert, bool secret)
{
    printf("public-key: %s\n", zcert_public_txt(cert));
    if (secret) {
        /* Like curve_cert, never print the secret key: say whether it matches. */
        const char *text = zcert_secret_txt(cert);
        /* czmq reports a certificate loaded from a public file with an all-zero secret. */
        bool zero = strcmp(text, "0000000000000000000000000000000000000000") == 0;
        char derived[41];
        bool matches = zmq_curve_public(derived, text) == 0
                       && strcmp(derived, zcert_public_txt(cert)) == 0;
        printf("secret-key: %s\n", zero      ? "(none)"
                                   : matches ? "(hidden; matches the public key)"
                                             : "(hidden; does NOT match the public key)");
    }
    zlist_t *names = zcert_meta_keys(cert);
    zlist_sort(names, NULL);
    for (char *name = (char *) zlist_first(names); name; name = (char *) zlist_next(names))
        printf("metadata: %s = %s\n", name, zcert_meta(cert, name));
    zlist_destroy(&names);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "new") == 0) {
        zcert_t *cert = zcert_new();
        for (int i = 3; i < argc; i++) {
            char *eq = strchr(argv[i], '=');
            if (!eq)
                return usage();
            *eq = '\0';
            zcert_set_meta(cert, argv[i], "%s", eq + 1);
        }
        if (zcert_save(cert, argv[2]) != 0) {
            fprintf(stderr, "cert_tool: cannot save %s\n", argv[2]);
            return 1;
        }
        print_cert(cert, true);
        zcert_destroy(&cert);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "show") == 0) {
        bool secret = strcmp(argv[2], "--secret") == 0;
        const char *path = argv[secret ? 3 : 2];
        if (!path)
            return usage();
        zcert_t *cert = zcert_load(path);
        if (!cert) {
            fprintf(stderr, "cert_tool: cannot load %s\n", path);
            return 1;
        }
        print_cert(cert, secret);
        zcert_destroy(&cert);
        return 0;
    }
    return usage();
}
