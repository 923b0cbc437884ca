package main

import (
	"fmt"
	"io"
	"os"

	"github.com/anteroom/anteroom/token"
)

// keygen prints a fresh HMAC secret for keys.secret_env, or with -purchase
// writes an Ed25519 key for keys.purchase_key_file.
func keygen(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("keygen", stderr)
	purchase := fs.String("purchase", "", "write an Ed25519 purchase signing key (PEM) to this file")
	if code := parseFlags(fs, args); code != 0 {
		return code
	}
	if *purchase == "" {
		fmt.Fprintln(stdout, token.NewSecret())
		return 0
	}
	k, err := token.GenerateKey()
	if err == nil {
		var pemBytes []byte
		if pemBytes, err = token.MarshalPrivateKeyPEM(k); err == nil {
			// O_EXCL: never overwrite a key that may still sign live tokens.
			var f *os.File
			if f, err = os.OpenFile(*purchase, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				_, err = f.Write(pemBytes)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "anteroom keygen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote purchase signing key to %s\n", *purchase)
	return 0
}
